"""The art night school's opening minute: does a burst of applications lose or oversell a seat?

Shanghai's citizen art night school opened ~10,000 places to 650,000 people at once and the
classes were gone in 6-16 s: speed decided who got in. Here every application inside the window
counts the same (a lottery decides the oversubscribed classes after it closes), so the server
only has to take every application, once, while the crowd hammers it. For each database
(SQLite file, then a throwaway PostgreSQL cluster through scripts/with-postgres.sh):

1. migrate a fresh database; `seed-demo --scale 0.1 --learners 20000`; a term of 600 classes
   (90% lottery, 10% first-come; piano, ballet, calligraphy and smartphone far more wanted than
   the rest) with ~applications/5 seats, every window open, built through catalog services;
   a login and a token for every applying resident (accounts' bulk services). Not timed.
2. serve it with gunicorn as `make demo` does (2 workers x 4 threads) on a free loopback port;
3. time a trivial endpoint (GET /api/v1/me) from the same clients, before and after the burst
   (the mean is the baseline requests/s: the machine may be shared);
4. fire BENCH_BURST_APPLICATIONS applications from BENCH_BURST_CLIENTS keep-alive connections
   (asyncio, spread over a few client processes; each client takes the next waiting resident
   from one counter all the processes share, so all 64 keep sending until the applications
   run out, however the machine happens to share its cores between the processes):
   each resident ranks up to 5 classes; the app of one resident in 8 deliberately repeats
   requests with the same Idempotency-Key, sometimes after the answer, sometimes on a second
   connection at the same moment;
5. close every window (catalog.services.class_update as the municipal administrator) and run
   the term's draw through the API; `lottery_s` is the draw's own wall time;
6. count violations in the database: oversold classes, learners over the term's cap, an
   acknowledged application missing or stored twice, a retried key that made a second
   application, a lottery that does not recompute (`learningcity lottery verify`).

The last line printed is one JSON object: per database applications_per_s (every POST
/api/v1/applications answered per second, deliberate repeats included; acknowledged_per_s
counts distinct acknowledged applications), p50_ms and p99_ms of those requests,
ratio_to_trivial (applications_per_s over the trivial requests/s), lottery_s and violations,
with the counts and CPU figures behind them (server and database CPU ms per request show
where a low ratio comes from).

    .venv/bin/python bench/enrollment_burst.py
    BENCH_BURST_DATABASES=sqlite BENCH_BURST_APPLICATIONS=5000 \
        .venv/bin/python bench/enrollment_burst.py

Environment: BENCH_BURST_APPLICATIONS (50000), BENCH_BURST_CLIENTS (64), BENCH_BURST_DATABASES
("sqlite,postgresql"), BENCH_BURST_TIME_LIMIT_S (600, per database: the burst stops there and
says so), BENCH_BURST_TRIVIAL_S (20), BENCH_BURST_LEARNERS (20000), BENCH_BURST_PROCESSES
(client processes, 2), BENCH_BURST_RETRY_SHARE (share of a retrying resident's applications
repeated, 0.25).
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import fcntl
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = str(Path(__file__).resolve())
TERM_CODE = "BURST-2027S"
SEED_SCALE = 0.1
CLASSES_PER_COURSE = 5
PROVIDERS_PER_TITLE = 3
RETRYING_EVERY = 8  # resident 0, 8, 16...: the ones whose apps send a request twice
DOUBLE_TAP_SHARE = 0.2  # of a retrying resident's repeats: sent at once on a second connection
REQUEST_TIMEOUT_S = 120.0
# The production server as `make demo` runs it (its access log aside).
SERVER_OPTIONS = ["--workers", "2", "--threads", "4", "--timeout", "60"]
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
# How many ranked choices a resident makes (1 to 5) and how often: mean 3.55.
CHOICES_PER_RESIDENT = {1: 0.10, 2: 0.15, 3: 0.20, 4: 0.20, 5: 0.35}

# (title zh, title en, category, popularity). The first four are what sold out in seconds.
TITLES: list[tuple[str, str, str, float]] = [
    ("钢琴入门", "Piano for beginners", "culture_arts", 40),
    ("智能手机应用", "Using your smartphone", "digital", 36),
    ("书法", "Chinese calligraphy", "culture_arts", 32),
    ("芭蕾形体", "Ballet and posture", "culture_arts", 30),
    ("国画", "Chinese painting", "culture_arts", 8),
    ("古筝", "Guzheng", "culture_arts", 7),
    ("声乐", "Singing", "culture_arts", 6),
    ("摄影", "Photography", "culture_arts", 6),
    ("太极拳", "Tai chi", "health", 5),
    ("瑜伽", "Yoga", "health", 5),
    ("茶艺", "The art of tea", "culture_arts", 4),
    ("烘焙", "Baking", "family", 4),
    ("英语口语", "Spoken English", "languages", 4),
    ("日语入门", "Japanese for beginners", "languages", 3),
    ("沪剧", "Shanghai opera", "culture_arts", 3),
    ("越剧", "Yue opera", "culture_arts", 3),
    ("京剧", "Peking opera", "culture_arts", 3),
    ("合唱", "Choir", "culture_arts", 3),
    ("民族舞", "Folk dance", "culture_arts", 3),
    ("手工编织", "Knitting", "culture_arts", 2),
    ("插花", "Flower arranging", "culture_arts", 2),
    ("油画", "Oil painting", "culture_arts", 2),
    ("素描", "Sketching", "culture_arts", 2),
    ("剪纸", "Paper cutting", "culture_arts", 2),
    ("短视频制作", "Making short videos", "digital", 2),
    ("电脑基础", "Computer basics", "digital", 2),
    ("网上办事", "Public services online", "digital", 1.5),
    ("防范电信诈骗", "Spotting phone scams", "law_civics", 1.5),
    ("中医养生", "Traditional medicine and wellbeing", "health", 1.5),
    ("营养与健康", "Nutrition and health", "health", 1.5),
    ("家庭教育", "Parenting", "family", 1),
    ("生活中的法律", "Everyday law", "law_civics", 1),
    ("家庭理财", "Household finance", "vocational", 1),
    ("阳台园艺", "Balcony gardening", "science", 1),
    ("朗诵", "Recitation", "culture_arts", 1),
    ("葫芦丝", "Hulusi flute", "culture_arts", 1),
    ("二胡", "Erhu", "culture_arts", 1),
    ("口琴", "Harmonica", "culture_arts", 1),
    ("围棋", "Go", "science", 1),
    ("健身操", "Aerobics", "health", 1),
]
POPULAR = 4
# Evening and weekend slots of a night school: (start, end).
SLOTS = [((18, 30), (20, 30)), ((19, 0), (21, 0)), ((9, 0), (11, 0)), ((14, 0), (16, 0))]


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _float_env(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _system_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return (sum(ticks) - idle) / CLOCK_TICK, sum(ticks) / CLOCK_TICK


def _tree_cpu(root: int | None) -> float:
    """CPU seconds (user + system) used by a server process and all its workers so far: its
    own, its live children's, and those of children it has already reaped (a database
    connection replaced after CONN_MAX_AGE, a restarted worker)."""
    if root is None:
        return 0.0

    def stat(pid: int) -> list[str]:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                return handle.read().rsplit(")", 1)[1].split()
        except OSError:
            return []

    fields = stat(root)
    if not fields:
        return 0.0
    # After the command: state, ..., utime (14th field), stime, cutime, cstime.
    ticks = sum(int(x) for x in fields[11:15])
    for child in _server_pids(root):
        child_fields = stat(child)
        if child_fields:
            ticks += int(child_fields[11]) + int(child_fields[12])
    return ticks / CLOCK_TICK


def _server_pids(master: int) -> list[int]:
    try:
        with open(f"/proc/{master}/task/{master}/children") as children:
            return [int(pid) for pid in children.read().split()]
    except OSError:
        return []


def _postmaster() -> int | None:
    """This run's PostgreSQL server (not another cluster on the machine): the postmaster
    started with `-p <port of DATABASE_URL>`."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    port = str(urllib.parse.urlsplit(url).port or 5432).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[0].endswith(b"postgres") and b"-p" in argv and port in argv:
            return int(entry.name)
    return None


