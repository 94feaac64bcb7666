"""Storing statements: one batch, one transaction, bulk inserts. Validation first (nothing is
written unless every statement of the batch is valid), then one pass that makes each row as a
tuple, then (on PostgreSQL) one INSERT ... ON CONFLICT DO NOTHING that stores the new ids and
tells which were stored before: the same statement again is a no-op, a different one under a
stored id is a 409 for the whole batch. Voiding marks its target; a completion is queued for
the credit bank and read into it by a task, off the request."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.xapi import canonical, signatures, validation
from learningcity.xapi.choices import CreditOutcome
from learningcity.xapi.errors import BadRequest, StatementConflict, StatementInvalid, XapiErrorCode
from learningcity.xapi.models import Activity, Attachment, Credential, Statement, StatementRef
from learningcity.xapi.services import grants

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
CREDIT_VERBS = frozenset({COMPLETED, PASSED})
BATCH_MAX = 1000


@dataclass(frozen=True)
class Part:
    """One attachment part of a multipart/mixed request."""

    sha2: str
    content_type: str
    content: bytes


def authority_of(credential: Credential) -> dict[str, Any]:
    provider = credential.provider
    return {
        "objectType": "Agent",
        "name": provider.name_en or provider.name_zh,
        "account": {"homePage": settings.CREDENTIALS_BASE_URL, "name": provider.code},
    }


def _attachments_check(statements: Sequence[dict[str, Any]], parts: Sequence[Part]) -> None:
    """Every attachment without a fileUrl must come as a part, matched by SHA-2, and every
    part must belong to an attachment; a signature part must be a valid JWS of its
    statement."""
    by_sha = {p.sha2: p for p in parts}
    wanted: set[str] = set()
    for i, statement in enumerate(statements):
        for j, item in enumerate(statement.get("attachments", [])):
            sha2 = item["sha2"]
            if sha2 in by_sha:
                wanted.add(sha2)
            elif "fileUrl" not in item:
                message = _("The attachment's content was not sent (no part has its sha2).")
                raise StatementInvalid(
                    message,
                    code=XapiErrorCode.ATTACHMENT,
                    fields={f"statements[{i}].attachments[{j}]": [message]},
                )
            if item["usageType"] == validation.SIGNATURE_USAGE:
                if item["contentType"] != "application/octet-stream":
                    message = _("A signature attachment has content type application/octet-stream.")
                    raise StatementInvalid(message, fields={"attachments": [message]})
                if sha2 not in by_sha:
                    message = _("The signature's content was not sent.")
                    raise StatementInvalid(message, fields={"attachments": [message]})
                signatures.verify(statement, by_sha[sha2].content)
    extra = set(by_sha) - wanted
    if extra:
        message = _("A part was sent that no statement's attachment names.")
        raise StatementInvalid(message, code=XapiErrorCode.ATTACHMENT, fields={"parts": [message]})


@dataclass(frozen=True)
class Prepared:
    """A valid statement of a batch, with its id settled and its timestamp parsed."""

    statement: dict[str, Any]
    id: str
    timestamp: dt.datetime | None


def prepare(statements: Sequence[Any], parts: Sequence[Part] = ()) -> list[Prepared]:
    """Validate a batch (pure): every statement, no id twice, the attachments' parts."""
    if not statements:
        message = _("Send at least one statement.")
        raise BadRequest(message, fields={"statements": [message]})
    if len(statements) > BATCH_MAX:
        message = _("Send at most %(n)d statements at a time.") % {"n": BATCH_MAX}
        raise BadRequest(message, fields={"statements": [message]})
    seen: set[str] = set()
    prepared: list[Prepared] = []
    for i, statement in enumerate(statements):
        try:
            timestamp = validation.statement(statement)
        except StatementInvalid as exc:
            if len(statements) > 1:
                exc.message = _("Statement %(n)d: %(problem)s") % {
                    "n": i + 1,
                    "problem": exc.message,
                }
            raise
        statement_id = str(uuid.UUID(statement["id"])) if "id" in statement else str(uuid.uuid4())
        if statement_id in seen:
            message = _("The batch holds two statements with the same id.")
            raise StatementInvalid(message, fields={"id": [message]})
        seen.add(statement_id)
        prepared.append(Prepared({**statement, "id": statement_id}, statement_id, timestamp))
    _attachments_check([p.statement for p in prepared], parts)
    return prepared


