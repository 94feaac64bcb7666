"""Background work: reading a provider's completions and voids into the credit bank, off the
ingestion request. Idempotent and safe to run twice at once."""

from __future__ import annotations

from django_tasks import task

from learningcity.xapi.services import statements_credit


@task()
def credit_statements(provider_id: int) -> int:
    return statements_credit(provider_id=provider_id)