class Usage:
    """Where the CPU went during a phase: the whole machine, the app server (master and
    workers), PostgreSQL (postmaster and backends; none for SQLite, inside the workers)."""

    def __init__(self, server: int) -> None:
        self.server, self.postmaster = server, _postmaster()
        self.machine = _system_cpu()
        self.workers = _tree_cpu(server)
        self.database = _tree_cpu(self.postmaster)
        self.load = os.getloadavg()[0]

    def since(self, requests: int) -> dict[str, float]:
        busy, total = _system_cpu()
        per = 1000 / max(requests, 1)
        return {
            "machine_busy": round((busy - self.machine[0]) / max(total - self.machine[1], 1e-9), 3),
            "server_cpu_ms_per_request": round((_tree_cpu(self.server) - self.workers) * per, 2),
            "database_cpu_ms_per_request": round(
                (_tree_cpu(self.postmaster) - self.database) * per, 2
            ),
            "load_before": round(self.load, 2),
            "load_after": round(os.getloadavg()[0], 2),
            "cores": os.cpu_count() or 1,
        }


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learningcity.settings")
    import django

    django.setup()


# ---------------------------------------------------------------------------------------------
# Set-up (a child process with Django): the term, its classes, the residents' logins, the plan
# ---------------------------------------------------------------------------------------------


