"""Background work: waitlist promotion and offer expiry. Idempotent and safe to retry."""

from __future__ import annotations

from django_tasks import task

from learningcity.enrollment import services


@task()
def promote_waitlist(class_id: int) -> int:
    return len(services.waitlist_promote(class_id=class_id))


@task()
def expire_offers(class_id: int) -> int:
    return services.offers_expire(class_id=class_id)
