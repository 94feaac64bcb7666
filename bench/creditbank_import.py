"""A million learning records into the credit bank: how fast does the bulk import go, and are
transcripts still quick for learners with a thousand records?

For each database (SQLite file, then a throwaway PostgreSQL cluster through
scripts/with-postgres.sh), in a child process:

1. migrate a fresh database; `seed-demo --scale 0.1 --learners N+21`; recognition standards
   for culture and leisure (by hours, with year, term and institution caps), digital learning,
   vocational training (by hours, and the NCRE-1 certificate counted once), degree courses,
   and an associate programme with an NCRE-1 equivalence (not timed);
2. write a CSV of BENCH_IMPORT_ROWS records (default 1,000,000) from one community college:
   20 "heavy" learners with 1,000 records each, named by account number, the rest spread over
   N learners (default 50,000) named by ID number (their accounts open during the import);
   one row in a thousand is bad (an unknown account or an impossible date);
3. the set-up database is copied (SQLite's backup API; CREATE DATABASE ... TEMPLATE on
   PostgreSQL), so that both imports below start from the same state;
4. in the copy: bare load — the same CSV rows into an unindexed table of text columns (COPY on
   PostgreSQL, executemany in one transaction on SQLite), the floor for moving these bytes
   into the database from Python; then the issue's own command, `learningcity creditbank
   import FILE --provider CODE`, in-process: every row checked, its learner resolved (accounts
   opened), recorded as submitted — verification is an assessor's later decision. rows_per_s
   is rows of the file per second, ratio_to_bulk_load its ratio to the bare load;
   then the ceiling of ratio_to_bulk_load — not an import, a bound on any import into this
   table: the rows the import stored, read back before the clock starts (resolved, converted,
   their accounts already open), loaded with no check at all into an empty copy of the records
   table built from the database's own catalogue (the same columns, primary key, unique
   constraints, check constraints, indexes and DEFERRABLE INITIALLY DEFERRED foreign keys,
   compared with the original on PostgreSQL), by COPY or one executemany, in one transaction,
   timed up to and including the commit, where the deferred foreign keys are checked
   (records_table_load_rows_per_s, records_table_load_ratio). An import that also reads,
   checks and resolves the file cannot beat it. On PostgreSQL the same load also goes, once
   each, into tables with only the primary key (pk_only_load_*), with only the unique
   (provider, external id) the issue's idempotency needs besides (pk_idempotency_load_*),
   with the foreign keys and no index (pk_fks_load_*), and with the foreign keys and every
   index and unique constraint (pk_fks_indexes_load_*, all but the checks): where the ceiling
   comes from. Each load starts after a CHECKPOINT, the import's rows vacuumed; each scratch
   table is dropped after its load;
5. in the original: the bare load again, then `... --verify`: every row also recognised under
   the caps and posted to the ledger (verify_rows_per_s, verify_ratio);
6. each import is checked: records and refused rows as expected; a second import of the
   file's first 10,000 rows creates nothing;
7. transcript + degree audit (`selectors.transcript` and `selectors.degree_audit`) for each
   heavy learner, whose 1,000 records the verifying import verified, BENCH_IMPORT_ROUNDS
   rounds (default 25): p50 and p99 in ms.

The last line printed is one JSON object: per database rows_per_s, ratio_to_bulk_load,
transcript_p50_ms and transcript_p99_ms, with the figures behind them (verify_* for the
verifying import, records_table_load_* and the *_load_* parts for the ceiling). Goals:
ratio >= 0.25, transcript p99 < 50 ms.

    .venv/bin/python bench/creditbank_import.py                 # 1,000,000 rows, both databases
    .venv/bin/python bench/creditbank_import.py --rows 20000 --databases sqlite   # a smoke test

Environment: BENCH_IMPORT_ROWS (1000000), BENCH_IMPORT_LEARNERS (50000), BENCH_IMPORT_DATABASES
("sqlite,postgresql"), BENCH_IMPORT_ROUNDS (25), BENCH_IMPORT_PROFILE (1: cProfile both imports,
top functions printed).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = str(Path(__file__).resolve())
SEED_SCALE = 0.1
HEAVY_LEARNERS = 20
HEAVY_RECORDS = 1000
BAD_EVERY = 1000
HEADER = [
    *("external_id", "account_number", "id_number", "category", "title", "completed_on"),
    *("course_code", "certificate_code", "passed", "score", "hours", "attendance_rate"),
]
PROGRAM_COURSES = [
    ("ADM101", "管理学基础", "major"),
    ("ADM102", "公共政策", "major"),
    ("ADM103", "行政法", "major"),
    ("ADM104", "公共财政", "major"),
    ("GEN101", "计算机应用基础", "general"),
    ("GEN102", "大学语文", "general"),
    ("GEN103", "大学英语", "general"),
    ("ELE101", "社会学概论", "elective"),
]
LEISURE_TITLES = ["书法入门", "国画", "太极拳", "合唱", "摄影", "茶艺", "沪剧", "智能手机应用"]


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _run(args: list[str], env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stdout[-3000:] + out.stderr[-5000:])
        raise SystemExit(f"{' '.join(args[:3])} failed with exit status {out.returncode}")
    return out.stdout


# ---------------------------------------------------------------------------------------------
# In the child, with Django
# ---------------------------------------------------------------------------------------------


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learningcity.settings")
    django.setup()


def _setup(workdir: Path, rows: int, learners: int) -> dict[str, Any]:
    """Standards, the programme, the heavy learners' accounts and the CSV file."""
    _django()
    from learningcity.accounts.models import User
    from learningcity.core import crypto
    from learningcity.creditbank import services
    from learningcity.creditbank.choices import CreditCategory, ProgramLevel, StandardKind
    from learningcity.creditbank.data import EquivalenceRow, ProgramCourseRow, StandardTerms
    from learningcity.learners.models import Learner
    from learningcity.learners.services import ID_CONTEXT
    from learningcity.network.choices import OrganizationKind
    from learningcity.network.models import Organization

    started = time.perf_counter()
    admin = User.objects.get(username="admin")
    center = Organization.objects.get(kind=OrganizationKind.SERVICE_CENTER)
    college = Organization.objects.filter(kind=OrganizationKind.COMMUNITY_COLLEGE).order_by("pk")[0]
    since = dt.date(2000, 1, 1)
    standards = {
        "LEISURE": StandardTerms(
            kind=StandardKind.LEISURE, match_category=CreditCategory.CULTURE_LEISURE,
            credit_category=CreditCategory.CULTURE_LEISURE, level=2, effective_from=since,
            hours_per_credit=Decimal(15), min_attendance=Decimal(80), cap_per_year=Decimal(42),
            cap_per_term=Decimal(24), cap_per_institution=Decimal(105),
        ),
        "DIGITAL": StandardTerms(
            kind=StandardKind.DIGITAL, match_category=CreditCategory.DIGITAL,
            credit_category=CreditCategory.DIGITAL, level=2, effective_from=since,
            hours_per_credit=Decimal(10), cap_per_year=Decimal(10),
        ),
        "VOCATIONAL": StandardTerms(
            kind=StandardKind.COURSE_HOURS, match_category=CreditCategory.VOCATIONAL,
            credit_category=CreditCategory.VOCATIONAL, level=3, effective_from=since,
            hours_per_credit=Decimal(20), requires_pass=True, cap_per_year=Decimal(20),
        ),
        "NCRE-1": StandardTerms(
            kind=StandardKind.CERTIFICATE, match_category=CreditCategory.VOCATIONAL,
            credit_category=CreditCategory.VOCATIONAL, level=4, effective_from=since,
            match_certificate_code="NCRE-1", credits_fixed=Decimal(4), requires_pass=True,
            cap_certificates=1, validity_years=5,
        ),
        "DEGREE": StandardTerms(
            kind=StandardKind.ACADEMIC, match_category=CreditCategory.DEGREE,
            credit_category=CreditCategory.DEGREE, level=5, effective_from=since,
            hours_per_credit=Decimal(15), requires_pass=True, min_score=Decimal(60),
            min_attendance=Decimal(80), cap_per_year=Decimal(42), cap_per_term=Decimal(24),
        ),
    }  # fmt: skip
    for code, terms in standards.items():
        services.standard_create(
            actor=admin, owner=center, code=f"BENCH-{code}", name_zh=code, name_en=code,
            terms=terms,
        )  # fmt: skip
    program = services.program_create(
        actor=admin, institution=center, code="BENCH-AS", name_zh="行政管理（专科）",
        name_en="Public Administration", level=ProgramLevel.ASSOCIATE,
        total_credits=Decimal(24), major_min=Decimal(12), general_min=Decimal(6),
        in_program_min=Decimal(6), max_converted_share=Decimal(50),
        courses=[
            ProgramCourseRow(code=code, name_zh=name, credits=Decimal(3), area=area)
            for code, name, area in PROGRAM_COURSES
        ],
        equivalences=[EquivalenceRow("NCRE-1", "计算机一级", ("GEN101",))],
    )  # fmt: skip

    heavy_count = HEAVY_LEARNERS if rows >= 20 * HEAVY_LEARNERS else 1
    heavy_records = min(HEAVY_RECORDS, rows // (2 * heavy_count))
    people = list(
        Learner.objects.filter(id_number_encrypted__isnull=False)
        .order_by("pk")
        .values_list("pk", "id_number_encrypted")[: learners + heavy_count]
    )
    heavy = [services.account_open(actor=admin, learner=Learner.objects.get(pk=pk)).number
             for pk, _ in people[:heavy_count]]  # fmt: skip
    id_numbers = [
        crypto.decrypt(blob, context=ID_CONTEXT)
        for _, blob in people[heavy_count:]
        if blob is not None
    ]

    rng = random.Random(20260901)
    first, last = dt.date(2016, 1, 1).toordinal(), dt.date(2026, 6, 30).toordinal()
    plan: list[tuple[str, str]] = [(number, "") for number in heavy for _ in range(heavy_records)]
    plan += [("", rng.choice(id_numbers)) for _ in range(rows - len(plan))]
    rng.shuffle(plan)
    bad = 0
    path = workdir / "records.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n, (account, id_number) in enumerate(plan, start=1):
            day = dt.date.fromordinal(rng.randint(first, last)).isoformat()
            pick = rng.random()
            course = certificate = score = passed = ""
            hours: int | str
            attendance: int | str
            if pick < 0.55:
                category, title = "culture_leisure", rng.choice(LEISURE_TITLES)
                hours, attendance = rng.choice((12, 15, 18, 24, 30, 36, 45)), rng.randint(60, 100)
            elif pick < 0.70:
                category, title = "digital", "数字素养在线课程"
                hours, attendance = rng.randint(2, 20), ""
            elif pick < 0.80:
                category, title = "vocational", "职业技能培训"
                hours, attendance, passed = rng.choice((20, 40, 60)), rng.randint(70, 100), "yes"
                if rng.random() < 0.3:
                    certificate, hours, title = "NCRE-1", 0, "全国计算机等级考试一级"
            elif pick < 0.95:
                code, name, _area = rng.choice(PROGRAM_COURSES)
                category, title, course = "degree", name, code
                mark = rng.randint(40, 100)
                score, passed = str(mark), "yes" if mark >= 60 else "no"
                hours, attendance = rng.choice((45, 54, 72)), rng.randint(70, 100)
            else:
                category, title, hours, attendance = "activity", "学习周志愿服务", 4, ""
            if n % BAD_EVERY == 0:
                bad += 1
                if bad % 2:
                    account, id_number = "CB0000000000", ""
                else:
                    day = day[:5] + "13-45"
            writer.writerow([f"B{n:08d}", account, id_number, category, title, day, course,
                             certificate, passed, score, hours, attendance])  # fmt: skip
    return {
        "provider": college.code,
        "program": program.code,
        "heavy": heavy,
        "heavy_records": heavy_records,
        "rows": rows,
        "bad_rows": bad,
        "learners": len(id_numbers),
        "csv_mb": round(path.stat().st_size / 2**20, 1),
        "setup_s": round(time.perf_counter() - started, 1),
    }


def _bare_load(path: Path) -> dict[str, Any]:
    """The same rows into an unindexed table of text columns: COPY or one executemany."""
    from django.db import connection, transaction

    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_bare ({columns})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, path.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        if connection.vendor == "postgresql":
            with cursor.cursor.copy("COPY bench_bare FROM STDIN") as copy:
                for row in reader:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(HEADER))
            insert = f"INSERT INTO bench_bare VALUES ({marks})"  # noqa: S608 - placeholders only
            cursor.cursor.executemany(insert, reader)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bench_bare")
        loaded = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_bare")
    return {"rows": loaded, "seconds": round(seconds, 2), "rows_per_s": round(loaded / seconds)}


