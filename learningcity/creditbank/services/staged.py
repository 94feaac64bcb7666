"""The plain import (records submitted, not verified) as a few set-based statements a chunk.

A chunk's rows are streamed into a temporary staging table exactly as the file holds them
(COPY on PostgreSQL, one executemany on SQLite: what a bare bulk load costs), then checked,
resolved and written by SQL:

1. every field is checked and converted by an SQL expression that accepts only what the
   Python parser (`imports._Parser`) would accept unchanged — a trimmed, plain spelling;
   any other row (a date written 2026/03/15, a number with a plus sign, a row with too many
   cells, a real mistake) is read back and parsed by that parser, which either corrects its
   values or reports it with the parser's own messages;
2. an id seen earlier in the file (in this chunk or an earlier one) is refused as twice;
3. ID numbers are looked up through the blind index once per distinct number, and accounts
   opened in bulk, by `bulk.Resolver`, into a temporary mapping; account numbers by a join;
4. in one transaction per chunk: merged accounts are followed to the account kept, the rows
   inserted by one INSERT ... SELECT ... ON CONFLICT (provider, external id) DO NOTHING —
   the rows the unique constraint turns away, stored before or by a concurrent import, are
   the existing ones — and one audit row written if anything was created. The constraints
   (foreign keys, checks) hold as for any insert.

The outcome of every row, the summary, the audit rows and the records are those of the row by
row path (`bulk.ChunkWriter` without `verify`); a test imports the same files both ways."""

from __future__ import annotations

import datetime as dt
import itertools
import sys
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.creditbank.choices import AccountStatus, RecordStatus
from learningcity.creditbank.data import RECORD_FILE_COLUMNS as COLUMNS
from learningcity.creditbank.data import RowResult
from learningcity.creditbank.models import Account, LearningRecord
from learningcity.creditbank.services.bulk import (
    CHUNK_RETRIES,
    SQLITE_CACHE_KIB,
    Resolver,
    audit_chunk,
    holders,
)
from learningcity.network.models import Organization

# What str.strip() strips: the parser strips every cell so.
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
STAGE = "creditbank_import_stage"
ROWS = "creditbank_import_rows"
SEEN = "creditbank_import_seen"
IDS = "creditbank_import_ids"
PLACE = "creditbank_import_place"

