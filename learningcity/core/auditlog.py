"""The audit log's hash chain: how an entry is serialized and chained, how the chain is
checked, and the database guard that keeps the log append-only.

Every entry's digest is SHA-256 over the previous entry's digest and a canonical
serialization of the entry (its place in the chain, id, time, actor, action, subject, reason
and data). Changing, deleting or inserting a sealed entry behind the sealer's back breaks the
chain at that place, and `verify` names it. Entries are sealed after they commit (see
`core.services.audit_seal`), so writers never wait on the chain's head.

The guard (triggers created by migration core 0003) refuses UPDATE and DELETE of entries
except the sealer's one-time setting of `sequence` and `digest`, and refuses entries inserted
already sealed. It defends against mistakes and casual edits; someone who can drop triggers
can rewrite the table, and the chain is what shows it. An append of correctly chained
entries after the head is caught only against a head recorded elsewhere (`verify(head=...)`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction

GENESIS = "0" * 64
STREAM_CHUNK = 10_000
SQLITE_GUARD_FUNCTION = "learningcity_audit_unguarded"
POSTGRES_GUARD_SETTING = "learningcity.audit_unguarded"
# The triggers migration core 0003 creates; `guard_installed` looks for them.
GUARD_TRIGGERS = {
    "postgresql": ("core_auditentry_append_only", "core_auditentry_insert_unsealed"),
    "sqlite": (
        "core_auditentry_no_delete",
        "core_auditentry_seal_only",
        "core_auditentry_insert_unsealed",
    ),
}
# The columns an entry's digest covers, in the order `entry_digest` takes them.
CHAINED_COLUMNS = ("id", "occurred_at", "actor_id", "action", "subject", "reason", "data")

_guard = threading.local()


def canonical(
    *,
    sequence: int,
    id: int,
    occurred_at: dt.datetime,
    actor_id: int | None,
    action: str,
    subject: str,
    reason: str,
    data: Any,
) -> bytes:
    """The entry as UTF-8 JSON with sorted keys and no spaces; times in UTC to the
    microsecond. The same bytes on SQLite and PostgreSQL for the same entry."""
    when = occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps(
        [sequence, id, when, actor_id, action, subject, reason, data],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def entry_digest(previous: str, sequence: int, row: tuple[Any, ...]) -> str:
    """The digest of an entry at `sequence` whose `CHAINED_COLUMNS` are `row`, chained to
    the digest before it."""
    id_, occurred_at, actor_id, action, subject, reason, data = row
    content = canonical(
        sequence=sequence,
        id=id_,
        occurred_at=occurred_at,
        actor_id=actor_id,
        action=action,
        subject=subject,
        reason=reason,
        data=data,
    )
    return hashlib.sha256(previous.encode() + b"\n" + content).hexdigest()


@dataclass(frozen=True)
class Verdict:
    """What a check of the chain found: how many entries are sealed and how many wait; the
    head (its position and digest); and, if broken, the first position that fails and why."""

    sealed: int
    unsealed: int
    head_sequence: int
    head_digest: str
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(*, using: str = "default", head: tuple[int, str] | None = None) -> Verdict:
    """Recompute the whole chain, streaming in sequence order, and stop at the first entry
    that does not chain: a changed entry (its digest no longer matches), a deleted one (a
    gap in the sequence) or one inserted (the entry after it no longer chains). `head`, a
    (sequence, digest) recorded earlier, must still be in the chain unchanged: that catches
    entries cut off the end, or a forged tail chained correctly."""
    from learningcity.core.models import AuditEntry

    entries = AuditEntry.objects.using(using)
    unsealed = entries.filter(sequence__isnull=True).count()
    rows = (
        entries.filter(sequence__isnull=False)
        .order_by("sequence")
        .values_list("sequence", "digest", *CHAINED_COLUMNS)
    )
    previous, expected, sealed = GENESIS, 1, 0
    head_seen = head is None

    def broken(position: int, problem: str) -> Verdict:
        return Verdict(sealed, unsealed, expected - 1, previous, position, problem)

    # On PostgreSQL the rows stream through a server-side cursor inside one transaction (no
    # copy held for the session). On SQLite a transaction would take the write lock
    # (IMMEDIATE) for the whole check; a plain read streams from one snapshot anyway.
    streaming = (
        transaction.atomic(using=using)
        if connections[using].vendor == "postgresql"
        else contextlib.nullcontext()
    )
    with streaming:
        for sequence, digest, *row in rows.iterator(chunk_size=STREAM_CHUNK):
            if sequence != expected:
                return broken(expected, f"entry {expected} is missing (next is {sequence})")
            if entry_digest(previous, sequence, tuple(row)) != digest:
                return broken(sequence, f"entry {sequence} does not match its digest")
            if head is not None and sequence == head[0]:
                if digest != head[1]:
                    return broken(sequence, f"entry {sequence} is not the recorded head")
                head_seen = True
            previous, expected, sealed = digest, expected + 1, sealed + 1
    if not head_seen:
        assert head is not None
        return broken(head[0], f"entry {head[0]}, the recorded head, is gone")
    return Verdict(sealed, unsealed, sealed, previous)


def guard_installed(*, using: str = "default") -> bool:
    """Whether the append-only triggers are in place (a table rebuilt by a later SQLite
    migration loses its triggers; this notices)."""
    connection = connections[using]
    names = GUARD_TRIGGERS.get(connection.vendor)
    if names is None:
        return False
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditentry'::regclass"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'core_auditentry'"
            )
        found = {name for (name,) in cursor.fetchall()}
    return set(names) <= found


# The guard --------------------------------------------------------------------------------


def _unguarded_now() -> int:
    return 1 if getattr(_guard, "depth", 0) else 0


def register_sqlite_guard(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Give each SQLite connection the function the guard's DELETE trigger asks (connected
    to `connection_created`). A connection without it, such as the sqlite3 shell, cannot
    delete entries at all."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_GUARD_FUNCTION, 0, _unguarded_now)


@contextlib.contextmanager
def unguarded(*, using: str = "default") -> Iterator[None]:
    """Lift the append-only guard in this thread's transaction, for maintenance that
    empties the whole database (`flush`) or a test that must stage a broken log. The
    application never calls it."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [POSTGRES_GUARD_SETTING])
        _guard.depth = getattr(_guard, "depth", 0) + 1
        try:
            yield
        finally:
            _guard.depth -= 1
            if connection.vendor == "postgresql" and not connection.needs_rollback:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, '', true)", [POSTGRES_GUARD_SETTING])