# The records table's parts, as `_records_table_loads` builds a scratch copy from them: the primary
# key, the unique constraint that makes imports idempotent on (provider, external id), the other
# unique constraints, check constraints, foreign keys, and the other indexes.
RECORDS_TABLE = ("primary key", "idempotency", "unique", "checks", "foreign keys", "indexes")
IDEMPOTENCY = "record_once_per_provider_id"
# PostgreSQL only, once: which parts cost what. Each is the same load into a table with only the
# parts named; together with RECORDS_TABLE they show where the ceiling comes from.
RECORDS_TABLE_PARTS = {
    "pk_only": ("primary key",),
    # The least the issue allows: its idempotency on (provider, external id) needs this index.
    "pk_idempotency": ("primary key", "idempotency"),
    "pk_fks": ("primary key", "foreign keys"),
    "pk_fks_indexes": ("primary key", "foreign keys", "idempotency", "unique", "indexes"),
}
SCRATCH = "bench_records"


def _records_table_ddl() -> tuple[str, dict[str, list[str]]]:
    """The statements that make SCRATCH a copy of the records table, by part: its columns
    (defaults and identity included), then each part's constraints and indexes, taken from the
    database's own catalogue (PostgreSQL) or schema (SQLite)."""
    from django.db import connection

    from learningcity.creditbank.models import LearningRecord

    table = LearningRecord._meta.db_table
    parts: dict[str, list[str]] = {part: [] for part in RECORDS_TABLE}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            create = f"CREATE TABLE {SCRATCH} (LIKE {table} INCLUDING DEFAULTS INCLUDING IDENTITY)"
            kinds = {"p": "primary key", "u": "unique", "c": "checks", "f": "foreign keys"}
            cursor.execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass ORDER BY conname",
                [table],
            )
            for name, kind, definition in cursor.fetchall():
                parts["idempotency" if name == IDEMPOTENCY else kinds[kind]].append(
                    f"ALTER TABLE {SCRATCH} ADD CONSTRAINT bench_{name} {definition}"
                )
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
                "AND k.conrelid = i.indrelid) ORDER BY c.relname",
                [table],
            )
            for name, definition in cursor.fetchall():
                head, tail = definition.split(" USING ", 1)
                kind = "UNIQUE INDEX" if head.startswith("CREATE UNIQUE") else "INDEX"
                parts["indexes"].append(f"CREATE {kind} bench_{name} ON {SCRATCH} USING {tail}")
            return create, parts
        # SQLite: the table's own CREATE statement holds its primary key, unique and check
        # constraints and foreign keys (DEFERRABLE INITIALLY DEFERRED, as Django writes them);
        # the indexes are statements of their own. The whole table is one variant here.
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
            "ORDER BY type DESC, name",
            [table],
        )
        create = ""
        for kind, name, sql in cursor.fetchall():
            sql = sql.replace(f'"{table}"', f'"{SCRATCH}"', 1)
            if kind == "table":
                create = sql
            else:
                parts["indexes"].append(sql.replace(f'"{name}"', f'"bench_{name}"', 1))
    return create, parts


