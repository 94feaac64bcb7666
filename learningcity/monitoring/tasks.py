"""Background work: the indicators' aggregates recomputed from the platform's data, again
and again. Idempotent: a refresh replaces every aggregate, so a retry only recomputes."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from learningcity.core import clock
from learningcity.core.actors import PLATFORM
from learningcity.monitoring import services


@task()
def refresh_indicators() -> int:
    """Refresh now, then queue the next refresh: the figures stay at most
    MONITORING_REFRESH_MINUTES old while a worker runs, with no scheduler beside it."""
    rows = services.refresh(actor=PLATFORM).rows
    schedule_refresh()
    return rows


def schedule_refresh() -> None:
    """Queue the next refresh unless one is already waiting (two waiting would only compute
    the same figures twice: the refresh is idempotent and takes a lock)."""
    waiting = DBTaskResult.objects.filter(
        task_path=refresh_indicators.module_path, status=TaskResultStatus.READY
    ).exists()
    if not waiting:
        every = dt.timedelta(minutes=settings.MONITORING_REFRESH_MINUTES)
        refresh_indicators.using(run_after=clock.now() + every).enqueue()
