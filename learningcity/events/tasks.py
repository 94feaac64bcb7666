"""Background work: reminders the day before an event. Idempotent and safe to retry."""

from __future__ import annotations

from django_tasks import task

from learningcity.events import services


@task()
def send_reminders(event_id: int) -> int:
    """Remind one event's registered learners (enqueued for a day before it starts)."""
    return services.reminders_send(event_id=event_id)


@task()
def send_due_reminders() -> int:
    """Remind everyone whose event starts within a day (for a periodic run)."""
    return services.reminders_send()
