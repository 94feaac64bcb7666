from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils.translation import gettext as _

from learningcity.core.errors import Conflict, ValidationFailed
from learningcity.core.models import AuditEntry, IdempotencyRecord


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


IDEMPOTENCY_KEY_MAX = 100


def request_fingerprint(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key_check(key: str) -> None:
    """Refuse a key that cannot be recorded, before any work is done for it."""
    if not 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
        message = _("An idempotency key has 1 to 100 characters.")
        raise ValidationFailed(message, fields={"idempotency_key": [message]})


def idempotency_lookup(*, actor: Any, action: str, key: str, fingerprint: str) -> str | None:
    """The result recorded for this key, None if the key is new; a key reused for a different
    request is refused."""
    idempotency_key_check(key)
    record = IdempotencyRecord.objects.filter(
        actor_id=getattr(actor, "pk", None), action=action, key=key
    ).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        message = _("This idempotency key was already used for a different request.")
        raise Conflict(
            message, code="idempotency_key_reused", fields={"idempotency_key": [message]}
        )
    return record.result


def idempotency_record(*, actor: Any, action: str, key: str, fingerprint: str, result: str) -> None:
    """Remember a write's result inside its transaction. Two concurrent first attempts collide
    on the unique constraint and the second rolls back whole, so only one write survives."""
    IdempotencyRecord.objects.create(
        actor_id=getattr(actor, "pk", None),
        action=action,
        key=key,
        fingerprint=fingerprint,
        result=result,
    )
