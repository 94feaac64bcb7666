from __future__ import annotations

from typing import Any

from learningcity.core.models import AuditEntry


def audit_record(
    *, actor: Any, action: str, subject: str, reason: str = "", data: dict[str, Any] | None = None
) -> AuditEntry:
    """Write one audit row inside the caller's transaction, so it commits or rolls back with it.

    `data` must never carry personal secrets (ID numbers); callers pass field names, not values.
    """
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    return AuditEntry.objects.create(
        actor_id=actor_id, action=action, subject=subject, reason=reason, data=data or {}
    )