def _setup(workdir: Path) -> dict[str, Any]:
    _django()
    from django.db import transaction

    from learningcity.accounts.models import User
    from learningcity.accounts.services import (
        api_token_create,
        api_tokens_bulk_create,
        users_bulk_create,
    )
    from learningcity.catalog import services as catalog
    from learningcity.catalog.choices import Rationing
    from learningcity.catalog.data import ClassRow, CourseRow
    from learningcity.catalog.models import Class
    from learningcity.core import clock
    from learningcity.learners.models import Learner
    from learningcity.network.choices import OrganizationKind
    from learningcity.network.models import LearningSite

    applications = _int_env("BENCH_BURST_APPLICATIONS", 50_000)
    rng = random.Random("enrollment-burst/1")
    started = time.perf_counter()
    # The municipal administrator (the education commission's admin) opens the term, loads
    # its catalog, closes the windows and runs the draw. Logins and tokens in bulk are the
    # platform administrator's: accounts sits below the network and cannot ask who governs
    # the city, so its bulk services take a superuser.
    municipal = User.objects.get(username="municipal")
    admin = User.objects.get(username="admin")
    today = clock.today()
    now = clock.now()
    kinds: list[str] = [
        OrganizationKind.ELDER_COLLEGE,
        OrganizationKind.COMMUNITY_COLLEGE,
        OrganizationKind.COMMUNITY_SCHOOL,
        OrganizationKind.DISTRICT_ADULT_SCHOOL,
        OrganizationKind.UNIVERSITY_ADULT_SCHOOL,
        OrganizationKind.TRAINING_INSTITUTION,
    ]
    providers: dict[int, LearningSite] = {}
    sites = (
        LearningSite.objects.filter(organization__kind__in=kinds, is_active=True)
        .select_related("organization")
        .order_by("organization__code", "id")
    )
    for site in sites:
        providers.setdefault(site.organization_id, site)
    ordered = sorted(providers.values(), key=lambda s: kinds.index(s.organization.kind))
    needed = len(TITLES) * PROVIDERS_PER_TITLE
    if len(ordered) < needed:
        raise SystemExit(f"the demo city has {len(ordered)} providers with sites; need {needed}")

    # Seats: a fifth of the applications, spread over the classes (more in popular ones).
    seats_target = max(applications // 5, needed * CLASSES_PER_COURSE)
    specs: list[dict[str, Any]] = []
    for t, (_zh, _en, _category, popularity) in enumerate(TITLES):
        for p in range(PROVIDERS_PER_TITLE):
            course_index = t * PROVIDERS_PER_TITLE + p
            for n in range(CLASSES_PER_COURSE):
                specs.append(
                    {
                        "course": f"BURST-{t:02d}-{p}",
                        "title": t,
                        "site": ordered[course_index],
                        # Different weekdays for the classes of one course: (course, weekday)
                        # names a class.
                        "weekday": (t + p + n) % 7 + 1,
                        "slot": SLOTS[n % len(SLOTS)],
                        "base": rng.randint(18, 32) if t < POPULAR else rng.randint(8, 24),
                        "weight": popularity * rng.uniform(0.6, 1.4),
                        "first_come": t >= POPULAR and course_index % 10 == 3,
                    }
                )
    total_base = sum(s["base"] for s in specs)
    for spec in specs:
        spec["capacity"] = max(2, round(spec["base"] * seats_target / total_base))

    opens, closes = now - dt.timedelta(hours=1), now + dt.timedelta(days=2)
    starts_on = today + dt.timedelta(days=60)
    with transaction.atomic():
        term = catalog.term_create(
            actor=municipal,
            code=TERM_CODE,
            name_zh="2027年春季市民艺术夜校",
            name_en="Citizens' art night school, spring 2027",
            starts_on=starts_on,
            ends_on=starts_on + dt.timedelta(days=120),
            per_learner_cap=2,
            max_choices=5,
        )
        catalog.courses_bulk_create(
            actor=municipal,
            rows=[
                CourseRow(
                    code=f"BURST-{t:02d}-{p}",
                    provider_code=ordered[t * PROVIDERS_PER_TITLE + p].organization.code,
                    title_zh=zh,
                    title_en=en,
                    category=category,
                    hours=Decimal("30"),
                )
                for t, (zh, en, category, _popularity) in enumerate(TITLES)
                for p in range(PROVIDERS_PER_TITLE)
            ],
        )
        catalog.classes_bulk_create(
            actor=municipal,
            rows=[
                ClassRow(
                    course_code=spec["course"],
                    term_code=TERM_CODE,
                    weekday=spec["weekday"],
                    starts_at=dt.time(*spec["slot"][0]),
                    ends_at=dt.time(*spec["slot"][1]),
                    first_session_on=starts_on + dt.timedelta(days=spec["weekday"]),
                    sessions=15,
                    capacity=spec["capacity"],
                    applications_open_at=opens,
                    applications_close_at=closes,
                    site_id=spec["site"].pk,
                    rationing=Rationing.FIRST_COME if spec["first_come"] else Rationing.LOTTERY,
                    # Popular lottery classes keep a fifth of their seats for target groups.
                    group_quota=spec["capacity"] // 5
                    if spec["title"] < POPULAR and not spec["first_come"]
                    else 0,
                )
                for spec in specs
            ],
        )
    created = {
        (code, weekday): str(public_id)
        for code, weekday, public_id in Class.objects.filter(term=term).values_list(
            "course__code", "weekday", "public_id"
        )
    }
    for spec in specs:
        spec["id"] = created[(spec["course"], spec["weekday"])]
    classes_s = time.perf_counter() - started

    # Who applies, and what: each resident ranks 1-5 distinct classes, drawn by popularity.
    cumulative: list[float] = []
    running = 0.0
    for spec in specs:
        running += spec["weight"]
        cumulative.append(running)
    ks, kw = list(CHOICES_PER_RESIDENT), list(CHOICES_PER_RESIDENT.values())
    wanted: list[list[int]] = []
    remaining = applications
    while remaining > 0:
        k = min(rng.choices(ks, kw)[0], remaining)
        picked: list[int] = []
        while len(picked) < k:
            index = min(bisect.bisect_left(cumulative, rng.uniform(0, running)), len(specs) - 1)
            if index not in picked:
                picked.append(index)
        wanted.append(picked)
        remaining -= k
    # The demo's residents, in their order.
    learners = list(Learner.objects.filter(user__isnull=True).order_by("id")[: len(wanted)])
    if len(learners) < len(wanted):
        raise SystemExit(
            f"{len(wanted):,} residents apply but the city has {len(learners):,} without a "
            "login: raise BENCH_BURST_LEARNERS"
        )

    started_users = time.perf_counter()
    with transaction.atomic():
        users = users_bulk_create(
            actor=admin, rows=((f"burst-{learner.pk}", learner.name) for learner in learners)
        )
        tokens = api_tokens_bulk_create(actor=admin, users=users, name="burst")
        # Set-up shortcut, not a service: learners.services has no way to give existing
        # residents their logins in bulk (learner_register takes `user` only at registration).
        for learner, user in zip(learners, users, strict=True):
            learner.user = user
        Learner.objects.bulk_update(learners, ["user"], batch_size=1000)
        draw_token = api_token_create(actor=municipal, user=municipal, name="burst-draw")
    users_s = time.perf_counter() - started_users

    plan = {
        "term": TERM_CODE,
        "draw_token": draw_token.plaintext,
        "residents": [
            {
                "token": token.plaintext,
                "learner": str(learner.public_id),
                "choices": [[specs[i]["id"], rank] for rank, i in enumerate(picked, start=1)],
            }
            for learner, token, picked in zip(learners, tokens, wanted, strict=True)
        ],
    }
    (workdir / "plan.json").write_text(json.dumps(plan))
    popular_demand = sum(1 for picked in wanted for i in picked if specs[i]["title"] < POPULAR)
    return {
        "classes": len(specs),
        "lottery_classes": sum(1 for s in specs if not s["first_come"]),
        "first_come_classes": sum(1 for s in specs if s["first_come"]),
        "seats": sum(s["capacity"] for s in specs),
        "residents_applying": len(wanted),
        "applications_planned": applications,
        "popular_share": round(popular_demand / applications, 3),
        "classes_setup_s": round(classes_s, 1),
        "logins_setup_s": round(users_s, 1),
    }


def _close_windows() -> dict[str, Any]:
    """Close every window of the term, as the municipal administrator, through class_update."""
    _django()
    from django.db import transaction

    from learningcity.accounts.models import User
    from learningcity.catalog.models import Class
    from learningcity.catalog.services import class_update
    from learningcity.core import clock

    municipal = User.objects.get(username="municipal")
    started = time.perf_counter()
    now = clock.now()
    with transaction.atomic():
        ids = list(Class.objects.filter(term__code=TERM_CODE).values_list("public_id", flat=True))
        for public_id in ids:
            class_update(
                actor=municipal, public_id=public_id, changes={"applications_close_at": now}
            )
    return {"closed": len(ids), "close_s": round(time.perf_counter() - started, 2)}


# ---------------------------------------------------------------------------------------------
# The check (a child process with Django): every invariant against the database
# ---------------------------------------------------------------------------------------------


def _check(workdir: Path) -> dict[str, Any]:
    _django()
    from django.db.models import Count, F, Q

    from learningcity.catalog.choices import Rationing
    from learningcity.catalog.models import Class, Term
    from learningcity.core.models import IdempotencyRecord
    from learningcity.enrollment.choices import LIVE_STATUSES, SEAT_STATUSES, ApplicationStatus
    from learningcity.enrollment.models import Application, Draw

    plan = json.loads((workdir / "plan.json").read_text())
    key_target: dict[str, tuple[str, str]] = {}
    for r, resident in enumerate(plan["residents"]):
        for class_id, rank in resident["choices"]:
            key_target[_key(r, rank)] = (resident["learner"], class_id)
    acked: dict[str, set[str]] = defaultdict(set)
    retried: set[str] = set()
    sent: set[str] = set()
    for path in sorted(workdir.glob("burst-*.json")):
        part = json.loads(path.read_text())
        for _kind, _ms, status, key, answer in part["records"]:
            sent.add(key)
            if status == 201:
                acked[key].add(answer)
        retried.update(part["retried"])

    term = Term.objects.get(code=TERM_CODE)
    apps = Application.objects.filter(term=term)
    stored = {
        str(public_id): (str(learner), str(klass), status)
        for public_id, learner, klass, status in apps.values_list(
            "public_id", "learner__public_id", "klass__public_id", "status"
        )
    }
    per_pair: Counter[tuple[str, str]] = Counter((v[0], v[1]) for v in stored.values())
    acked_ids = {i for ids in acked.values() for i in ids}
    v: dict[str, int] = {}
    v["class_seats_over_capacity"] = Class.objects.filter(
        term=term, seats_taken__gt=F("capacity")
    ).count()
    holders = dict(
        apps.filter(status__in=SEAT_STATUSES)
        .values_list("klass_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    classes = list(Class.objects.filter(term=term).values_list("id", "capacity", "seats_taken"))
    v["class_places_over_capacity"] = sum(1 for i, cap, _t in classes if holders.get(i, 0) > cap)
    v["class_seat_count_mismatch"] = sum(
        1 for i, _c, taken in classes if holders.get(i, 0) != taken
    )
    v["learners_over_cap"] = (
        apps.filter(status__in=SEAT_STATUSES)
        .values("learner_id")
        .annotate(n=Count("id"))
        .filter(n__gt=term.per_learner_cap)
        .count()
    )
    v["acknowledged_missing"] = sum(1 for i in acked_ids if i not in stored)
    v["acknowledged_wrong_target"] = sum(
        1
        for key, ids in acked.items()
        for i in ids
        if i in stored and stored[i][:2] != key_target[key]
    )
    v["keys_with_two_ids"] = sum(1 for ids in acked.values() if len(ids) > 1)
    v["two_live_applications_same_class"] = (
        apps.filter(status__in=LIVE_STATUSES)
        .values("learner_id", "klass_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    v["two_applications_same_class"] = sum(1 for n in per_pair.values() if n > 1)
    v["retried_keys_duplicated"] = sum(1 for k in retried if per_pair[key_target[k]] > 1)
    v["retried_keys_lost"] = sum(1 for k in retried if acked.get(k) and per_pair[key_target[k]] < 1)
    v["undrawn_lottery_applications"] = apps.filter(
        status=ApplicationStatus.APPLIED, klass__rationing=Rationing.LOTTERY
    ).count()
    draw = Draw.objects.filter(term=term, klass__isnull=True).first()
    lottery_applications = apps.filter(klass__rationing=Rationing.LOTTERY).count()
    v["draw_missed_applications"] = (
        lottery_applications - draw.applications if draw else lottery_applications
    )
    keys_recorded = IdempotencyRecord.objects.filter(
        action="application.submit", actor__username__startswith="burst-"
    ).values("actor_id", "key")
    v["idempotency_keys_recorded_twice"] = (
        keys_recorded.annotate(n=Count("id")).filter(n__gt=1).count()
    )
    by_status = dict(apps.values_list("status").annotate(n=Count("id")).order_by())
    unacknowledged = sum(1 for i in stored if i not in acked_ids)
    return {
        "violations": v,
        "applications_stored": len(stored),
        "acknowledged_ids": len(acked_ids),
        "keys_sent": len(sent),
        "stored_not_acknowledged": unacknowledged,
        "retried_keys": len(retried),
        "by_status": by_status,
        "seats_taken": sum(t for _i, _c, t in classes),
        "capacity": sum(c for _i, c, _t in classes),
        "learners_holding_places": apps.filter(status__in=SEAT_STATUSES)
        .values("learner_id")
        .distinct()
        .count(),
        "first_come_waitlisted": apps.filter(
            Q(klass__rationing=Rationing.FIRST_COME), status=ApplicationStatus.WAITLISTED
        ).count(),
    }


def _key(resident: int, rank: int) -> str:
    return f"burst-{resident}-{rank}"


# ---------------------------------------------------------------------------------------------
# The client (a child process, no Django): keep-alive HTTP/1.1 over asyncio streams
# ---------------------------------------------------------------------------------------------


class Connection:
    """One keep-alive connection; a request lost with its connection is sent again, which is
    safe because every write carries its Idempotency-Key."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.resent = 0

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        for attempt in range(6):
            try:
                if self.writer is None:
                    await self.open()
                assert self.reader is not None and self.writer is not None
                self.writer.write(raw)
                return await asyncio.wait_for(self._response(), REQUEST_TIMEOUT_S)
            except (TimeoutError, OSError, asyncio.IncompleteReadError):
                self.close()
                self.resent += 1
                await asyncio.sleep(0.05 * (attempt + 1))
        return 0, b""

    async def _response(self) -> tuple[int, bytes]:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = None, False, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(p[:-2] for p in parts)
        else:
            body = await self.reader.readexactly(length or 0)
        if close:
            self.close()
        return status, body


def _raw(method: str, path: str, token: str, body: bytes = b"", key: str = "") -> bytes:
    head = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: Bearer {token}",
        "Accept-Language: en",
    ]
    if key:
        head.append(f"Idempotency-Key: {key}")
    if method == "POST":
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _answer(status: int, body: bytes) -> str:
    """For a 201 the application id (the acknowledgement); otherwise the error code."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if status == 201:
        return str(data.get("id", ""))
    return str(data.get("code", "")) if isinstance(data, dict) else ""


class Turns:
    """The next resident to serve, one counter for every client process: an integer in a
    file, taken and moved on under an exclusive lock (a few microseconds a resident)."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("r+b")

    @staticmethod
    def create(path: Path) -> None:
        path.write_bytes((0).to_bytes(8, "little"))

    def take(self) -> int:
        fcntl.flock(self.file, fcntl.LOCK_EX)
        try:
            self.file.seek(0)
            turn = int.from_bytes(self.file.read(8), "little")
            self.file.seek(0)
            self.file.write((turn + 1).to_bytes(8, "little"))
            self.file.flush()
            return turn
        finally:
            fcntl.flock(self.file, fcntl.LOCK_UN)


async def _burst_client(
    port: int,
    residents: list[dict[str, Any]],
    turns: Turns,
    deadline: float,
    retry_share: float,
    out: dict[str, Any],
) -> None:
    """One client: takes the next resident (from the counter all client processes share)
    and sends her ranked choices, until none is left, so every client keeps sending until
    the work runs out. Whether a resident's app repeats a request is hers (one resident in
    RETRYING_EVERY, with her own random numbers), whichever client happens to serve her."""
    conn, second = Connection(port), Connection(port)
    await conn.open()
    records: list[list[Any]] = out["records"]

    async def send(c: Connection, raw: bytes, kind: str, key: str) -> None:
        started = time.perf_counter()
        status, body = await c.request(raw)
        ms = (time.perf_counter() - started) * 1000
        records.append([kind, round(ms, 2), status, key, _answer(status, body)])
        out["done_at"].append(time.monotonic())

    while (r := turns.take()) < len(residents):
        resident = residents[r]
        retrying = r % RETRYING_EVERY == 0
        rng = random.Random(f"burst-resident/{r}")
        for class_id, rank in resident["choices"]:
            if time.monotonic() >= deadline:
                out["stopped_early"] = True
                break
            key = _key(r, rank)
            body = json.dumps({"class_id": class_id, "rank": rank}).encode()
            raw = _raw("POST", "/api/v1/applications", resident["token"], body, key)
            repeat = retrying and rng.random() < retry_share
            if repeat and rng.random() < DOUBLE_TAP_SHARE:  # two at once, two connections
                out["retried"].append(key)
                await asyncio.gather(
                    send(conn, raw, "double", key), send(second, raw, "double", key)
                )
            else:
                await send(conn, raw, "first", key)
                if repeat:  # the answer was "lost": the app sends it again
                    out["retried"].append(key)
                    await send(conn, raw, "again", key)
        else:
            continue
        break
    out["resent"] += conn.resent + second.resent
    out["client_ends"].append(time.monotonic())
    conn.close()
    second.close()


async def _trivial_client(
    port: int, token: str, deadline: float, limit: int, out: dict[str, Any]
) -> None:
    conn = Connection(port)
    await conn.open()
    raw = _raw("GET", "/api/v1/me", token)
    for _n in range(limit):
        if time.monotonic() >= deadline:
            break
        started = time.perf_counter()
        status, _body = await conn.request(raw)
        out["records"].append(["me", round((time.perf_counter() - started) * 1000, 2), status])
    out["resent"] += conn.resent
    conn.close()


def _results() -> dict[str, Any]:
    """What a client process records, and what the runner merges them into."""
    return {
        "records": [],
        "retried": [],
        "resent": 0,
        "stopped_early": False,
        "done_at": [],
        "client_ends": [],
    }


def _client_process(mode: str, workdir: Path, part: int, parts: int, port: int) -> None:
    """Runs in a client process: connect, say "ready", wait for "go", run, write results."""
    plan = json.loads((workdir / "plan.json").read_text())
    clients = _int_env("BENCH_BURST_CLIENTS", 64)
    mine = [c for c in range(clients) if c % parts == part]
    residents = list(enumerate(plan["residents"]))
    out = _results()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()  # "go"
    started = time.monotonic()
    cpu = time.process_time()
    if mode in ("trivial", "warmup"):
        seconds = _float_env("BENCH_BURST_TRIVIAL_S", 20.0) if mode == "trivial" else 3.0
        limit = _int_env("BENCH_BURST_TRIVIAL_COUNT", 10**9) // max(clients, 1)
        jobs = [
            _trivial_client(port, residents[c][1]["token"], started + seconds, limit, out)
            for c in mine
        ]
    else:
        deadline = started + _float_env("BENCH_BURST_TIME_LIMIT_S", 600.0)
        share = _float_env("BENCH_BURST_RETRY_SHARE", 0.25)
        turns = Turns(workdir / "turns")
        everyone = [resident for _r, resident in residents]
        jobs = [_burst_client(port, everyone, turns, deadline, share, out) for _c in mine]

    async def run_all() -> None:
        await asyncio.gather(*jobs)

    asyncio.run(run_all())
    out["started"], out["ended"] = started, time.monotonic()
    out["cpu_s"] = time.process_time() - cpu
    (workdir / f"{mode}-{part}.json").write_text(json.dumps(out))


def _run_clients(mode: str, workdir: Path, port: int, server: int) -> dict[str, Any]:
    """Start the client processes, release them together, gather what they recorded."""
    parts = max(1, _int_env("BENCH_BURST_PROCESSES", 2))
    Turns.create(workdir / "turns")
    children = [
        subprocess.Popen(
            [
                sys.executable,
                SCRIPT,
                "--client",
                mode,
                str(workdir),
                str(part),
                str(parts),
                str(port),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for part in range(parts)
    ]
    for child in children:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise SystemExit(f"{mode} client did not start")
    usage = Usage(server)
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    for child in children:
        if child.wait() != 0:
            raise SystemExit(f"{mode} client failed ({child.returncode})")
    merged = _results()
    client_cpu = 0.0
    starts, ends = [], []
    for part in range(parts):
        data = json.loads((workdir / f"{mode}-{part}.json").read_text())
        merged["records"] += data["records"]
        merged["retried"] += data["retried"]
        merged["resent"] += data["resent"]
        merged["stopped_early"] |= data["stopped_early"]
        merged["done_at"] += data["done_at"]
        merged["client_ends"] += data["client_ends"]
        starts.append(data["started"])
        ends.append(data["ended"])
        client_cpu += data["cpu_s"]
    merged["seconds"] = max(ends) - min(starts)
    merged["started"] = min(starts)
    requests = len(merged["records"])
    merged["usage"] = usage.since(requests)
    merged["usage"]["client_cpu_ms_per_request"] = round(client_cpu * 1000 / max(requests, 1), 2)
    return merged


# ---------------------------------------------------------------------------------------------
# One database, end to end (a child process, under with-postgres.sh for PostgreSQL)
# ---------------------------------------------------------------------------------------------


def _django_child(args: list[str], env: dict[str, str]) -> str:
    """Run a command of this project (or a mode of this script) and return what it printed."""
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stdout[-3000:] + out.stderr[-5000:])
        raise SystemExit(f"{' '.join(args[:3])} failed with exit status {out.returncode}")
    return out.stdout


def _wait_for(port: int, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited while starting; see gunicorn.log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/areas/310000")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in time")


def _latencies(records: list[list[Any]]) -> dict[str, float]:
    ms = [r[1] for r in records]
    return {
        "p50_ms": round(statistics.median(ms), 2) if ms else 0.0,
        "p90_ms": round(_percentile(ms, 0.90), 2),
        "p99_ms": round(_percentile(ms, 0.99), 2),
        "max_ms": round(max(ms), 2) if ms else 0.0,
    }


def _one_database(database: str, workdir: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="learningcity.settings",
        LEARNINGCITY_VAR_DIR=str(workdir),
        LEARNINGCITY_DEV_KEYS_OK="true",
        STATIC_MANIFEST="false",
    )
    if database == "sqlite":
        env.pop("DATABASE_URL", None)
    elif not env.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("postgresql needs DATABASE_URL (run under scripts/with-postgres.sh)")
    learners = _int_env("BENCH_BURST_LEARNERS", 20_000)
    result: dict[str, Any] = {"database": database}

    def say(line: str) -> None:
        print(f"[{database}] {line}", flush=True)

    started = time.perf_counter()
    _django_child(["-m", "learningcity", "migrate", "--noinput", "-v0"], env)
    result["migrate_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    seed = f"--scale {SEED_SCALE} --learners {learners} --seed 1".split()
    _django_child(["-m", "learningcity", "seed-demo", *seed], env)
    result["seed_s"] = round(time.perf_counter() - started, 1)
    say(
        f"migrated ({result['migrate_s']} s); demo city seeded with {learners:,} residents "
        f"({result['seed_s']} s)"
    )
    setup = json.loads(_django_child([SCRIPT, "--setup", str(workdir)], env).splitlines()[-1])
    result["setup"] = setup
    say(
        f"term {TERM_CODE}: {setup['classes']} classes ({setup['lottery_classes']} lottery, "
        f"{setup['first_come_classes']} first-come), {setup['seats']:,} seats; "
        f"{setup['residents_applying']:,} residents with logins and tokens will make "
        f"{setup['applications_planned']:,} applications ({setup['popular_share']:.0%} of them "
        f"to the 4 popular courses); set-up {setup['classes_setup_s']} s + "
        f"{setup['logins_setup_s']} s"
    )

    port = _free_port()
    log = open(workdir / "gunicorn.log", "wb")  # noqa: SIM115 - closed in the finally below
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "learningcity.wsgi:application", "--bind",
         f"127.0.0.1:{port}", *SERVER_OPTIONS],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for(port, server)
        say(f"gunicorn on 127.0.0.1:{port} ({' '.join(SERVER_OPTIONS)})")
        # Untimed: both workers import everything and open their database connections.
        _run_clients("warmup", workdir, port, server.pid)
        result["trivial_before"] = _trivial(workdir, port, server.pid, "before", say)

        burst = _run_clients("burst", workdir, port, server.pid)
        result["burst"] = _burst_figures(burst)
        b = result["burst"]
        say(
            f"burst: {b['requests']:,} POST /api/v1/applications ({b['keys']:,} applications, "
            f"{b['repeats']:,} deliberate repeats) in {b['seconds']} s = "
            f"{b['requests_per_s']:,} req/s ({b['requests_per_s_all_clients_active']:,} req/s in "
            f"the first {b['all_clients_active_s']} s, while all clients were sending); "
            f"acknowledged {b['acknowledged']:,}; p50 "
            f"{b['p50_ms']} ms, p90 {b['p90_ms']} ms, p99 {b['p99_ms']} ms, max {b['max_ms']} ms"
        )
        say(
            f"answers: {b['statuses']}; refusals: {b['refusals']}; repeats: {b['repeat_outcomes']}"
            + ("; STOPPED EARLY at the time limit" if b["stopped_early"] else "")
        )
        say(_usage_line(b["usage"]))
        result["trivial_after"] = _trivial(workdir, port, server.pid, "after", say)
        before, after = result["trivial_before"], result["trivial_after"]
        result["trivial"] = {
            "requests_per_s": round((before["requests_per_s"] + after["requests_per_s"]) / 2, 1),
            "p50_ms": round((before["p50_ms"] + after["p50_ms"]) / 2, 2),
            "server_cpu_ms_per_request": round(
                (before["usage"]["server_cpu_ms_per_request"]
                 + after["usage"]["server_cpu_ms_per_request"]) / 2, 2
            ),
            "database_cpu_ms_per_request": round(
                (before["usage"]["database_cpu_ms_per_request"]
                 + after["usage"]["database_cpu_ms_per_request"]) / 2, 2
            ),
        }  # fmt: skip

        closing = json.loads(_django_child([SCRIPT, "--close", str(workdir)], env).splitlines()[-1])
        result.update(closing)
        plan = json.loads((workdir / "plan.json").read_text())
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request(
            "POST",
            f"/api/v1/terms/{TERM_CODE}/draw",
            headers={"Authorization": f"Bearer {plan['draw_token']}"},
        )
        response = conn.getresponse()
        body = response.read()
        result["draw_http_s"] = round(time.perf_counter() - started, 2)
        result["draw_status"] = response.status
        try:
            drawn = json.loads(body)
        except ValueError:
            drawn = {"error": body[:500].decode(errors="replace")}
        result["draw"] = drawn
        result["lottery_s"] = drawn.get("seconds")
        say(
            f"windows closed ({result['closed']} classes, {result['close_s']} s); draw: HTTP "
            f"{response.status} in {result['draw_http_s']} s, the draw itself "
            f"{result['lottery_s']} s: {drawn.get('applications')} lottery applications, "
            f"{drawn.get('offered')} offered, {drawn.get('waitlisted')} waitlisted"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    server_log = (workdir / "gunicorn.log").read_text(errors="replace")
    result["server_errors_logged"] = server_log.count("Traceback")
    if result["server_errors_logged"]:
        first = server_log.index("Traceback")
        say(f"the server logged {result['server_errors_logged']} tracebacks; the first:")
        print(server_log[first : first + 3000], flush=True)

    check = json.loads(_django_child([SCRIPT, "--check", str(workdir)], env).splitlines()[-1])
    started = time.perf_counter()
    verify = subprocess.run(
        [sys.executable, "-m", "learningcity", "lottery", "verify", TERM_CODE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    result["verify_s"] = round(time.perf_counter() - started, 2)
    result["verify"] = (verify.stdout + verify.stderr).strip().splitlines()[-1:]
    violations = dict(check.pop("violations"))
    violations["lottery_does_not_verify"] = int(verify.returncode != 0)
    violations["draw_failed"] = int(result.get("draw_status") != 200)
    result["check"] = check
    result["violations_by_kind"] = violations
    result["violations"] = sum(violations.values())
    say(f"lottery verify ({result['verify_s']} s): {' '.join(result['verify'])}")
    say(
        f"database: {check['applications_stored']:,} applications stored, "
        f"{check['acknowledged_ids']:,} acknowledged ids, {check['stored_not_acknowledged']} "
        f"stored without an acknowledgement; {check['seats_taken']:,} of {check['capacity']:,} "
        f"seats taken by {check['learners_holding_places']:,} residents; {check['by_status']}"
    )
    bad = {k: n for k, n in violations.items() if n}
    say(f"violations: {result['violations']} {bad if bad else '(every invariant holds)'}")
    return result


def _trivial(
    workdir: Path, port: int, server: int, when: str, say: Callable[[str], None]
) -> dict[str, Any]:
    """The baseline: GET /api/v1/me from the same clients, for BENCH_BURST_TRIVIAL_S."""
    trivial = _run_clients("trivial", workdir, port, server)
    ok = [r for r in trivial["records"] if r[2] == 200]
    figures = {
        "requests": len(trivial["records"]),
        "non_200": len(trivial["records"]) - len(ok),
        "seconds": round(trivial["seconds"], 2),
        "requests_per_s": round(len(ok) / trivial["seconds"], 1),
        **_latencies(trivial["records"]),
        "usage": trivial["usage"],
    }
    say(
        f"trivial GET /api/v1/me ({when} the burst): {figures['requests']:,} in "
        f"{figures['seconds']} s = {figures['requests_per_s']:,} req/s; p50 "
        f"{figures['p50_ms']} ms, p99 {figures['p99_ms']} ms"
    )
    say(_usage_line(figures["usage"]))
    return figures


def _usage_line(usage: dict[str, float]) -> str:
    return (
        f"  CPU: machine {usage['machine_busy']:.0%} busy of {usage['cores']} cores (load "
        f"{usage['load_before']} -> {usage['load_after']}); per request: app server "
        f"{usage['server_cpu_ms_per_request']} ms, PostgreSQL "
        f"{usage['database_cpu_ms_per_request']} ms, clients "
        f"{usage['client_cpu_ms_per_request']} ms"
    )


def _burst_figures(burst: dict[str, Any]) -> dict[str, Any]:
    records = burst["records"]
    keys = {r[3] for r in records}
    acknowledged = {r[4] for r in records if r[2] == 201}
    statuses = Counter(str(r[2]) for r in records)
    refusals = Counter(r[4] for r in records if r[2] not in (201, 0))
    by_key: dict[str, list[list[Any]]] = defaultdict(list)
    for r in records:
        by_key[r[3]].append(r)
    outcomes: Counter[str] = Counter()
    for key in set(burst["retried"]):
        answers = by_key[key]
        ids = {a[4] for a in answers if a[2] == 201}
        kind = answers[-1][0]
        codes = "+".join(sorted(str(a[2]) for a in answers))
        outcomes[f"{kind} {codes}{' same id' if len(ids) == 1 and codes == '201+201' else ''}"] += 1
    seconds = burst["seconds"]
    # Diagnostic, not the headline: the rate while every client was still sending (until the
    # first one ran out of applications); the tail after it runs with fewer clients.
    first_done = min(burst["client_ends"], default=burst["started"] + seconds)
    all_active_s = max(first_done - burst["started"], 1e-9)
    in_window = sum(1 for t in burst["done_at"] if t <= first_done)
    return {
        "all_clients_active_s": round(all_active_s, 2),
        "requests_per_s_all_clients_active": round(in_window / all_active_s, 1),
        "requests": len(records),
        "keys": len(keys),
        "repeats": len(records) - len(keys),
        "acknowledged": len(acknowledged),
        "seconds": round(seconds, 2),
        "requests_per_s": round(len(records) / seconds, 1),
        "acknowledged_per_s": round(len(acknowledged) / seconds, 1),
        "statuses": dict(sorted(statuses.items())),
        "refusals": dict(refusals.most_common()),
        "repeat_outcomes": dict(outcomes.most_common()),
        "transport_resends": burst["resent"],
        "stopped_early": burst["stopped_early"],
        **_latencies(records),
        "usage": burst["usage"],
    }


# ---------------------------------------------------------------------------------------------
# The parent: each database in its own child, then the summary and the JSON line
# ---------------------------------------------------------------------------------------------


def _database_in_child(database: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"lc-bench-burst-{database}-") as var_dir:
        command = [sys.executable, SCRIPT, "--database", database, var_dir]
        if database == "postgresql":
            command = [str(ROOT / "scripts" / "with-postgres.sh"), *command]
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        status = subprocess.run(command, cwd=ROOT, env=env).returncode
        result_file = Path(var_dir) / "result.json"
        if status != 0 or not result_file.exists():
            return {"database": database, "error": f"failed with exit status {status}"}
        return dict(json.loads(result_file.read_text()))


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    if "error" in result:
        return {"error": result["error"]}
    burst, trivial = result["burst"], result["trivial"]
    rate = burst["requests_per_s"]
    return {
        "applications_per_s": rate,
        "p50_ms": burst["p50_ms"],
        "p99_ms": burst["p99_ms"],
        "ratio_to_trivial": round(rate / trivial["requests_per_s"], 3),
        "lottery_s": result["lottery_s"],
        "violations": result["violations"],
        "trivial_rps": trivial["requests_per_s"],
        "trivial_rps_before_after": [
            result["trivial_before"]["requests_per_s"],
            result["trivial_after"]["requests_per_s"],
        ],
        "trivial_p50_ms": trivial["p50_ms"],
        "server_cpu_ms_per_application": burst["usage"]["server_cpu_ms_per_request"],
        "server_cpu_ms_per_trivial": trivial["server_cpu_ms_per_request"],
        "database_cpu_ms_per_application": burst["usage"]["database_cpu_ms_per_request"],
        "database_cpu_ms_per_trivial": trivial["database_cpu_ms_per_request"],
        "machine_busy_burst": burst["usage"]["machine_busy"],
        "load_during_burst": burst["usage"]["load_after"],
        "applications": burst["keys"],
        "requests": burst["requests"],
        "acknowledged": burst["acknowledged"],
        "acknowledged_per_s": burst["acknowledged_per_s"],
        "p90_ms": burst["p90_ms"],
        "max_ms": burst["max_ms"],
        "burst_s": burst["seconds"],
        "all_clients_active_s": burst["all_clients_active_s"],
        "applications_per_s_all_clients_active": burst["requests_per_s_all_clients_active"],
        "stopped_early": burst["stopped_early"],
        "statuses": burst["statuses"],
        "transport_resends": burst["transport_resends"],
        "repeats": burst["repeats"],
        "retried_keys": result["check"]["retried_keys"],
        "server_errors": result["server_errors_logged"],
        "lottery_http_s": result["draw_http_s"],
        "offered": result["draw"].get("offered"),
        "waitlisted": result["draw"].get("waitlisted"),
        "verify_s": result["verify_s"],
        "violations_by_kind": {k: n for k, n in result["violations_by_kind"].items() if n},
        "classes": result["setup"]["classes"],
        "seats": result["setup"]["seats"],
        "residents_applying": result["setup"]["residents_applying"],
        "setup_s": round(
            result["migrate_s"]
            + result["seed_s"]
            + result["setup"]["classes_setup_s"]
            + result["setup"]["logins_setup_s"],
            1,
        ),
    }


def main() -> None:
    databases = [
        d.strip()
        for d in os.environ.get("BENCH_BURST_DATABASES", "sqlite,postgresql").split(",")
        if d.strip()
    ]
    unknown = set(databases) - {"sqlite", "postgresql"}
    if unknown:
        raise SystemExit(f"unknown database(s): {', '.join(sorted(unknown))}")
    print(
        f"enrollment burst: {_int_env('BENCH_BURST_APPLICATIONS', 50_000):,} applications from "
        f"{_int_env('BENCH_BURST_CLIENTS', 64)} keep-alive clients, time limit "
        f"{_float_env('BENCH_BURST_TIME_LIMIT_S', 600):.0f} s per database",
        flush=True,
    )
    figures = {database: _summary(_database_in_child(database)) for database in databases}
    print()
    print(
        f"{'':<12}{'apps/s':>9}{'trivial/s':>11}{'ratio':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'lottery s':>11}{'violations':>12}"
    )
    for database, f in figures.items():
        if "error" in f:
            print(f"{database:<12}{f['error']}")
            continue
        print(
            f"{database:<12}{f['applications_per_s']:>9,.1f}{f['trivial_rps']:>11,.1f}"
            f"{f['ratio_to_trivial']:>8.3f}{f['p50_ms']:>9.1f}{f['p99_ms']:>9.1f}"
            f"{f['lottery_s'] if f['lottery_s'] is not None else float('nan'):>11.2f}"
            f"{f['violations']:>12}"
        )
    print(json.dumps(figures))
    if any("error" in f for f in figures.values()):
        sys.exit(1)  # a database could not be measured (violations are figures, not failures)


def _child_main(argv: list[str]) -> None:
    mode = argv[0]
    if mode == "--database":
        database, workdir = argv[1], Path(argv[2])
        result = _one_database(database, workdir)
        (workdir / "result.json").write_text(json.dumps(result))
    elif mode == "--setup":
        print(json.dumps(_setup(Path(argv[1]))))
    elif mode == "--close":
        print(json.dumps(_close_windows()))
    elif mode == "--check":
        print(json.dumps(_check(Path(argv[1]))))
    elif mode == "--client":
        _client_process(argv[1], Path(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        _child_main(sys.argv[1:])
    else:
        main()
