"""Monitoring at city scale: how long does the refresh of every learning-city indicator take
over a million learners and ten million learning records, next to one bare aggregate query
over the same rows, and how fast are the dashboards that read the aggregates?

On a throwaway PostgreSQL cluster (scripts/with-postgres.sh), in a child process:

1. migrate a fresh database; a city of 16 districts, 8 towns each and 4 neighbourhoods per
   town; a community college per district; 200 classes; a municipal officer and a district
   officer; population figures for every district and town (not timed). Through the
   services.
2. --learners residents (default 1,000,000) spread over the neighbourhoods with ages 15–95,
   one credit-bank account each, one verified target-group membership per 20, one
   application per 2, and --records learning records (default 10,000,000) dated over the
   last seven years, written by set-based SQL (INSERT … SELECT … generate_series), then
   ANALYZE. Timed and reported as load_s, not part of the figures.
3. bare aggregate: records joined to their accounts and learners, counted per residence
   area — one GROUP BY over the rows the refresh reads most (best of two runs).
4. refresh: `monitoring.services.refresh`, every indicator into the aggregates (best of
   two runs); ratio_to_bare_aggregate = refresh_s / bare_aggregate_s.
5. dashboards: --rounds rounds (default 100) of the municipal dashboard, a district
   officer's dashboard, an indicator page and an open-data API page through Django's test
   client; dashboard_p50_ms and dashboard_p99_ms over every request.

Last line: one JSON object with refresh_s, ratio_to_bare_aggregate and dashboard_p99_ms
(goal < 200 ms), and the figures behind them.

    make bench ONLY=indicators                                  # full size: long
    .venv/bin/python bench/indicators.py --learners 100000 --records 1000000   # a tenth
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = str(Path(__file__).resolve())
DISTRICTS = 16
TOWNS_PER_DISTRICT = 8
NEIGHBOURHOODS_PER_TOWN = 4
CLASSES = 200
PASSWORD = "bench-passphrase-long"  # noqa: S105 - a throwaway cluster's test login


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learningcity.settings")
    import django

    django.setup()


def _city() -> dict[str, Any]:
    """The geography, providers, classes and officers, through the services."""
    import datetime as dt
    from decimal import Decimal

    from learningcity.accounts.services import user_create
    from learningcity.catalog import services as catalog
    from learningcity.catalog.choices import Category, Rationing
    from learningcity.core import clock
    from learningcity.network import services as network
    from learningcity.network.choices import AreaLevel, OrganizationKind, StaffRoleKind
    from learningcity.network.data import AreaRow

    root = user_create(actor=None, username="root", password=None, is_superuser=True)
    city = network.area_create(
        actor=root, code="310000", level=AreaLevel.CITY, name_zh="上海市", name_en="Shanghai"
    )
    rows = []
    for d in range(1, DISTRICTS + 1):
        district = f"31{d:04d}"
        rows.append(AreaRow(district, AreaLevel.DISTRICT, "310000", f"第{d}区", f"District {d}"))
        for t in range(1, TOWNS_PER_DISTRICT + 1):
            town = f"{district}{t:03d}"
            rows.append(AreaRow(town, AreaLevel.TOWN, district, f"第{d}区{t}街道"))
            for n in range(1, NEIGHBOURHOODS_PER_TOWN + 1):
                rows.append(
                    AreaRow(f"{town}{n:03d}", AreaLevel.NEIGHBOURHOOD, town, f"{t}街道{n}居委")
                )
    ids = network.areas_bulk_create(actor=root, rows=rows)
    commission = network.organization_create(
        actor=root,
        code="SH-EDU",
        kind=OrganizationKind.EDUCATION_COMMISSION,
        name_zh="上海市教育委员会",
        area=city,
    )
    municipal = user_create(actor=None, username="municipal", password=PASSWORD, is_staff=True)
    network.staff_role_grant(
        actor=root, user=municipal, organization=commission, role=StaffRoleKind.VIEWER
    )
    from learningcity.network.models import Area

    colleges = []
    for d in range(1, DISTRICTS + 1):
        area = Area.objects.get(code=f"31{d:04d}")
        colleges.append(
            network.organization_create(
                actor=root,
                code=f"31{d:04d}-CC",
                kind=OrganizationKind.COMMUNITY_COLLEGE,
                name_zh=f"第{d}区社区学院",
                area=area,
            )
        )
    office = network.organization_create(
        actor=root,
        code="310001-OFFICE",
        kind=OrganizationKind.DISTRICT_OFFICE,
        name_zh="第1区学习型城区办公室",
        area=Area.objects.get(code="310001"),
    )
    district_officer = user_create(
        actor=None, username="district", password=PASSWORD, is_staff=True
    )
    network.staff_role_grant(
        actor=root, user=district_officer, organization=office, role=StaffRoleKind.VIEWER
    )
    year = clock.today().year + 1  # next year's term, open for applications now
    term = catalog.term_create(
        actor=root,
        code="bench",
        name_zh="学期",
        starts_on=dt.date(year, 3, 1),
        ends_on=dt.date(year, 6, 30),
    )
    now = clock.now()
    sites = [
        network.site_create(
            actor=root, organization=c, area=c.area, name_zh=f"学习点{i}", address_zh="路1号"
        )
        for i, c in enumerate(colleges)
    ]
    class_ids = []
    for i in range(CLASSES):
        college = colleges[i % DISTRICTS]
        course = catalog.course_create(
            actor=root,
            provider=college,
            code=f"B{i}",
            title_zh=f"课程{i}",
            category=Category.CULTURE_ARTS,
            hours=Decimal("20"),
        )
        klass = catalog.class_create(
            actor=root,
            course=course,
            term=term,
            site=sites[i % DISTRICTS],
            weekday=1 + i % 5,
            starts_at=dt.time(9, 0),
            ends_at=dt.time(11, 0),
            first_session_on=dt.date(year, 3, 2),
            sessions=4,
            capacity=30,
            applications_open_at=now - dt.timedelta(days=30),
            applications_close_at=now + dt.timedelta(days=30),
            rationing=Rationing.FIRST_COME,
        )
        class_ids.append(klass.pk)
    neighbourhoods = [pk for code, pk in ids.items() if len(code) == 12]
    return {
        "root_id": root.pk,
        "neighbourhoods": sorted(neighbourhoods),
        "providers": [c.pk for c in colleges],
        "classes": class_ids,
        "term_id": term.pk,
    }


def _population(root_id: int, learners: int) -> None:
    from learningcity.accounts.models import User
    from learningcity.core import clock
    from learningcity.monitoring import services
    from learningcity.monitoring.choices import AGE_BANDS, Dimension
    from learningcity.monitoring.data import PopulationRow
    from learningcity.network.choices import AreaLevel
    from learningcity.network.models import Area

    root = User.objects.get(pk=root_id)
    year = clock.today().year
    towns = DISTRICTS * TOWNS_PER_DISTRICT
    rows = []
    resident_share = 0.7
    for area in Area.objects.exclude(level=AreaLevel.NEIGHBOURHOOD):
        people = learners / resident_share
        if area.level == AreaLevel.DISTRICT:
            people /= DISTRICTS
        elif area.level == AreaLevel.TOWN:
            people /= towns
        rows.append(PopulationRow(area.code, year, Dimension.ALL, "", int(people)))
        for band, low, high in AGE_BANDS:
            span = ((high or 95) - max(low, 15) + 1) / 81 if (high or 95) >= 15 else 0
            rows.append(
                PopulationRow(area.code, year, Dimension.AGE_BAND, band, int(people * span))
            )
    services.populations_set(actor=root, rows=rows)


def _load(setup: dict[str, Any], learners: int, records: int) -> float:
    """Learners, accounts, memberships, applications and records by set-based SQL."""
    from django.db import connection, transaction

    started = time.perf_counter()
    hoods = setup["neighbourhoods"]
    providers = setup["providers"]
    classes = setup["classes"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO learners_learner (public_id, created_at, updated_at, name, birth_date,
                gender, residence_area_id, household, phone, preferred_language,
                accessibility_needs, id_number_masked)
            SELECT gen_random_uuid(), now(), now(), 'L' || g,
                   (current_date - ((15 + (g * 7919) %% 81) * 365 + (g %% 365))::integer),
                   CASE WHEN g %% 2 = 0 THEN 'female' ELSE 'male' END,
                   (%s::bigint[])[1 + (g * 31) %% %s],
                   CASE WHEN g %% 3 = 0 THEN 'non_local' ELSE 'local' END,
                   '', 'zh-hans', '[]'::jsonb, ''
            FROM generate_series(1::bigint, %s::bigint) AS g
            """,
            [hoods, len(hoods), learners],
        )
        cursor.execute(
            """
            INSERT INTO creditbank_account (public_id, created_at, updated_at, learner_id,
                number, status)
            SELECT gen_random_uuid(), now() - ((l.id %% 2000) || ' days')::interval, now(),
                   l.id, 'B' || lpad(l.id::text, 11, '0'), 'open'
            FROM learners_learner l
            """,
            [],
        )
        cursor.execute(
            """
            INSERT INTO learners_targetgroupmembership (public_id, created_at, updated_at,
                learner_id, "group", evidence, valid_from, status)
            SELECT gen_random_uuid(), now(), now(), l.id,
                   (ARRAY['disabled', 'laid_off', 'migrant'])[1 + l.id %% 3], '',
                   date '2015-01-01', 'verified'
            FROM learners_learner l WHERE l.id %% 20 = 0
            """,
            [],
        )
        cursor.execute(
            """
            INSERT INTO enrollment_application (public_id, created_at, updated_at,
                learner_id, klass_id, term_id, rank, status, by_lottery)
            SELECT gen_random_uuid(), now() - ((l.id %% 300) || ' days')::interval, now(),
                   l.id, (%s::bigint[])[1 + l.id %% %s], %s, 1, 'enrolled', false
            FROM learners_learner l WHERE l.id %% 2 = 0
            """,
            [classes, len(classes), setup["term_id"]],
        )
        cursor.execute(
            """
            INSERT INTO creditbank_learningrecord (public_id, created_at, updated_at,
                account_id, provider_id, category, title, course_code, certificate_code,
                grade, hours, certificate_number, evidence, completed_on, status, channel,
                external_id, source, decision_reason, credits, recognition_note)
            SELECT gen_random_uuid(), now(), now(),
                   a.min_id + (g * 7919) %% a.n,
                   (%s::bigint[])[1 + g %% %s],
                   'culture_leisure', '课程', '', '', '', 20, '', '',
                   current_date - (g %% 2555)::integer,
                   CASE WHEN g %% 10 = 0 THEN 'submitted' ELSE 'verified' END,
                   'upload', 'R' || g, '', '', 1.0, ''
            FROM generate_series(1::bigint, %s::bigint) AS g,
                 (SELECT min(id) AS min_id, count(*) AS n FROM creditbank_account) a
            """,
            [providers, len(providers), records],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def _bare_aggregate() -> float:
    from django.db import connection

    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT l.residence_area_id, COUNT(*)
                FROM creditbank_learningrecord r
                JOIN creditbank_account a ON a.id = r.account_id
                JOIN learners_learner l ON l.id = a.learner_id
                WHERE r.status IN ('submitted', 'verified')
                GROUP BY l.residence_area_id
                """
            )
            cursor.fetchall()
        best = min(best, time.perf_counter() - started)
    return best


def _refresh() -> tuple[float, int]:
    from learningcity.core.actors import PLATFORM
    from learningcity.monitoring import services

    best, rows = float("inf"), 0
    for _ in range(2):
        started = time.perf_counter()
        result = services.refresh(actor=PLATFORM)
        elapsed = time.perf_counter() - started
        print("  refresh steps: " + ", ".join(f"{n} {s:.2f} s" for n, s in result.steps))
        best, rows = min(best, elapsed), result.rows
    return best, rows


def _dashboards(rounds: int) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.STATIC_ROOT = None
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    municipal, district, public = Client(), Client(), Client()
    assert municipal.login(username="municipal", password=PASSWORD)
    assert district.login(username="district", password=PASSWORD)
    requests = [
        (municipal, "/monitoring/"),
        (district, "/monitoring/"),
        (municipal, "/monitoring/indicators/participation_rate/"),
        (public, "/api/v1/monitoring/open-data?indicator=participation_rate&limit=100"),
    ]
    for client, path in requests:  # warm-up
        assert client.get(path).status_code == 200, path
    timings: list[float] = []
    for _ in range(rounds):
        for client, path in requests:
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, path
    return {
        "dashboard_p50_ms": round(statistics.median(timings), 1),
        "dashboard_p99_ms": round(_percentile(timings, 0.99), 1),
        "dashboard_requests": len(timings),
    }


def _child(workdir: Path, learners: int, records: int, rounds: int) -> None:
    env = dict(os.environ)
    subprocess.run(
        [sys.executable, "-m", "learningcity", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    _django()
    from django.db import connection

    setup = _city()
    _population(setup["root_id"], learners)
    print(f"  city set up; loading {learners:,} learners and {records:,} records", flush=True)
    load_s = _load(setup, learners, records)
    print(f"  loaded in {load_s:.1f} s", flush=True)
    bare = _bare_aggregate()
    print(f"  bare aggregate: {bare:.2f} s", flush=True)
    refresh_s, rows = _refresh()
    print(f"  refresh: {refresh_s:.2f} s ({rows:,} figures)", flush=True)
    figures = _dashboards(rounds)
    print(
        f"  dashboards: p50 {figures['dashboard_p50_ms']} ms, p99 {figures['dashboard_p99_ms']} ms",
        flush=True,
    )
    result = {
        "refresh_s": round(refresh_s, 2),
        "ratio_to_bare_aggregate": round(refresh_s / bare, 2),
        "dashboard_p99_ms": figures["dashboard_p99_ms"],
        "bare_aggregate_s": round(bare, 2),
        "dashboard_p50_ms": figures["dashboard_p50_ms"],
        "dashboard_requests": figures["dashboard_requests"],
        "aggregate_rows": rows,
        "learners": learners,
        "records": records,
        "load_s": round(load_s, 1),
        "database": f"{connection.vendor} {getattr(connection, 'pg_version', '')}".strip(),
    }
    (workdir / "result.json").write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=100)
    options = parser.parse_args()
    print(
        f"indicators: {options.learners:,} learners, {options.records:,} records on PostgreSQL",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="lc-bench-indicators-") as var_dir:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.update(
            DJANGO_SETTINGS_MODULE="learningcity.settings",
            LEARNINGCITY_VAR_DIR=var_dir,
            LEARNINGCITY_DEV_KEYS_OK="true",
        )
        command = [
            str(ROOT / "scripts" / "with-postgres.sh"),
            sys.executable,
            SCRIPT,
            "--child",
            var_dir,
            str(options.learners),
            str(options.records),
            str(options.rounds),
        ]
        status = subprocess.run(command, cwd=ROOT, env=env).returncode
        result_file = Path(var_dir) / "result.json"
        if status != 0 or not result_file.exists():
            print(json.dumps({"error": f"failed with exit status {status}"}))
            sys.exit(1)
        result = json.loads(result_file.read_text())
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
            raise SystemExit("the child runs under scripts/with-postgres.sh")
        _child(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