# The columns an insert writes, in the order of a row.
COLUMNS = (
    "statement_id",
    "provider_id",
    "credential_id",
    "body",
    "fingerprint",
    "verb_hash",
    "actor_hash",
    "object_hash",
    "registration",
    "stored",
    "timestamp",
    "voided",
    "voids",
    "target",
    "attachments",
    "credit_outcome",
    "credit_note",
)
STATEMENT_ID, FINGERPRINT, VOIDS, CREDIT = 0, 4, 12, 15


def _rows(
    prepared: list[Prepared], credential: Credential, now: dt.datetime
) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
    """One pass over the batch: the rows to insert (tuples in COLUMNS order) and the stored
    bodies (what the LRS answers: id, stored, authority and version set)."""
    stored = now.isoformat().replace("+00:00", "Z")
    authority = authority_of(credential)
    provider_id, credential_id = credential.provider_id, credential.pk
    rows: list[tuple[Any, ...]] = []
    bodies: list[dict[str, Any]] = []
    for item in prepared:
        statement = item.statement
        # Compared as sent: what the LRS adds (stored, authority, a missing timestamp or
        # version) is no part of a statement's identity.
        fingerprint = canonical.fingerprint(statement, item.timestamp)
        body = {**statement, "stored": stored, "authority": authority}
        body.setdefault("version", "1.0.0")
        body.setdefault("timestamp", stored)
        obj = statement["object"]
        kind = obj.get("objectType", "Activity")
        verb_id = statement["verb"]["id"]
        registration = statement.get("context", {}).get("registration")
        target = obj["id"].lower() if kind == "StatementRef" else None
        attachments = statement.get("attachments")
        rows.append(
            (
                item.id,
                provider_id,
                credential_id,
                json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                fingerprint,
                canonical.verb_hash(verb_id),
                canonical.agent_hash(statement["actor"]),
                canonical.object_hash(obj),
                registration.lower() if registration else None,
                now,
                item.timestamp or now,
                False,
                target if verb_id == validation.VOIDED else None,
                target,
                json.dumps([a["sha2"] for a in attachments]) if attachments else "[]",
                CreditOutcome.PENDING.value
                if kind == "Activity" and verb_id in CREDIT_VERBS
                else CreditOutcome.NONE.value,
                "",
            )
        )
        bodies.append(body)
    return rows, bodies


def statements_store(
    *, credential: Credential, statements: Sequence[Any], parts: Sequence[Part] = ()
) -> list[str]:
    """Store a batch (POST or PUT); returns the ids in the order sent."""
    prepared = prepare(statements, parts)
    for attempt in range(3):
        try:
            _store(credential, prepared, parts)
            return [p.id for p in prepared]
        except IntegrityError:
            # (SQLite) another request stored one of these ids between our read and our
            # insert: read again, and it is either the same statement (a no-op) or a
            # conflict. PostgreSQL settles this in the insert itself.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@transaction.atomic
def _store(credential: Credential, prepared: list[Prepared], parts: Sequence[Part]) -> None:
    rows, bodies = _rows(prepared, credential, clock.now())
    inserted = _insert(credential, rows)
    if len(inserted) < len(rows):
        # Ids stored before: the same statement again is a no-op, a different one a 409
        # (which rolls the whole batch back).
        _conflicts([r for r in rows if r[STATEMENT_ID] not in inserted])
    if not inserted:
        return
    if _doubled(inserted.values()):
        transaction.on_commit(_analyze, robust=True)  # the statements are stored: log, go on
    fresh = [
        (row, body) for row, body in zip(rows, bodies, strict=True) if row[STATEMENT_ID] in inserted
    ]
    refs = [
        StatementRef(statement_id=inserted[row[STATEMENT_ID]], kind=kind, ref_hash=ref)
        for row, body in fresh
        for kind, ref in canonical.references(body)
    ]
    if refs:
        StatementRef.objects.bulk_create(refs)
    if parts:
        Attachment.objects.bulk_create(
            [
                Attachment(sha2=p.sha2, content_type=p.content_type, content=p.content)
                for p in parts
            ],
            ignore_conflicts=True,
        )
    _definitions([body for _row, body in fresh])
    targets = [row[VOIDS] for row, _body in fresh if row[VOIDS] is not None]
    if targets:
        grants.void_check(credential=credential, targets=targets)
    provider_id = credential.provider_id
    revoking = _void(provider_id, targets) if targets else False
    if revoking or any(row[CREDIT] == CreditOutcome.PENDING for row, _body in fresh):
        transaction.on_commit(lambda: _tasks().credit_statements.enqueue(provider_id))
    # A voiding statement and its target sent at the same moment in two requests do not see
    # each other's uncommitted rows. Whichever commits second sees the first after its commit:
    # each batch looks again then (one probe of the voids index).
    voidable = [row[STATEMENT_ID] for row, _body in fresh if row[VOIDS] is None]
    transaction.on_commit(lambda: _late_voids(provider_id, voidable, targets), robust=True)


