"""The bulk path under `records_import_file`: learners resolved and accounts opened in
bulk, the standards and the caps' usage kept in memory, and each chunk written in one
transaction — records by COPY on PostgreSQL or executemany on SQLite, with their postings."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.bulk import inserting
from learningcity.core.errors import ValidationFailed
from learningcity.core.services import audit_record
from learningcity.creditbank.choices import AccountStatus, PostingKind, RecordStatus
from learningcity.creditbank.data import Outcome, RecordRow, RowResult, Rules
from learningcity.creditbank.data import Usage as UsageTotals
from learningcity.creditbank.models import (
    Account,
    LearningRecord,
    Posting,
    StandardVersion,
    account_number_for,
)
from learningcity.creditbank.services.recognition import (
    NO_STANDARD,
    ZERO,
    _add_years,
    evaluate,
    rules_of,
    term_of,
)
from learningcity.learners.models import Learner
from learningcity.learners.services import id_number_index, parse_id_number
from learningcity.network.choices import KIND_SYSTEM
from learningcity.network.models import Organization

CHUNK_RETRIES = 3  # a chunk that lost a race to a concurrent import is read again
SQLITE_BATCH = 5000  # values per IN (...) list on SQLite
SQLITE_CACHE_KIB = 256 * 1024
TENTH = Decimal("0.1")
OPEN = AccountStatus.OPEN.value

# The columns written, in order (a test holds them equal to the models' fields).
RECORD_COLUMNS = (
    "id",
    "public_id",
    "created_at",
    "updated_at",
    "account_id",
    "provider_id",
    "category",
    "title",
    "course_code",
    "certificate_code",
    "passed",
    "score",
    "grade",
    "hours",
    "attendance_rate",
    "certificate_number",
    "evidence",
    "statement_id",
    "completed_on",
    "status",
    "channel",
    "external_id",
    "source",
    "submitted_by_id",
    "decided_by_id",
    "decided_at",
    "decision_reason",
    "credits",
    "recognition_note",
)
POSTING_COLUMNS = (
    "account_id",
    "record_id",
    "kind",
    "category",
    "level",
    "credits",
    "standard_version_id",
    "institution_id",
    "year",
    "term",
    "valid_until",
    "reverses_id",
    "actor_id",
    "reason",
    "idempotency_key",
    "created_at",
)


def audit_chunk(
    *,
    actor: Any,
    provider: Organization,
    channel: str,
    created: int,
    existing: int,
    errors: int,
    verified: bool,
    credits: Decimal,
) -> None:
    """The one audit row of an imported chunk (row by row or set-based)."""
    audit_record(
        actor=actor,
        action="creditbank.records_import",
        subject=f"network.organization:{provider.code}",
        data={
            "channel": channel,
            "created": created,
            "existing": existing,
            "errors": errors,
            "verified": verified,
            "credits": str(credits),
        },
    )


# Learners and accounts ----------------------------------------------------------------------


class Resolver:
    """Account ids for rows, with what this import has already looked up: an account number
    or an ID number is resolved once per import, missing accounts are opened in bulk."""

    def __init__(self) -> None:
        self.by_number: dict[str, int | None] = {}
        self.by_id_number: dict[str, int | str] = {}  # learner id, or why there is none
        self.by_learner: dict[int, int] = {}

    def resolve(
        self, rows: list[tuple[int, RecordRow]]
    ) -> tuple[list[tuple[int, RecordRow, int]], list[RowResult]]:
        self._numbers({r.account_number for _, r in rows if r.account_number})
        self._id_numbers({r.id_number for _, r in rows if r.id_number and not r.account_number})
        learners: set[int] = set()
        for _line, row in rows:
            if not row.account_number:
                found = self.by_id_number[row.id_number]
                if isinstance(found, int):
                    learners.add(found)
        self._accounts(learners)
        placed: list[tuple[int, RecordRow, int]] = []
        refused: list[RowResult] = []
        for line, row in rows:
            if row.account_number:
                account_id = self.by_number[row.account_number]
                problem = "" if account_id else _("No account has this number.")
                name = "account_number"
            else:
                found = self.by_id_number[row.id_number]
                account_id = self.by_learner[found] if isinstance(found, int) else None
                problem = found if isinstance(found, str) else ""
                name = "id_number"
            if account_id is None:
                refused.append(
                    RowResult(
                        line=line,
                        external_id=row.external_id,
                        outcome="error",
                        errors={name: [problem]},
                    )
                )
            else:
                placed.append((line, row, account_id))
        return placed, refused

    def accounts_by_id_number(self, raws: set[str]) -> dict[str, int | str]:
        """For each ID number as written: the account of its resident (opened if this is
        their first record), or why there is none."""
        self._id_numbers(raws)
        found = {raw: self.by_id_number[raw] for raw in raws}
        self._accounts({v for v in found.values() if isinstance(v, int)})
        return {raw: self.by_learner[v] if isinstance(v, int) else v for raw, v in found.items()}

    def _numbers(self, numbers: set[str]) -> None:
        new = numbers - self.by_number.keys()
        if not new:
            return
        found = dict(
            _select(f"SELECT number, id FROM {Account._meta.db_table} WHERE {{in}}", "number", new)  # noqa: S608
        )
        for number in new:
            self.by_number[number] = found.get(number)

    def _id_numbers(self, raws: set[str]) -> None:
        indexes: dict[str, list[str]] = {}
        for raw in raws - self.by_id_number.keys():
            try:
                value = parse_id_number(raw).value
            except ValidationFailed as exc:
                self.by_id_number[raw] = exc.message
                continue
            indexes.setdefault(id_number_index(value), []).append(raw)
        if not indexes:
            return
        found = dict(
            _select(
                f"SELECT id_number_index, id FROM {Learner._meta.db_table} WHERE {{in}}",  # noqa: S608
                "id_number_index",
                indexes,
            )
        )
        for index, same in indexes.items():
            for raw in same:
                self.by_id_number[raw] = found.get(index) or _("No resident has this ID number.")

    def _accounts(self, learners: set[int]) -> None:
        """Accounts of these learners, opened if this is their first record (the
        one-account-per-learner constraint settles a race with another import)."""
        new = learners - self.by_learner.keys()
        if not new:
            return
        have = dict(self._accounts_of(new))
        missing = new - have.keys()
        if missing:
            # Plain rows, not model instances: a bulk load opens tens of thousands at once.
            now = connection.ops.adapt_datetimefield_value(clock.now())
            ordered = sorted(missing)
            insert = (
                f"INSERT INTO {Account._meta.db_table} (public_id, created_at, updated_at, "
                "learner_id, number, status) "
            )
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(
                        insert + "SELECT gen_random_uuid(), %s, %s, learner, number, %s "
                        "FROM unnest(%s::bigint[], %s::text[]) AS t(learner, number) "
                        "ON CONFLICT DO NOTHING",
                        [now, now, OPEN, ordered, [account_number_for(i) for i in ordered]],
                    )
                else:
                    cursor.executemany(
                        insert + "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                        [(uuid.uuid4().hex, now, now, i, account_number_for(i), OPEN)
                         for i in ordered],
                    )  # fmt: skip
            have.update(self._accounts_of(missing))
        self.by_learner.update(have)

    @staticmethod
    def _accounts_of(learners: set[int]) -> list[tuple[Any, ...]]:
        table = Account._meta.db_table
        return _select(f"SELECT learner_id, id FROM {table} WHERE {{in}}", "learner_id", learners)  # noqa: S608


# Recognition --------------------------------------------------------------------------------


class _Standards:
    """Every active standard version, loaded once; which one applies to a row is what
    `standard_for` would answer, worked out in memory and remembered per
    (category, certificate type, date)."""

    def __init__(self, provider: Organization) -> None:
        system = KIND_SYSTEM.get(provider.kind, "")
        self.by_category: dict[str, list[StandardVersion]] = {}
        versions = (
            StandardVersion.objects.filter(standard__is_active=True)
            .select_related("standard")
            .order_by("standard_id", "-version")
        )
        for version in versions:
            if version.match_provider_system in ("", system):
                self.by_category.setdefault(version.match_category, []).append(version)
        self.rules: dict[int, Rules] = {}
        self.labels: dict[int, str] = {}
        for same in self.by_category.values():
            for version in same:
                self.rules[version.pk] = rules_of(version)
                self.labels[version.pk] = f"{version.standard.code} v{version.version}"
        self.counted = {
            v.standard_id
            for same in self.by_category.values()
            for v in same
            if v.cap_certificates is not None
        }
        self.chosen: dict[tuple[str, str, dt.date], StandardVersion | None] = {}

    def version_for(self, row: RecordRow) -> StandardVersion | None:
        key = (row.category, row.certificate_code, row.completed_on)
        if key not in self.chosen:
            latest: dict[int, StandardVersion] = {}
            for version in self.by_category.get(row.category, ()):
                if version.effective_from > row.completed_on:
                    continue
                if version.match_certificate_code not in ("", row.certificate_code):
                    continue
                latest.setdefault(version.standard_id, version)
            self.chosen[key] = max(
                latest.values(),
                key=lambda v: (
                    1 if v.match_certificate_code else 0,
                    1 if v.match_provider_system else 0,
                    v.standard.code,
                ),
                default=None,
            )
        return self.chosen[key]


class _Window:
    """Credits counted for one account in one credit category: by year, by term, and at
    the importing provider."""

    __slots__ = ("institution", "terms", "years")

    def __init__(self) -> None:
        self.years: dict[int, Decimal] = {}
        self.terms: dict[str, Decimal] = {}
        self.institution = ZERO


class _Ledger:
    """What the caps have counted for the import's accounts, kept across chunks.

    An account's sums are read from the ledger the first time a chunk holds it, then kept up
    to date with what the import grants. The ledger is append-only, so an account's count of
    postings tells whether anything else posted to it since: each chunk, after locking its
    accounts, counts their postings in one query and reads again only the accounts whose
    count is not the one expected."""

    def __init__(self, *, institution_id: int, counted: set[int]) -> None:
        self.institution_id = institution_id
        self.counted = counted
        self.windows: dict[int, dict[str, _Window]] = {}
        self.certificates: dict[int, dict[int, int]] = {}
        self.postings: dict[int, int] = {}

    def forget(self) -> None:
        """After a rolled-back chunk, nothing kept can be trusted."""
        self.windows.clear()
        self.certificates.clear()
        self.postings.clear()

    def refresh(self, account_ids: list[int]) -> None:
        table = Posting._meta.db_table
        counts = dict(
            _select(
                f"SELECT account_id, COUNT(*) FROM {table} WHERE {{in}} GROUP BY account_id",  # noqa: S608
                "account_id",
                account_ids,
            )
        )
        stale = [a for a in account_ids if self.postings.get(a) != counts.get(a, 0)]
        for account_id in stale:
            self.windows[account_id] = {}
            self.certificates[account_id] = {}
            self.postings[account_id] = counts.get(account_id, 0)
        stale = [a for a in stale if self.postings[a]]
        if stale:
            self._load(stale)

    def _load(self, account_ids: list[int]) -> None:
        posting = Posting._meta.db_table
        # Tenths of a credit as integers: exact on SQLite too, whose SUM of decimals is a float.
        tenths = (
            "SUM(CAST(credits * 10 AS BIGINT))"
            if connection.vendor == "postgresql"
            else "SUM(CAST(ROUND(credits * 10) AS INTEGER))"
        )
        sums = _select(
            f"SELECT account_id, category, year, term, institution_id, {tenths} "  # noqa: S608
            f"FROM {posting} WHERE {{in}} GROUP BY account_id, category, year, term, "
            "institution_id",
            "account_id",
            account_ids,
        )
        for account_id, category, year, term, institution, total in sums:
            credits = Decimal(total).scaleb(-1)
            window = self._window(account_id, category)
            window.years[year] = window.years.get(year, ZERO) + credits
            window.terms[term] = window.terms.get(term, ZERO) + credits
            if institution == self.institution_id:
                window.institution += credits
        if self.counted:
            version = StandardVersion._meta.db_table
            kinds = (PostingKind.RECOGNITION.value, PostingKind.TRANSFER_IN.value)
            rows = _select(
                f"SELECT p.account_id, v.standard_id, COUNT(DISTINCT p.record_id) "  # noqa: S608
                f"FROM {posting} p JOIN {version} v ON v.id = p.standard_version_id "
                f"WHERE {{in}} AND p.kind IN (%s, %s) AND p.record_id IS NOT NULL "
                f"AND v.standard_id IN ({', '.join(['%s'] * len(self.counted))}) "
                f"AND NOT EXISTS (SELECT 1 FROM {posting} r WHERE r.reverses_id = p.id) "
                "GROUP BY p.account_id, v.standard_id",
                "p.account_id",
                account_ids,
                [*kinds, *sorted(self.counted)],
            )
            for account_id, standard_id, n in rows:
                self.certificates[account_id][standard_id] = n

    def _window(self, account_id: int, category: str) -> _Window:
        windows = self.windows[account_id]
        window = windows.get(category)
        if window is None:
            window = windows[category] = _Window()
        return window

    def of(self, account_id: int, version: StandardVersion, year: int, term: str) -> UsageTotals:
        window = self.windows[account_id].get(version.credit_category)
        certificates = self.certificates[account_id].get(version.standard_id, 0)
        if window is None:
            return UsageTotals(certificates=certificates)
        return UsageTotals(
            year=window.years.get(year, ZERO),
            term=window.terms.get(term, ZERO),
            institution=window.institution,
            certificates=certificates,
        )

    def grant(
        self, account_id: int, version: StandardVersion, year: int, term: str, credits: Decimal
    ) -> None:
        """Count a posting the chunk is about to insert."""
        window = self._window(account_id, version.credit_category)
        window.years[year] = window.years.get(year, ZERO) + credits
        window.terms[term] = window.terms.get(term, ZERO) + credits
        window.institution += credits
        certificates = self.certificates[account_id]
        certificates[version.standard_id] = certificates.get(version.standard_id, 0) + 1
        self.postings[account_id] += 1


def _select(
    sql: str,
    column: str,
    values: Iterable[Any],
    params: Iterable[Any] = (),
    *,
    values_last: bool = False,
) -> list[tuple[Any, ...]]:
    """Run `sql` with `{in}` standing for "`column` is one of `values`": one array parameter
    on PostgreSQL, batches of placeholders on SQLite. `params` fill the other placeholders,
    which come after `{in}` unless `values_last`."""
    values, params = list(values), list(params)
    if not values:
        return []

    def ordered(part: list[Any]) -> list[Any]:
        return [*params, *part] if values_last else [*part, *params]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql.replace("{in}", f"{column} = ANY(%s)"), ordered([values]))
            return list(cursor.fetchall())
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(values), SQLITE_BATCH):
            part = values[start : start + SQLITE_BATCH]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(sql.replace("{in}", f"{column} IN ({marks})"), ordered(part))
            found.extend(cursor.fetchall())
        return found


# Writing ------------------------------------------------------------------------------------


class ChunkWriter:
    """Writes a chunk's rows in one transaction: locks their accounts (when verifying), skips
    rows already stored, prices the rest, inserts records and postings in bulk, audits."""

    def __init__(
        self, *, actor: Any, provider: Organization, verify: bool, channel: str, report: bool
    ) -> None:
        self.report = report  # whether created rows are reported one by one
        self.actor_id: int | None = getattr(actor, "pk", None)
        self.actor = actor
        self.provider = provider
        self.verify = verify
        self.channel = str(channel)
        self.standards = _Standards(provider) if verify else None
        self.ledger = (
            _Ledger(institution_id=provider.pk, counted=self.standards.counted)
            if self.standards
            else None
        )
        self.postgres = connection.vendor == "postgresql"
        self.native_uuid = connection.features.has_native_uuid_field
        self.status = str(RecordStatus.VERIFIED if verify else RecordStatus.SUBMITTED)
        # The importer's own learner record, whose rows a verifying import leaves to a colleague.
        self.own_learner_id: int | None = (
            Learner.objects.filter(user_id=self.actor_id).values_list("pk", flat=True).first()
            if verify and self.actor_id is not None
            else None
        )
        self.recognition = PostingKind.RECOGNITION.value
        if not self.postgres:
            # Index pages of a large ledger stay in memory for the connection's bulk writes.
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")

    def own_accounts(self) -> set[int]:
        """The importer's own accounts (opened by this import too, or merged): none unless
        verifying."""
        if self.own_learner_id is None:
            return set()
        return set(
            Account.objects.filter(learner_id=self.own_learner_id).values_list("pk", flat=True)
        )

    def write(
        self, rows: list[tuple[int, RecordRow, int]], *, refused: int
    ) -> tuple[int, int, Decimal, list[RowResult]]:
        if not rows:
            return 0, 0, ZERO, []
        for attempt in range(CHUNK_RETRIES):
            try:
                with transaction.atomic():
                    return self._write(rows, refused=refused)
            except IntegrityError:
                # A concurrent import stored some of these rows after they were looked up;
                # the next attempt sees them as existing.
                if self.ledger:
                    self.ledger.forget()
                if attempt == CHUNK_RETRIES - 1:
                    raise
            except BaseException:
                if self.ledger:
                    self.ledger.forget()
                raise
        raise AssertionError  # unreachable

    def _write(
        self, rows: list[tuple[int, RecordRow, int]], *, refused: int
    ) -> tuple[int, int, Decimal, list[RowResult]]:
        holder = self._open_accounts({account_id for _, _, account_id in rows})
        known = dict(
            _select(
                f"SELECT external_id, public_id FROM {LearningRecord._meta.db_table} "  # noqa: S608
                "WHERE provider_id = %s AND {in}",
                "external_id",
                [r.external_id for _, r, _ in rows],
                [self.provider.pk],
                values_last=True,
            )
        )
        results = [
            RowResult(line=line, external_id=row.external_id, outcome="existing",
                      record_id=str(uuid.UUID(str(known[row.external_id]))))
            for line, row, _ in rows
            if row.external_id in known
        ]  # fmt: skip
        fresh = [(line, row, holder[a]) for line, row, a in rows if row.external_id not in known]
        if not fresh:
            return 0, len(results), ZERO, results
        now = connection.ops.adapt_datetimefield_value(clock.now())
        ids = self._reserve_ids(len(fresh))
        randomness = os.urandom(16 * len(fresh))
        usage = self.ledger
        if usage is not None:
            usage.refresh(sorted({a for _, _, a in fresh}))
        postings: list[tuple[Any, ...]] = []
        granted = ZERO
        decided_by = self.actor_id if self.verify else None
        decided_at = now if self.verify else None
        provider_id, channel, status, actor_id = (
            self.provider.pk, self.channel, self.status, self.actor_id
        )  # fmt: skip
        with inserting(LearningRecord._meta.db_table, RECORD_COLUMNS) as insert:
            for n, (line, row, account_id) in enumerate(fresh):
                public_id = uuid.UUID(bytes=randomness[16 * n : 16 * n + 16], version=4)
                credits, note = ZERO, ""
                if usage is not None:
                    credits, note, posting = self._recognise(row, account_id, usage)
                    if posting is not None:
                        postings.append(
                            (account_id, ids[n], *posting, actor_id, "recognition",
                             f"recognition:{public_id}", now)
                        )  # fmt: skip
                        granted += credits
                insert(
                    (ids[n], public_id if self.native_uuid else public_id.hex, now, now,
                     account_id, provider_id, row.category, row.title, row.course_code,
                     row.certificate_code, row.passed, row.score, row.grade, row.hours,
                     row.attendance_rate, row.certificate_number, "", None, row.completed_on,
                     status, channel, row.external_id, "", actor_id, decided_by, decided_at,
                     "", credits, note)
                )  # fmt: skip
                if self.report:
                    results.append(
                        RowResult(line=line, external_id=row.external_id, outcome="created",
                                  record_id=str(public_id))
                    )  # fmt: skip
        if postings:
            with inserting(Posting._meta.db_table, POSTING_COLUMNS) as insert:
                for posting in postings:
                    insert(posting)
        granted = granted.quantize(TENTH)
        audit_chunk(
            actor=self.actor,
            provider=self.provider,
            channel=self.channel,
            created=len(fresh),
            existing=len(rows) - len(fresh),
            errors=refused,
            verified=self.verify,
            credits=granted,
        )
        return len(fresh), len(rows) - len(fresh), granted, results

    def _recognise(
        self, row: RecordRow, account_id: int, usage: _Ledger
    ) -> tuple[Decimal, str, tuple[Any, ...] | None]:
        """As `recognise` does for one record: credits, the note, and the posting's
        kind, category, level, credits, version, institution, year, term, expiry, reversal."""
        assert self.standards is not None
        version = self.standards.version_for(row)
        if version is None:
            return ZERO, NO_STANDARD, None
        day = row.completed_on
        year, term = day.year, term_of(day)
        decision = evaluate(
            self.standards.rules[version.pk],
            Outcome(
                passed=row.passed,
                score=row.score,
                hours=row.hours,
                attendance_rate=row.attendance_rate,
            ),
            usage.of(account_id, version, year, term),
        )
        note = ",".join((self.standards.labels[version.pk], *decision.reasons))
        if decision.credits <= 0:
            return decision.credits, note, None
        usage.grant(account_id, version, year, term, decision.credits)
        valid_until = _add_years(day, version.validity_years) if version.validity_years else None
        posting = (self.recognition, version.credit_category, version.level, decision.credits,
                   version.pk, self.provider.pk, year, term, valid_until, None)  # fmt: skip
        return decision.credits, note, posting

    def _open_accounts(self, account_ids: set[int]) -> dict[int, int]:
        """Each account's holder now; when verifying, the holders' rows are locked in
        primary-key order, so caps hold while anything else posts to them."""
        return holders(account_ids, lock=self.verify and self.postgres)

    def _reserve_ids(self, n: int) -> list[int]:
        """Primary keys for the chunk's records, known before they are inserted so that
        their postings can name them."""
        table = LearningRecord._meta.db_table
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, n],
                )
                return [i for (i,) in cursor.fetchall()]
            # SQLite: the transaction holds the write lock (IMMEDIATE), so no one else
            # inserts until it commits.
            cursor.execute(
                f"SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM {table} UNION ALL "  # noqa: S608
                "SELECT seq FROM sqlite_sequence WHERE name = %s)",
                [table],
            )
            start = (cursor.fetchone()[0] or 0) + 1
            return list(range(start, start + n))


def holders(account_ids: set[int], *, lock: bool = False) -> dict[int, int]:
    """Each account's holder now: itself, or the account it was merged into (through a chain
    of merges). With `lock`, the rows read are locked in primary-key order (PostgreSQL)."""
    holder = {a: a for a in account_ids}
    pending = sorted(account_ids)
    suffix = " ORDER BY id FOR UPDATE" if lock else ""
    merged_status = AccountStatus.MERGED.value
    for _hop in range(10):
        found = _select(
            f"SELECT id, status, merged_into_id FROM {Account._meta.db_table} "  # noqa: S608
            f"WHERE {{in}}{suffix}",
            "id",
            pending,
        )
        merged = {
            pk: target
            for pk, status, target in found
            if status == merged_status and target is not None
        }
        if not merged:
            break
        for account_id, current in holder.items():
            if current in merged:
                holder[account_id] = merged[current]
        pending = sorted(set(merged.values()))
    return holder
