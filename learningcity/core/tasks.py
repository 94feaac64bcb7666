"""Background work: sealing the audit log's new entries into its hash chain. Idempotent and
safe to run at once from several workers (one seals, the others then find nothing)."""

from __future__ import annotations

from django_tasks import task

from learningcity.core.services import audit_seal


@task()
def seal_audit_log() -> int:
    return audit_seal()
