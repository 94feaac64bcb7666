"""Background work: expired entitlement tranches return to their budgets. Idempotent."""

from __future__ import annotations

from django_tasks import task

from learningcity.core.actors import PLATFORM
from learningcity.funding import services


@task()
def lapse_expired_tranches() -> int:
    return services.tranches_lapse(actor=PLATFORM)
