"""Background work: the indicators' aggregates recomputed from the platform's data.
Idempotent: a refresh replaces every aggregate, so a retry only recomputes."""

from __future__ import annotations

from django_tasks import task

from learningcity.core.actors import PLATFORM
from learningcity.monitoring import services


@task()
def refresh_indicators() -> int:
    return services.refresh(actor=PLATFORM).rows