# The states of a staged row.
UNCHECKED, CLEAN, DOUBLE = 0, 1, 2


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class StagedImport:
    """One file's plain import: temporary tables made on entry, dropped on exit."""

    def __init__(
        self,
        *,
        actor: Any,
        provider: Organization,
        channel: str,
        parser: Any,
        width: int,
        report: bool,
    ) -> None:
        self.actor = actor
        self.actor_id: int | None = getattr(actor, "pk", None)
        self.provider = provider
        self.channel = str(channel)
        self.parser = parser
        self.width = width
        self.report = report
        self.postgres = connection.vendor == "postgresql"
        self.resolver = Resolver()
        self.records = LearningRecord._meta.db_table
        self.accounts = Account._meta.db_table

    # Tables ---------------------------------------------------------------------------------

    def __enter__(self) -> StagedImport:
        self._drop()
        cells = ", ".join(f"c{i} text" for i in range(self.width))
        boolean = "boolean" if self.postgres else "integer"
        keyed = "" if self.postgres else " WITHOUT ROWID"  # SQLite: one tree, not two
        with connection.cursor() as cursor:
            for sql in (
                f"CREATE TEMP TABLE {STAGE} (line integer, {cells})",
                f"CREATE TEMP TABLE {ROWS} (line integer PRIMARY KEY, state integer, "
                "external_id text, account_number text, id_number text, category text, "
                f"title text, completed_on text, course_code text, certificate_code text, "
                f"certificate_number text, passed {boolean}, score text, grade text, "
                "hours text, attendance_rate text)",
                f"CREATE TEMP TABLE {SEEN} (external_id text PRIMARY KEY){keyed}",
                f"CREATE TEMP TABLE {IDS} (raw text PRIMARY KEY, account_id bigint, "
                f"problem text){keyed}",
                f"CREATE TEMP TABLE {PLACE} (line integer PRIMARY KEY, account_id bigint, "
                "problem text)",
            ):
                cursor.execute(sql)
            if not self.postgres:
                # Index pages of a large table stay in memory for the bulk writes.
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        self.check = self._check_sql()
        return self

    def __exit__(self, *exc: object) -> None:
        if connection.needs_rollback or (
            self.postgres and connection.connection is not None and _aborted()
        ):
            return  # the transaction's rollback takes the tables with it
        self._drop()

    def _drop(self) -> None:
        with connection.cursor() as cursor:
            for table in (STAGE, ROWS, SEEN, IDS, PLACE):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def _clear(self, cursor: Any, *tables: str) -> None:
        for table in tables:
            # A temporary table is never vacuumed: truncate it rather than leave dead rows.
            cursor.execute(f"TRUNCATE {table}" if self.postgres else f"DELETE FROM {table}")  # noqa: S608

    # A chunk --------------------------------------------------------------------------------

    def chunk(
        self, rows: Iterator[tuple[int, list[str]]], size: int
    ) -> tuple[int, list[RowResult], list[RowResult], int, int]:
        """Import the next `size` rows: (rows read, refused rows, written rows when reporting,
        created, existing). Nothing read means the file is done."""
        with transaction.atomic(), connection.cursor() as cursor:
            self._clear(cursor, STAGE, ROWS, PLACE)
            read, odd = self._stage(cursor, rows, size)
            if not read:
                return 0, [], [], 0, 0
            refused = self._check(cursor, odd)
            refused += self._twice(cursor)
        refused += self._resolve()
        refused.sort(key=lambda r: r.line)
        written, created, existing = self._write(refused=len(refused))
        return read, refused, written, created, existing

    def _stage(
        self, cursor: Any, rows: Iterator[tuple[int, list[str]]], size: int
    ) -> tuple[int, dict[int, list[str]]]:
        width = self.width
        odd: dict[int, list[str]] = {}
        count = 0

        def staged() -> Iterator[tuple[Any, ...]]:
            nonlocal count
            for line, cells in itertools.islice(rows, size):
                count += 1
                if len(cells) != width:
                    odd[line] = cells
                    cells = (cells + [""] * width)[:width]
                yield (line, *cells)

        with connection.wrap_database_errors:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {STAGE} FROM STDIN") as copy:
                    for row in staged():
                        copy.write_row(row)
            else:
                marks = ", ".join(["?"] * (width + 1))
                cursor.cursor.executemany(f"INSERT INTO {STAGE} VALUES ({marks})", staged())  # noqa: S608
        return count, odd

    def _check(self, cursor: Any, odd: dict[int, list[str]]) -> list[RowResult]:
        """Check and convert the staged rows; the rows SQL does not pass are parsed in Python:
        corrected, or refused with the parser's messages."""
        cursor.execute(self.check)
        if odd:
            marks = ", ".join(["%s"] * len(odd))
            cursor.execute(
                f"UPDATE {ROWS} SET state = {UNCHECKED} WHERE line IN ({marks})",  # noqa: S608
                list(odd),
            )
        cells = ", ".join(f"s.c{i}" for i in range(self.width))
        cursor.execute(
            f"SELECT s.line, {cells} FROM {STAGE} s JOIN {ROWS} r ON r.line = s.line "  # noqa: S608
            f"WHERE r.state = {UNCHECKED}"
        )
        refused: list[RowResult] = []
        fixed: list[tuple[Any, ...]] = []
        for line, *staged in cursor.fetchall():
            row, errors = self.parser.parse(odd.get(line, staged))
            if errors:
                refused.append(
                    RowResult(
                        line=line, external_id=row.external_id, outcome="error", errors=errors
                    )
                )
            else:
                fixed.append((*(_text(getattr(row, name)) for name in COLUMNS), line))
        if fixed:
            assignments = ", ".join(f"{name} = %s" for name in COLUMNS)
            cursor.executemany(
                f"UPDATE {ROWS} SET state = {CLEAN}, {assignments} WHERE line = %s",  # noqa: S608
                fixed,
            )
        return refused

    def _twice(self, cursor: Any) -> list[RowResult]:
        """Ids already seen in the file, in a clean row of this chunk or an earlier one."""
        if self.postgres:
            # Temporary tables are never analysed on their own; without statistics the
            # planner would take a chunk of 100,000 rows for a handful.
            cursor.execute(f"ANALYZE {ROWS}")
        # Two statements, each a semi-join: an OR of the two would be run row by row.
        cursor.execute(
            f"UPDATE {ROWS} SET state = {DOUBLE} WHERE state = {CLEAN} AND EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {SEEN} s WHERE s.external_id = {ROWS}.external_id)"
        )
        cursor.execute(
            f"UPDATE {ROWS} SET state = {DOUBLE} FROM (SELECT line, ROW_NUMBER() OVER "  # noqa: S608
            f"(PARTITION BY external_id ORDER BY line) AS n FROM {ROWS} WHERE state = {CLEAN}) d "
            f"WHERE d.line = {ROWS}.line AND d.n > 1"
        )
        cursor.execute(f"INSERT INTO {SEEN} SELECT external_id FROM {ROWS} WHERE state = {CLEAN}")  # noqa: S608
        cursor.execute(f"SELECT line, external_id FROM {ROWS} WHERE state = {DOUBLE}")  # noqa: S608
        message = _("This id appears twice in the file.")
        return [
            RowResult(
                line=line, external_id=external_id, outcome="error",
                errors={"external_id": [message]},
            )
            for line, external_id in cursor.fetchall()
        ]  # fmt: skip

    def _resolve(self) -> list[RowResult]:
        """Each clean row's account: by number, or by ID number (new numbers looked up, their
        learners' accounts opened, as the row-by-row path does); the rest refused."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT r.id_number FROM {ROWS} r WHERE r.state = {CLEAN} "  # noqa: S608
                "AND r.account_number = '' AND r.id_number <> '' AND NOT EXISTS "
                f"(SELECT 1 FROM {IDS} i WHERE i.raw = r.id_number)"
            )
            raws = {raw for (raw,) in cursor.fetchall()}
        found = self.resolver.accounts_by_id_number(raws) if raws else {}
        with transaction.atomic(), connection.cursor() as cursor:
            if found:
                cursor.executemany(
                    f"INSERT INTO {IDS} (raw, account_id, problem) VALUES (%s, %s, %s)",  # noqa: S608
                    [
                        (raw, v, None) if isinstance(v, int) else (raw, None, v)
                        for raw, v in found.items()
                    ],
                )
            cursor.execute(
                f"INSERT INTO {PLACE} (line, account_id, problem) "  # noqa: S608
                "SELECT r.line, COALESCE(a.id, i.account_id), i.problem "
                f"FROM {ROWS} r LEFT JOIN {self.accounts} a "
                "ON r.account_number <> '' AND a.number = r.account_number "
                f"LEFT JOIN {IDS} i ON r.account_number = '' AND i.raw = r.id_number "
                f"WHERE r.state = {CLEAN}"
            )
            cursor.execute(
                "SELECT r.line, r.external_id, r.account_number, p.problem "  # noqa: S608
                f"FROM {PLACE} p JOIN {ROWS} r ON r.line = p.line WHERE p.account_id IS NULL"
            )
            unplaced = cursor.fetchall()
            if unplaced:
                cursor.execute(f"DELETE FROM {PLACE} WHERE account_id IS NULL")  # noqa: S608
        no_account = _("No account has this number.")
        return [
            RowResult(
                line=line,
                external_id=external_id,
                outcome="error",
                errors=({"account_number": [no_account]} if number else {"id_number": [problem]}),
            )
            for line, external_id, number, problem in unplaced
        ]

    def _write(self, *, refused: int) -> tuple[list[RowResult], int, int]:
        for attempt in range(CHUNK_RETRIES):
            try:
                with transaction.atomic():
                    return self._write_once(refused=refused)
            except IntegrityError:
                # A concurrent import stored some of these rows after they were looked up;
                # the next attempt sees them as existing.
                if attempt == CHUNK_RETRIES - 1:
                    raise
        raise AssertionError  # unreachable

    def _write_once(self, *, refused: int) -> tuple[list[RowResult], int, int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {PLACE}")  # noqa: S608
            placed = cursor.fetchone()[0]
            if not placed:
                return [], 0, 0
            self._follow_merges(cursor)
            made = self._insert(cursor)
            # Each placed row is either inserted or already stored for (provider, external id).
            created = made if isinstance(made, int) else len(made)
            existing = placed - created
            results = self._results(cursor, made) if isinstance(made, dict) else []
        if not created:
            return results, 0, existing  # nothing changed, nothing to audit
        audit_chunk(
            actor=self.actor,
            provider=self.provider,
            channel=self.channel,
            created=created,
            existing=existing,
            errors=refused,
            verified=False,
            credits=Decimal("0.0"),
        )
        return results, created, existing

    def _follow_merges(self, cursor: Any) -> None:
        """Rows for a merged account go to the account it was merged into."""
        cursor.execute(
            f"SELECT DISTINCT p.account_id FROM {PLACE} p JOIN {self.accounts} a "  # noqa: S608
            "ON a.id = p.account_id WHERE a.status = %s AND a.merged_into_id IS NOT NULL",
            [AccountStatus.MERGED.value],
        )
        merged = {a for (a,) in cursor.fetchall()}
        if merged:
            holder = holders(merged)
            cursor.executemany(
                f"UPDATE {PLACE} SET account_id = %s WHERE account_id = %s",  # noqa: S608
                [(holder[a], a) for a in sorted(merged)],
            )

    def _insert(self, cursor: Any) -> int | dict[str, str]:
        """Insert the placed rows not already stored: how many, or (when reporting) the
        public id of each by external id."""
        now = connection.ops.adapt_datetimefield_value(clock.now())
        milliseconds = time.time_ns() // 1_000_000
        if self.postgres:
            # A version-7 UUID: the milliseconds, then gen_random_uuid()'s random bits and
            # variant; records are appended by the million, so their index grows at its end.
            public_id = (
                "(lpad(to_hex(%s::bigint), 12, '0') || '7' || substr(g, 14, 3) "
                "|| substr(g, 17, 16))::uuid"
            )
            random_part = "replace(gen_random_uuid()::text, '-', '') AS g"
        else:
            # The same, as the 32 hex digits Django keeps a UUID in: 12 of milliseconds, the
            # version, 12 random bits, the variant (8 to b), 60 random bits.
            public_id = (
                "printf('%%012x7%%03x%%x%%015x', %s, random() & 4095, 8 + (random() & 3), "
                "random() & 1152921504606846975)"
            )
            random_part = "NULL AS g"
        returning = " RETURNING external_id, public_id" if self.report else ""

        def cast(name: str, kind: str) -> str:
            # Only CLEAN rows are here: their text is a plain date or number.
            return f"{name}::{kind}" if self.postgres else name

        cursor.execute(
            f"INSERT INTO {self.records} (public_id, created_at, updated_at, account_id, "  # noqa: S608
            "provider_id, category, title, course_code, certificate_code, passed, score, "
            "grade, hours, attendance_rate, certificate_number, evidence, statement_id, "
            "completed_on, status, channel, external_id, source, submitted_by_id, "
            "decided_by_id, decided_at, decision_reason, credits, recognition_note) "
            f"SELECT {public_id}, %s, %s, account_id, %s, category, title, course_code, "
            f"certificate_code, passed, {cast('score', 'numeric')}, grade, "
            f"{cast('hours', 'numeric')}, {cast('attendance_rate', 'numeric')}, "
            f"certificate_number, '', NULL, {cast('completed_on', 'date')}, %s, %s, "
            "external_id, '', %s, NULL, "
            "NULL, '', 0, '' FROM (SELECT p.account_id, r.*, "
            f"{random_part} FROM {PLACE} p JOIN {ROWS} r ON r.line = p.line "
            "ORDER BY r.line) AS fresh WHERE TRUE "
            "ON CONFLICT (provider_id, external_id) DO NOTHING" + returning,
            [milliseconds, now, now, self.provider.pk, RecordStatus.SUBMITTED.value,
             self.channel, self.actor_id],
        )  # fmt: skip
        if not self.report:
            return max(cursor.rowcount, 0)
        return {external_id: str(uuid.UUID(str(p))) for external_id, p in cursor.fetchall()}

    def _results(self, cursor: Any, made: dict[str, str]) -> list[RowResult]:
        """Each placed row's outcome, as the row-by-row path reports them: the rows already
        stored, then the rows created, each in file order."""
        cursor.execute(
            f"SELECT r.line, r.external_id, e.public_id FROM {PLACE} p "  # noqa: S608
            f"JOIN {ROWS} r ON r.line = p.line JOIN {self.records} e "
            "ON e.provider_id = %s AND e.external_id = r.external_id ORDER BY r.line",
            [self.provider.pk],
        )
        existing, created = [], []
        for line, external_id, public_id in cursor.fetchall():
            if external_id in made:
                created.append(
                    RowResult(line=line, external_id=external_id, outcome="created",
                              record_id=made[external_id])
                )  # fmt: skip
            else:
                existing.append(
                    RowResult(line=line, external_id=external_id, outcome="existing",
                              record_id=str(uuid.UUID(str(public_id))))
                )  # fmt: skip
        return existing + created

    # The checks in SQL ------------------------------------------------------------------------

    def _check_sql(self) -> str:
        """INSERT INTO the rows table: every staged row, `state` CLEAN when SQL can vouch that
        the parser would take the row exactly so, UNCHECKED otherwise. The values of a CLEAN
        row are the parser's (dates and numbers as their text, cast when inserted); those of
        an UNCHECKED row mean nothing until the parser has corrected them."""
        pg = self.postgres
        space = _literal(WHITESPACE)
        index = dict(zip(COLUMNS, self.parser.index, strict=True))
        lower = 'lower({} COLLATE "C")' if pg else "lower({})"  # ASCII letters only
        upper = 'upper({} COLLATE "C")' if pg else "upper({})"
        octets = "octet_length({})" if pg else "length(CAST({} AS BLOB))"
        categories = " ".join(
            f"WHEN {_literal(key)} THEN {_literal(code)}"
            for key, code in sorted(self.parser.categories.items())
        )
        # A cell checked against a strict spelling needs no trimming: one with spaces around
        # it fails the check and goes to the parser.
        spelled = {"completed_on", "passed", "score", "hours", "attendance_rate"}
        columns = []
        for name, i in index.items():
            if i < 0:
                value = "''"
            elif name == "category":
                value = f"CASE {lower.format(f'c{i}')} {categories} END"
            elif name in spelled:
                value = f"c{i}"
            else:
                value = f"{'btrim' if pg else 'trim'}(c{i}, {space})"
            columns.append(f"{value} AS {name}")
        yes = ", ".join(_literal(v) for v in sorted(self.parser.yes))
        no = ", ".join(_literal(v) for v in sorted(self.parser.no))
        passed_ok = f"(passed = '' OR {lower.format('passed')} IN ({yes}, {no}))"
        true, false = ("TRUE", "FALSE") if pg else ("1", "0")
        passed = (
            f"CASE WHEN passed = '' THEN NULL WHEN {lower.format('passed')} IN ({yes}) "
            f"THEN {true} ELSE {false} END"
        )
        lo, hi = _literal(self.parser.earliest.isoformat()), _literal(self.parser.today.isoformat())
        if pg:
            date_ok = (
                "CASE WHEN completed_on ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' "
                f"AND completed_on BETWEEN {lo} AND {hi} THEN to_char(make_date("
                "substr(completed_on, 1, 4)::int, substr(completed_on, 6, 2)::int, 1) "
                "+ (substr(completed_on, 9, 2)::int - 1), 'YYYY-MM-DD') = completed_on "
                "ELSE FALSE END"
            )
        else:
            date_ok = (
                "(completed_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' "
                f"AND completed_on BETWEEN {lo} AND {hi} AND date(completed_on) = completed_on)"
            )

        def plain_number(name: str, places: int, most: int) -> str:
            """Empty, or a plain number within 0..most with at most `places` decimals."""
            if pg:
                shape = f"{name} ~ '^[0-9]+(\\.[0-9]{{1,{places}}})?$'"
                return f"CASE WHEN {shape} THEN {name}::numeric <= {most} ELSE {name} = '' END"
            return (
                f"({name} = '' OR ({name} GLOB '[0-9]*' AND {name} NOT GLOB '*[^0-9.]*' "
                f"AND {name} NOT GLOB '*.*.*' AND {name} NOT GLOB '*.' "
                f"AND (instr({name}, '.') = 0 OR length({name}) - instr({name}, '.') <= {places}) "
                f"AND CAST({name} AS REAL) <= {most}))"
            )

        fine = " AND ".join(
            (
                "length(external_id) BETWEEN 1 AND 80",
                "length(title) BETWEEN 1 AND 200",
                "(account_number <> '' OR id_number <> '')",
                f"length(account_number) = {octets.format('account_number')}",
                "category IS NOT NULL",
                date_ok,
                "length(course_code) <= 40",
                "length(certificate_code) <= 40",
                "length(certificate_number) <= 60",
                "length(grade) <= 10",
                passed_ok,
                plain_number("score", 2, 100),
                plain_number("attendance_rate", 2, 100),
                plain_number("hours", 1, 10000),
            )
        )
        subquery = "OFFSET 0" if pg else "LIMIT -1 OFFSET 0"  # each cell's work done once
        return (
            f"INSERT INTO {ROWS} SELECT line, CASE WHEN {fine} THEN {CLEAN} "  # noqa: S608
            f"ELSE {UNCHECKED} END, external_id, {upper.format('account_number')}, id_number, "
            "category, title, completed_on, course_code, certificate_code, certificate_number, "
            f"{passed}, NULLIF(score, ''), grade, CASE WHEN hours = '' THEN '0' ELSE hours END, "
            f"NULLIF(attendance_rate, '') FROM (SELECT line, {', '.join(columns)} "
            f"FROM {STAGE} {subquery}) AS t"
        )


def _text(value: Any) -> Any:
    """A parsed value as the rows table holds it: dates and numbers as text."""
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


def _aborted() -> bool:
    """Whether PostgreSQL refuses statements until the transaction is rolled back."""
    from psycopg import pq

    raw = connection.connection
    return bool(raw is not None and raw.info.transaction_status == pq.TransactionStatus.INERROR)