def _doubled(pks: Collection[int]) -> bool:
    """Whether the batch took the primary key past a power of two (from 1,024 on)."""
    low, high = min(pks), max(pks)
    return high >= 1024 and (low - 1).bit_length() < high.bit_length()


def _analyze() -> None:
    """Refresh the planner's statistics of the statements table each time it has doubled.
    Autovacuum looks at a table once a minute at most, and a learning record store fills
    fastest when it is new: 100,000 statements in the first minute leave the planner
    believing the table is empty, and it then answers `verb` or `since` by sorting the
    whole table where one index would read a page. Once per doubling costs a few sampled
    reads over the table's life; SKIP_LOCKED leaves it to autovacuum when that is at work."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE (SKIP_LOCKED) xapi_statement")


def _conflicts(rows: list[tuple[Any, ...]]) -> None:
    stored = dict(
        Statement.objects.filter(statement_id__in=[r[STATEMENT_ID] for r in rows]).values_list(
            "statement_id", "fingerprint"
        )
    )
    for row in rows:
        if stored.get(uuid.UUID(row[STATEMENT_ID])) != row[FINGERPRINT]:
            message = _("A different statement with the id %(id)s is stored already.") % {
                "id": row[STATEMENT_ID]
            }
            raise StatementConflict(message, fields={"id": [message]})


# One statement: the rows go in as arrays, a row whose id is stored already is skipped (and
# reported by its absence from RETURNING), and a statement that a voiding statement stored
# earlier names is stored voided (a voiding statement itself cannot be voided).
INSERT_SQL = """
INSERT INTO xapi_statement (statement_id, provider_id, credential_id, body, fingerprint,
    verb_hash, actor_hash, object_hash, registration, stored, timestamp, voided, voids, target,
    attachments, credit_outcome, credit_note)
SELECT u.statement_id, %(provider)s, %(credential)s, u.body, u.fingerprint, u.verb_hash,
    u.actor_hash, u.object_hash, u.registration, %(stored)s, u.timestamp, e.voided, u.voids,
    u.target, u.attachments::jsonb,
    CASE WHEN e.voided THEN '' ELSE u.credit_outcome END, ''
FROM unnest(%(ids)b::uuid[], %(bodies)b::text[], %(fingerprints)b::text[],
        %(verbs)b::text[], %(actors)b::text[], %(objects)b::text[], %(registrations)b::uuid[],
        %(timestamps)b::timestamptz[], %(voids)b::uuid[], %(targets)b::uuid[],
        %(attachments)b::text[], %(credits)b::text[])
    AS u(statement_id, body, fingerprint, verb_hash, actor_hash, object_hash, registration,
         timestamp, voids, target, attachments, credit_outcome)
