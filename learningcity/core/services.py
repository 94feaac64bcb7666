from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from typing import Any

from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.core import auditlog
from learningcity.core.errors import Conflict, ValidationFailed
from learningcity.core.models import AuditEntry, IdempotencyRecord

SEAL_BATCH = 5000  # entries sealed per transaction
SEAL_DELAY = 1.0  # seconds a queued seal waits, gathering the entries of other commits
# An arbitrary 64-bit key: the advisory lock that lets one sealer at a time extend the chain.
SEAL_LOCK = 0x6C63_6175_6469_7431


def audit_record(
    *, actor: Any, action: str, subject: str, reason: str = "", data: dict[str, Any] | None = None
) -> AuditEntry:
    """Write one audit row inside the caller's transaction, so it commits or rolls back with it.

    The row is inserted unsealed (no lock on the chain's head, so hot transactions never
    queue behind one another); once the transaction commits, a background task seals it.
    `data` must never carry personal secrets (ID numbers); callers pass field names, not values.
    """
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    entry = AuditEntry.objects.create(
        actor_id=actor_id, action=action, subject=subject, reason=reason, data=data or {}
    )
    _seal_on_commit()
    return entry


_seal_queued_until = 0.0  # monotonic time by which this process's last queued seal will run


def _seal_on_commit() -> None:
    """Queue one seal after the current transaction commits (once per transaction, however
    many entries it writes)."""
    connection = transaction.get_connection()
    if any(callback is _queue_seal for _ids, callback, _robust in connection.run_on_commit):
        return
    # Robust: the write has committed; if queueing fails, the next seal or verify seals it.
    transaction.on_commit(_queue_seal, robust=True)


def _queue_seal() -> None:
    """A seal queued by this process that has not started yet will seal this commit's
    entries too (it runs SEAL_DELAY after it was queued); otherwise queue one. Many commits
    a second share one task instead of queueing a task each."""
    global _seal_queued_until
    now = time.monotonic()
    if now < _seal_queued_until - SEAL_DELAY / 2:
        return
    from learningcity.core.tasks import seal_audit_log

    _seal_queued_until = now + SEAL_DELAY
    seal_audit_log.using(run_after=timezone.now() + dt.timedelta(seconds=SEAL_DELAY)).enqueue()


def audit_seal(*, using: str = "default", batch: int = SEAL_BATCH) -> int:
    """Seal every committed entry still unsealed, in id order, SEAL_BATCH per transaction:
    each gets the next place in the chain and its digest. One sealer runs at a time (an
    advisory lock on PostgreSQL; SQLite's write lock, taken at BEGIN, on SQLite); an entry
    committed late by a long transaction is simply sealed later. Returns how many it sealed."""
    connection = connections[using]
    sealed = after = 0
    while True:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])
            entries = AuditEntry.objects.using(using)
            head = (
                entries.filter(sequence__isnull=False)
                .order_by("-sequence")
                .values_list("sequence", "digest")
                .first()
            )
            sequence, previous = (head[0] or 0, head[1]) if head else (0, auditlog.GENESIS)
            pending = list(
                entries.filter(sequence__isnull=True, id__gt=after)
                .order_by("id")
                .values_list(*auditlog.CHAINED_COLUMNS)[:batch]
            )
            seals = []
            for row in pending:
                sequence += 1
                previous = auditlog.entry_digest(previous, sequence, row)
                seals.append((sequence, previous, row[0]))
            table = AuditEntry._meta.db_table
            if seals and connection.vendor == "postgresql":
                # One statement for the batch, not one per entry.
                sequences, digests, ids = (list(column) for column in zip(*seals, strict=True))
                cursor.execute(
                    f"UPDATE {table} AS e SET sequence = s.sequence, digest = s.digest "  # noqa: S608
                    "FROM unnest(%s::bigint[], %s::text[], %s::bigint[]) "
                    "AS s(sequence, digest, id) WHERE e.id = s.id AND e.sequence IS NULL",
                    [sequences, digests, ids],
                )
            elif seals:
                cursor.executemany(
                    f"UPDATE {table} SET sequence = %s, digest = %s "  # noqa: S608
                    "WHERE id = %s AND sequence IS NULL",
                    seals,
                )
            if seals and cursor.rowcount != len(seals):
                # Only possible if the lock failed to keep sealers apart: seal nothing.
                raise RuntimeError("audit entries changed while being sealed")
        sealed += len(pending)
        if len(pending) == batch:
            # On from the last id sealed, not from the start: the index of unsealed entries
            # still holds the ones just sealed until it is vacuumed.
            after = pending[-1][0]
        elif after:
            after = 0  # one last pass from the start, for entries committed late
        else:
            return sealed


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