def _table_shape(table: str) -> list[str]:
    """The constraints and indexes of a PostgreSQL table, names left out: what `\\d` shows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contype::text || ' ' || pg_get_constraintdef(oid) || CASE WHEN condeferrable "
            "THEN ' deferrable' ELSE '' END || CASE WHEN condeferred THEN ' deferred' ELSE '' "
            "END FROM pg_constraint WHERE conrelid = %s::regclass",
            [table],
        )
        shape = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass",
            [table],
        )
        shape += [
            f"{d.split(' INDEX ', 1)[0]} INDEX USING {d.split(' USING ', 1)[1]}"
            for (d,) in cursor.fetchall()
        ]
        cursor.execute(
            "SELECT attname || ' ' || format_type(atttypid, atttypmod) || ' ' || attnotnull::text "
            "|| ' ' || attidentity::text FROM pg_attribute WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [table],
        )
        shape += [row[0] for row in cursor.fetchall()]
    return sorted(shape)


def _records_table_loads(first_id: int, bare_rows_per_s: int) -> dict[str, Any]:
    """The ceiling of any import into the records table: the rows the import just stored
    (ids above `first_id`), already resolved and converted, read back before the clock starts,
    loaded with no check of any kind into an empty copy of the records table — same columns,
    indexes, constraints and deferred foreign keys — by COPY (PostgreSQL) or one executemany
    (SQLite), in one transaction, timed up to and including the commit. On PostgreSQL the same
    load also goes into tables with only some of the parts (RECORDS_TABLE_PARTS)."""
    from django.db import connection, transaction

    from learningcity.creditbank.models import LearningRecord

    postgres = connection.vendor == "postgresql"
    table = LearningRecord._meta.db_table
    columns = [str(f.column) for f in LearningRecord._meta.concrete_fields if f.column != "id"]
    with connection.cursor() as cursor:
        # As text on PostgreSQL: COPY then parses every value, as it does the import's text.
        cells = ", ".join(f"{c}::text" if postgres else c for c in columns)
        cursor.execute(
            f"SELECT {cells} FROM {table} WHERE id > %s ORDER BY id",  # noqa: S608
            [first_id],
        )
        rows = cursor.fetchall()
        if postgres:
            # The import's million rows vacuumed and analysed now, not by autovacuum during a
            # load below.
            cursor.execute(f"VACUUM ANALYZE {table}")
    create, parts = _records_table_ddl()
    if postgres and not parts["idempotency"]:
        raise SystemExit(f"{table} has no constraint {IDEMPOTENCY}")
    variants = {"records_table": RECORDS_TABLE, **(RECORDS_TABLE_PARTS if postgres else {})}
    loads: dict[str, Any] = {}
    for variant, included in variants.items():
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("CHECKPOINT")  # each load starts with no dirty pages to write
            cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
            cursor.execute(create)
            for part in included:
                for statement in parts[part]:
                    cursor.execute(statement)
            if (
                postgres
                and variant == "records_table"
                and _table_shape(SCRATCH) != _table_shape(table)
            ):
                raise SystemExit(f"{SCRATCH} is not shaped like {table}")
        listed = ", ".join(columns)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            if postgres:
                with cursor.cursor.copy(f"COPY {SCRATCH} ({listed}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                insert = f"INSERT INTO {SCRATCH} ({listed}) VALUES ({marks})"  # noqa: S608
                cursor.cursor.executemany(insert, rows)
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {SCRATCH}")  # noqa: S608
            loaded = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE {SCRATCH}")
        loads[variant] = {
            "parts": list(included),
            "rows": loaded,
            "seconds": round(seconds, 2),
            "rows_per_s": round(loaded / seconds),
            "ratio": round(loaded / seconds / bare_rows_per_s, 3),
        }
        print(f"  {variant} load ({', '.join(included)}): {loaded:,} rows in {seconds:.2f} s "
              f"({loaded / seconds:,.0f}/s, {loaded / seconds / bare_rows_per_s:.3f} of the "
              "bare load)", flush=True)  # fmt: skip
    return loads


def _import(path: Path, provider: str, workdir: Path, *, verify: bool) -> dict[str, Any]:
    """`learningcity creditbank import FILE --provider CODE [--verify]`, timed, and checked:
    records and refused rows counted, and a re-import of the first 10,000 rows creates
    nothing."""
    import io

    from django.core.management import call_command

    from learningcity.creditbank.models import LearningRecord, Posting

    flag = ["--verify"] if verify else []
    records_before = LearningRecord.objects.count()  # the demo's class completions
    refused_file = workdir / ("refused-verify.csv" if verify else "refused.csv")
    args = ["import", str(path), "--provider", provider, *flag, "--report", str(refused_file)]
    out = io.StringIO()
    started = time.perf_counter()
    if os.environ.get("BENCH_IMPORT_PROFILE") == "1":
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(call_command, "creditbank", *args, stdout=out)
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats("staged|bulk|imports", 30)
    else:
        call_command("creditbank", *args, stdout=out)
    seconds = time.perf_counter() - started
    print(f"  import{' --verify' if verify else ''}: {out.getvalue().strip()}", flush=True)
    records = LearningRecord.objects.count()
    postings = Posting.objects.count()
    refused = sum(1 for _ in refused_file.open()) - 1
    sample = workdir / "again.csv"
    with path.open() as source, sample.open("w") as target:
        for n, line in enumerate(source):
            if n > 10_000:
                break
            target.write(line)
    again = io.StringIO()
    call_command("creditbank", "import", str(sample), "--provider", provider, *flag, stdout=again)
    reimport_changed = (
        LearningRecord.objects.count() != records or Posting.objects.count() != postings
    )
    return {
        "import_s": round(seconds, 2),
        "records": records - records_before,
        "postings": postings,
        "refused": refused,
        "reimport_changed_something": reimport_changed,
        "reimport": again.getvalue().strip(),
    }


def _measure_plain(workdir: Path, setup: dict[str, Any]) -> dict[str, Any]:
    """The issue's command, `learningcity creditbank import FILE --provider CODE`: every row
    submitted (verification is an assessor's later decision)."""
    _django()
    path = workdir / "records.csv"
    bare = _bare_load(path)
    print(f"  bare load: {bare['rows']:,} rows in {bare['seconds']} s "
          f"({bare['rows_per_s']:,}/s)", flush=True)  # fmt: skip
    from django.db.models import Max

    from learningcity.creditbank.models import LearningRecord

    first_id = LearningRecord.objects.aggregate(last=Max("id"))["last"] or 0
    result = _import(path, setup["provider"], workdir, verify=False)
    loads = _records_table_loads(first_id, bare["rows_per_s"])
    return {
        **result,
        "rows_per_s": round(setup["rows"] / result["import_s"]),
        "bare": bare,
        "records_table_loads": loads,
        "refused_expected": setup["bad_rows"],
        "records_expected": setup["rows"] - setup["bad_rows"],
    }


def _measure(workdir: Path, setup: dict[str, Any], rounds: int) -> dict[str, Any]:
    """The verifying import of the same file in a twin database (every row recognised under
    the caps and posted), then transcripts of the heavy learners, whose records it verified."""
    _django()
    from learningcity.creditbank import selectors
    from learningcity.creditbank.models import Account, Program

    path = workdir / "records.csv"
    bare = _bare_load(path)
    print(f"  bare load: {bare['rows']:,} rows in {bare['seconds']} s "
          f"({bare['rows_per_s']:,}/s)", flush=True)  # fmt: skip
    result = _import(path, setup["provider"], workdir, verify=True)

    program = Program.objects.get(code=setup["program"])
    accounts = list(Account.objects.filter(number__in=setup["heavy"]).select_related("learner"))
    timings: list[float] = []
    for round_ in range(rounds + 1):
        for account in accounts:
            tick = time.perf_counter()
            transcript = selectors.transcript(account)
            audit = selectors.degree_audit(account, program)
            if round_:  # the first round warms caches
                timings.append((time.perf_counter() - tick) * 1000)
    shown = len(transcript.records)
    return {
        **result,
        "rows_per_s": round(setup["rows"] / result["import_s"]),
        "bare": bare,
        "refused_expected": setup["bad_rows"],
        "records_expected": setup["rows"] - setup["bad_rows"],
        "transcript_records": shown,
        "audit_complete": audit.complete,
        "transcript_samples": len(timings),
        "transcript_p50_ms": round(statistics.median(timings), 2),
        "transcript_p99_ms": round(_percentile(timings, 0.99), 2),
    }


def _twin(database: str, workdir: Path, env: dict[str, str]) -> dict[str, str]:
    """A copy of the set-up database for the plain import, and the environment that uses it."""
    twin = dict(env)
    if database == "sqlite":
        import sqlite3

        (workdir / "plain").mkdir()
        source = sqlite3.connect(workdir / "learningcity.sqlite3")
        target = sqlite3.connect(workdir / "plain" / "learningcity.sqlite3")
        with target:
            source.backup(target)
        source.close()
        target.close()
        twin["LEARNINGCITY_VAR_DIR"] = str(workdir / "plain")
        return twin
    import psycopg

    url = env["DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as connection:
        name = connection.info.dbname
        connection.execute(f'CREATE DATABASE "{name}_plain" TEMPLATE "{name}"')
    twin["DATABASE_URL"] = url.rsplit("/", 1)[0] + f"/{name}_plain"
    return twin


def _one_database(database: str, workdir: Path, rows: int, learners: int) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="learningcity.settings",
        LEARNINGCITY_VAR_DIR=str(workdir),
        LEARNINGCITY_DEV_KEYS_OK="true",
    )
    if database == "sqlite":
        env.pop("DATABASE_URL", None)
    elif not env.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("postgresql needs DATABASE_URL (run under scripts/with-postgres.sh)")

    def say(line: str) -> None:
        print(f"[{database}] {line}", flush=True)

    started = time.perf_counter()
    _run(["-m", "learningcity", "migrate", "--noinput", "-v0"], env)
    seed = f"--scale {SEED_SCALE} --learners {learners + HEAVY_LEARNERS + 1} --seed 1".split()
    _run(["-m", "learningcity", "seed-demo", *seed], env)
    say(f"migrated and seeded ({time.perf_counter() - started:.0f} s)")
    setup = json.loads(
        _run([SCRIPT, "--setup", str(workdir), str(rows), str(learners)], env).splitlines()[-1]
    )
    say(
        f"{setup['rows']:,} rows ({setup['csv_mb']} MB): {len(setup['heavy'])} learners with "
        f"{setup['heavy_records']:,} records, the rest over {setup['learners']:,} learners; "
        f"{setup['bad_rows']} bad rows ({setup['setup_s']} s)"
    )
    rounds = _int_env("BENCH_IMPORT_ROUNDS", 25)
    twin = _twin(database, workdir, env)
    output = _run([SCRIPT, "--measure-plain", str(workdir), json.dumps(setup)], twin)
    for line in output.splitlines()[:-1]:
        say(line.rstrip())
    plain = dict(json.loads(output.splitlines()[-1]))
    output = _run([SCRIPT, "--measure", str(workdir), json.dumps(setup), str(rounds)], env)
    for line in output.splitlines()[:-1]:
        say(line.rstrip())
    verify = dict(json.loads(output.splitlines()[-1]))
    return {"database": database, "plain": plain, "verify": verify}


# ---------------------------------------------------------------------------------------------
# The parent
# ---------------------------------------------------------------------------------------------


def _database_in_child(database: str, rows: int, learners: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"lc-bench-import-{database}-") as var_dir:
        command = [sys.executable, SCRIPT, "--database", database, var_dir, str(rows),
                   str(learners)]  # fmt: skip
        if database == "postgresql":
            command = [str(ROOT / "scripts" / "with-postgres.sh"), *command]
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        status = subprocess.run(command, cwd=ROOT, env=env).returncode
        result_file = Path(var_dir) / "result.json"
        if status != 0 or not result_file.exists():
            return {"error": f"failed with exit status {status}"}
        return dict(json.loads(result_file.read_text()))


def _correct(result: dict[str, Any]) -> bool:
    return bool(
        result["records"] == result["records_expected"]
        and result["refused"] == result["refused_expected"]
        and not result["reimport_changed_something"]
    )


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    if "error" in result:
        return result
    plain, verify = result["plain"], result["verify"]
    return {
        "rows_per_s": plain["rows_per_s"],
        "ratio_to_bulk_load": round(plain["rows_per_s"] / plain["bare"]["rows_per_s"], 3),
        "transcript_p50_ms": verify["transcript_p50_ms"],
        "transcript_p99_ms": verify["transcript_p99_ms"],
        "bulk_load_rows_per_s": plain["bare"]["rows_per_s"],
        "import_s": plain["import_s"],
        "records": plain["records"],
        "refused": plain["refused"],
        "correct": _correct(plain),
        # The ceiling of ratio_to_bulk_load: the import's resolved rows, unchecked, into an
        # empty copy of the records table (and, on PostgreSQL, into tables with parts of it).
        "records_table_load_rows_per_s": plain["records_table_loads"]["records_table"][
            "rows_per_s"
        ],
        "records_table_load_ratio": plain["records_table_loads"]["records_table"]["ratio"],
        "records_table_load_s": plain["records_table_loads"]["records_table"]["seconds"],
        **{
            f"{variant}_load_{key}": load[key]
            for variant, load in plain["records_table_loads"].items()
            if variant != "records_table"
            for key in ("rows_per_s", "ratio", "seconds")
        },
        "verify_rows_per_s": verify["rows_per_s"],
        "verify_ratio": round(verify["rows_per_s"] / verify["bare"]["rows_per_s"], 3),
        "verify_bulk_load_rows_per_s": verify["bare"]["rows_per_s"],
        "verify_import_s": verify["import_s"],
        "verify_records": verify["records"],
        "verify_postings": verify["postings"],
        "verify_refused": verify["refused"],
        "verify_correct": _correct(verify),
        "transcript_records": verify["transcript_records"],
        "transcript_samples": verify["transcript_samples"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=_int_env("BENCH_IMPORT_ROWS", 1_000_000))
    parser.add_argument("--learners", type=int, default=_int_env("BENCH_IMPORT_LEARNERS", 50_000))
    parser.add_argument(
        "--databases", default=os.environ.get("BENCH_IMPORT_DATABASES", "sqlite,postgresql")
    )
    options = parser.parse_args()
    databases = [d.strip() for d in options.databases.split(",") if d.strip()]
    if set(databases) - {"sqlite", "postgresql"}:
        raise SystemExit("databases are sqlite and postgresql")
    learners = min(options.learners, max(1, options.rows // 20))
    print(f"credit bank import: {options.rows:,} rows over {learners:,} learners "
          f"+ {HEAVY_LEARNERS} heavy ones", flush=True)  # fmt: skip
    figures = {d: _summary(_database_in_child(d, options.rows, learners)) for d in databases}
    print()
    print(f"{'':<12}{'rows/s':>10}{'bare/s':>11}{'ratio':>8}{'ceiling':>9}{'verify/s':>10}"
          f"{'ratio':>8}{'p50 ms':>9}{'p99 ms':>9}  correct")  # fmt: skip
    for database, f in figures.items():
        if "error" in f:
            print(f"{database:<12}{f['error']}")
            continue
        print(
            f"{database:<12}{f['rows_per_s']:>10,}{f['bulk_load_rows_per_s']:>11,}"
            f"{f['ratio_to_bulk_load']:>8.3f}{f['records_table_load_ratio']:>9.3f}"
            f"{f['verify_rows_per_s']:>10,}"
            f"{f['verify_ratio']:>8.3f}{f['transcript_p50_ms']:>9.1f}"
            f"{f['transcript_p99_ms']:>9.1f}  {f['correct'] and f['verify_correct']}"
        )
    for database, f in figures.items():
        loads = [v for v in RECORDS_TABLE_PARTS if f"{v}_load_ratio" in f]
        if loads:
            shown = ", ".join(f"{v} {f[f'{v}_load_seconds']} s ({f[f'{v}_load_ratio']:.3f})"
                              for v in loads)  # fmt: skip
            print(f"{database}: the ceiling {f['records_table_load_s']} s "
                  f"({f['records_table_load_ratio']:.3f}); the same load into {shown}")  # fmt: skip
    print(json.dumps(figures))
    if any("error" in f for f in figures.values()):
        sys.exit(1)


def _child_main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "--database":
        workdir = Path(argv[2])
        result = _one_database(argv[1], workdir, int(argv[3]), int(argv[4]))
        (workdir / "result.json").write_text(json.dumps(result))
    elif mode == "--setup":
        print(json.dumps(_setup(Path(argv[1]), int(argv[2]), int(argv[3]))))
    elif mode == "--measure-plain":
        print(json.dumps(_measure_plain(Path(argv[1]), json.loads(argv[2]))))
    elif mode == "--measure":
        print(json.dumps(_measure(Path(argv[1]), json.loads(argv[2]), int(argv[3]))))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    if (
        len(sys.argv) > 1
        and sys.argv[1].startswith("--")
        and sys.argv[1]
        in (
            "--database",
            "--setup",
            "--measure-plain",
            "--measure",
        )
    ):
        _child_main(sys.argv[1:])
    else:
        main()