CROSS JOIN LATERAL (
    SELECT u.voids IS NULL AND EXISTS (
        SELECT 1 FROM xapi_statement v
        WHERE v.voids = u.statement_id AND v.provider_id = %(provider)s
    ) AS voided
) e
ON CONFLICT (statement_id) DO NOTHING
RETURNING statement_id, id
"""


def _insert(credential: Credential, rows: list[tuple[Any, ...]]) -> dict[str, int]:
    """Insert the rows whose ids are new; returns their primary keys by statement id. On
    PostgreSQL one statement; elsewhere a read of the stored ids, then one bulk insert."""
    if connection.vendor == "postgresql":
        # In id order, so that two batches sharing ids wait for each other, never deadlock.
        columns = list(zip(*sorted(rows), strict=True))
        connection.ensure_connection()
        # Parameters bound on the server, in binary: arrays of a hundred bodies go as they
        # are, where the client-side quoting of Django's cursor escaped each one in Python.
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(
                INSERT_SQL,
                {
                    "provider": credential.provider_id,
                    "credential": credential.pk,
                    "stored": rows[0][9],
                    "ids": list(columns[0]),
                    "bodies": list(columns[3]),
                    "fingerprints": list(columns[4]),
                    "verbs": list(columns[5]),
                    "actors": list(columns[6]),
                    "objects": list(columns[7]),
                    "registrations": list(columns[8]),
                    "timestamps": list(columns[10]),
                    "voids": list(columns[12]),
                    "targets": list(columns[13]),
                    "attachments": list(columns[14]),
                    "credits": list(columns[15]),
                },
                binary=True,
            )
            return {str(statement_id): pk for statement_id, pk in cursor.fetchall()}
    ids = [uuid.UUID(r[STATEMENT_ID]) for r in rows]
    taken = set(
        Statement.objects.filter(statement_id__in=ids).values_list("statement_id", flat=True)
    )
    voided_early = set(
        Statement.objects.filter(provider_id=credential.provider_id, voids__in=ids).values_list(
            "voids", flat=True
        )
    )
    fresh = []
    for row, statement_id in zip(rows, ids, strict=True):
        if statement_id in taken:
            continue
        values = dict(zip(COLUMNS, row, strict=True))
        values["attachments"] = json.loads(values["attachments"])
        if statement_id in voided_early and values["voids"] is None:
            values["voided"] = True
            values["credit_outcome"] = CreditOutcome.NONE
        fresh.append(Statement(**values))
    created = Statement.objects.bulk_create(fresh)
    if created and created[0].pk is None:  # pragma: no cover - every backend we run returns ids
        raise AssertionError("bulk_create returned no primary keys")
    return {str(s.statement_id): s.pk for s in created}


def _void(provider_id: int, targets: Collection[Any]) -> bool:
    """Void the provider's own statements named (a voiding statement cannot be voided), and
    say whether any of them had made a credit-bank record, which now waits to be revoked.
    Voiding a statement voided already changes nothing."""
    mine = Statement.objects.filter(
        provider_id=provider_id, statement_id__in=list(targets), voids__isnull=True
    )
    revoking = mine.filter(credit_outcome=CreditOutcome.CREATED).update(
        voided=True, credit_outcome=CreditOutcome.VOID_PENDING
    )
    mine.filter(credit_outcome=CreditOutcome.PENDING).update(
        voided=True, credit_outcome=CreditOutcome.NONE
    )
    mine.filter(voided=False).update(voided=True)
    return revoking > 0


def _late_voids(provider_id: int, stored: list[str], targets: list[Any]) -> None:
    """After a batch's commit: void what a voiding statement committed meanwhile names among
    the batch's statements, and the batch's own targets that arrived meanwhile."""
    with transaction.atomic():
        named = set(targets)
        if stored:
            named.update(
                Statement.objects.filter(provider_id=provider_id, voids__in=stored).values_list(
                    "voids", flat=True
                )
            )
        if named and _void(provider_id, named):
            transaction.on_commit(lambda: _tasks().credit_statements.enqueue(provider_id))


def _definitions(statements: list[dict[str, Any]]) -> None:
    """Keep each activity's canonical definition: the last one its provider sent."""
    latest: dict[str, Activity] = {}
    for statement in statements:
        obj = statement["object"]
        if obj.get("objectType", "Activity") == "Activity" and obj.get("definition"):
            key = canonical.activity_hash(obj["id"])
            latest[key] = Activity(
                activity_hash=key, activity_id=obj["id"], definition=obj["definition"]
            )
    if latest:
        Activity.objects.bulk_create(
            [latest[k] for k in sorted(latest)],
            update_conflicts=True,
            unique_fields=["activity_hash"],
            update_fields=["definition", "activity_id"],
        )


def _tasks() -> Any:
    from learningcity.xapi import tasks  # the task calls the credit services

    return tasks
