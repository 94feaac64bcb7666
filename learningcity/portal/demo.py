"""The demo city: Shanghai's learning network and its residents, built through the services.

`seed_demo()` is deterministic: the same scale, learner count and seed give the same areas,
organizations, sites, staff and residents, whatever the day or machine (demo_plan and
demo_people hold the pure, seeded generators). Nothing here writes a model: the handful of
named objects go through the per-row services, the thousands through the network's bulk
services and `learners_bulk_register`, a chunk of residents per transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import Count

from learningcity.accounts.models import User
from learningcity.accounts.services import totp_check, totp_enrol, user_create
from learningcity.core import clock, totp
from learningcity.core.models import AuditEntry
from learningcity.core.services import audit_record
from learningcity.learners.models import Learner
from learningcity.learners.services import learner_register, learners_bulk_register
from learningcity.network import services as network
from learningcity.network.choices import AreaLevel, OrganizationKind, StaffRoleKind
from learningcity.network.data import StaffGrantRow
from learningcity.network.models import Area, LearningSite, Organization, StaffRole
from learningcity.network.selectors import organization_get
from learningcity.portal import demo_names as names
from learningcity.portal.demo_catalog import seed_catalog
from learningcity.portal.demo_communities import seed_communities
from learningcity.portal.demo_credentials import seed_credentials
from learningcity.portal.demo_creditbank import seed_creditbank
from learningcity.portal.demo_enrollment import seed_applications
from learningcity.portal.demo_events import seed_events
from learningcity.portal.demo_funding import seed_funding
from learningcity.portal.demo_monitoring import seed_monitoring
from learningcity.portal.demo_people import NON_LOCAL_SHARE, Home, Residents
from learningcity.portal.demo_plan import (
    ADVISORY_OFFICE,
    CITY_CODE,
    CITY_NON_LOCAL,
    CITY_OVER_65,
    CITY_POPULATION,
    COMMISSION,
    COMMITTEE,
    SERVICE_CENTER,
    NetworkPlan,
    Place,
    area_rows,
    plan_geography,
)
from learningcity.portal.demo_xapi import seed_xapi

DEMO_PASSWORD = "learningcity-demo"  # noqa: S105 - the published password of the demo logins
# The published authenticator key of the demo's staff logins (add it to any authenticator
# app, or run `learningcity two-factor-code USERNAME`); real logins each get their own.
DEMO_TOTP_SECRET = "LEARNINGCITYDEMO"  # noqa: S105 - published, like the demo password
LEARNER_CHUNK = 50_000  # residents per learners_bulk_register call, i.e. per transaction
HUANGPU, XUHUI = "310101", "310104"  # the districts of the demo's district logins
RESIDENT_BIRTH_DATE = dt.date(1961, 4, 18)  # the demo resident is 65: elder offers apply

# What each demo login is for, in the order they are printed.
DEMO_LOGIN_ROLES: dict[str, str] = {
    "admin": "superuser: everything, including the Django admin at /admin/",
    "municipal": "the whole city: every district, provider and resident; dashboards",
    "huangpu": "Huangpu only: its towns, providers, sites and residents; grants staff",
    "xuhui": "Xuhui only: the same for Xuhui, and nothing of Huangpu",
    "town": "one town: registers and updates its residents and providers",
    "school": "one community school: its sites, team applications, its xAPI platform",
    "assessor": "credit-bank assessor at the Service Center: standards, reviews, conversions",
    "finance": "municipal finance officer: budgets, commitments, settlements, flags, reports",
    "huangpu-finance": "Huangpu's finance officer: the same for Huangpu only",
    "resident": "a resident: applications, credit bank, event tickets, her learning team",
}

Log = Callable[[str], None]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    can: str
    where: str


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]
    seconds: float


SEEDED_ACTION = "demo.seeded"


def city_loaded() -> bool:
    return Area.objects.filter(level=AreaLevel.CITY).exists()


def seed_completed() -> bool:
    """Whether a seed ran to its end; residents load in several transactions, so a city
    alone may be a load that was interrupted."""
    return AuditEntry.objects.filter(action=SEEDED_ACTION).exists()


def demo_users_exist() -> bool:
    return User.objects.filter(username__in=list(DEMO_LOGIN_ROLES)).exists()


def seed_demo(*, scale: float, learners: int, seed: int, log: Log | None = None) -> Summary:
    """Build the demo city into an empty database. `learners` counts the demo resident.

    The network is one transaction, so a failure leaves nothing behind; residents then
    follow in transactions of LEARNER_CHUNK, each reported through `log`.
    """
    say = log or (lambda _line: None)
    started = time.perf_counter()
    with transaction.atomic():
        admin = user_create(
            actor=None,
            username="admin",
            password=DEMO_PASSWORD,
            display_name="Demo administrator",
            is_staff=True,
            is_superuser=True,
        )
        districts = plan_geography(seed, scale)
        area_ids = _write_geography(admin, districts, say)
        plan = NetworkPlan(districts, seed=seed, scale=scale)
        _write_network(admin, plan, say)
        _write_staff(admin, plan, seed, say)
        residents = Residents(_homes(districts, area_ids), [d.code for d in districts], seed)
        _write_demo_resident(admin, residents, districts, area_ids, seed)
    _write_residents(admin, residents, learners - 1, say)
    seed_catalog(admin, seed=seed, log=say)
    seed_applications(admin, seed=seed, scale=scale, log=say)
    with transaction.atomic():
        seed_funding(admin, seed=seed, scale=scale, password=DEMO_PASSWORD, log=say)
    with transaction.atomic():
        seed_creditbank(admin, password=DEMO_PASSWORD, seed=seed, scale=scale, log=say)
    with transaction.atomic():
        issued = seed_credentials(admin)
        say(f"credentials: {len(issued)} signed")
    seed_events(admin, seed=seed, scale=scale, log=say)  # its own transactions
    with transaction.atomic():
        seed_communities(admin, seed=seed, scale=scale, log=say)
    seed_xapi(admin, seed=seed, scale=scale, log=say)
    # Last: the indicators read what every other seed wrote.
    seed_monitoring(admin, seed=seed, scale=scale, log=say)
    with transaction.atomic():
        say(f"authenticator apps: {_write_second_factors()} demo logins")
    with transaction.atomic():
        audit_record(
            actor=admin,
            action=SEEDED_ACTION,
            subject="demo",
            data={"scale": scale, "learners": learners, "seed": seed},
        )
    return Summary(counts=city_counts(), seconds=time.perf_counter() - started)


def _write_second_factors() -> int:
    """Every demo login that needs a one-time code gets the published demo key, set up as if
    its owner had scanned it and typed the code of the moment before."""
    logins = User.objects.filter(requires_second_factor=True).exclude(
        password__startswith=UNUSABLE_PASSWORD_PREFIX
    )
    count = 0
    for user in logins:
        totp_enrol(user=user, secret=DEMO_TOTP_SECRET)
        totp_check(user=user, code=totp.code_at(DEMO_TOTP_SECRET, totp.step_at(clock.now()) - 1))
        count += 1
    return count


def _write_geography(admin: User, districts: list[Place], say: Log) -> dict[str, int]:
    started = time.perf_counter()
    city = network.area_create(
        actor=admin,
        code=CITY_CODE,
        level=AreaLevel.CITY,
        name_zh="上海市",
        name_en="Shanghai",
        population=CITY_POPULATION,
        population_over_65=CITY_OVER_65,
        population_non_local=CITY_NON_LOCAL,
    )
    area_ids = network.areas_bulk_create(actor=admin, rows=area_rows(districts, CITY_CODE))
    towns = sum(len(d.children) for d in districts)
    say(
        f"areas: 1 city, {len(districts)} districts, {towns:,} towns, "
        f"{len(area_ids) - len(districts) - towns:,} neighbourhoods "
        f"({time.perf_counter() - started:.1f} s)"
    )
    for code, kind, name_zh, name_en, parent in (
        (COMMISSION, OrganizationKind.EDUCATION_COMMISSION, "上海市教育委员会",
         "Shanghai Municipal Education Commission", None),
        (COMMITTEE, OrganizationKind.ADVISORY_COMMITTEE,
         "上海市学习型社会建设与终身教育促进委员会",
         "Shanghai Committee for Building a Learning Society and Promoting Lifelong Education",
         None),
        (ADVISORY_OFFICE, OrganizationKind.ADVISORY_OFFICE,
         "上海市学习型社会建设与终身教育促进委员会办公室",
         "Office of the Shanghai Committee for Building a Learning Society", COMMITTEE),
        (SERVICE_CENTER, OrganizationKind.SERVICE_CENTER,
         "上海开放大学（上海市学习型社会建设服务指导中心）",
         "Shanghai Open University (Learning Society Service Center)", None),
    ):  # fmt: skip
        network.organization_create(
            actor=admin,
            code=code,
            kind=kind,
            name_zh=name_zh,
            name_en=name_en,
            area=city,
            parent=organization_get(code=parent) if parent else None,
        )
    return area_ids


def _write_network(admin: User, plan: NetworkPlan, say: Log) -> None:
    for label, rows in plan.all_groups():
        started = time.perf_counter()
        created = network.organizations_bulk_create(actor=admin, rows=rows)
        say(f"organizations, {label}: {len(created):,} ({time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    sites = network.sites_bulk_create(actor=admin, rows=plan.sites)
    say(f"learning sites: {sites:,} ({time.perf_counter() - started:.1f} s)")


def _write_staff(admin: User, plan: NetworkPlan, seed: int, say: Log) -> None:
    """One member of staff per office and school; the named demo logins take their posts."""
    started = time.perf_counter()
    rng = random.Random(f"{seed}/staff")  # noqa: S311 - demo data, not secrets
    huangpu_town = _huangpu(plan.districts).children[0].code
    named: dict[tuple[str, str], str] = {
        (COMMISSION, StaffRoleKind.ADMIN): "municipal",
        (f"{HUANGPU}-OFFICE", StaffRoleKind.ADMIN): "huangpu",
        (f"{XUHUI}-OFFICE", StaffRoleKind.ADMIN): "xuhui",
        (f"{huangpu_town}-OFFICE", StaffRoleKind.REGISTRAR): "town",
        (f"{huangpu_town}-CS", StaffRoleKind.ADMIN): "school",
    }
    grants: list[StaffGrantRow] = []
    for org_code, role in [(COMMISSION, StaffRoleKind.ADMIN), *plan.staff]:
        username = named.get((org_code, role))
        user = user_create(
            actor=admin,
            username=username or f"staff-{org_code.lower()}",
            password=DEMO_PASSWORD if username else None,
            display_name=names.person_name(rng, male=rng.random() < 0.5, birth_year=1980),
        )
        if username:
            org = organization_get(code=org_code)
            network.staff_role_grant(actor=admin, user=user, organization=org, role=role)
        else:
            grants.append(StaffGrantRow(user_id=user.pk, organization_code=org_code, role=role))
    network.staff_roles_bulk_grant(actor=admin, grants=grants)
    say(f"staff: {len(grants) + len(named):,} ({time.perf_counter() - started:.1f} s)")


def _homes(districts: list[Place], area_ids: dict[str, int]) -> list[Home]:
    """Every neighbourhood as a home; a district's non-local share follows the census
    pattern, scaled so that NON_LOCAL_SHARE of all residents are non-local."""
    scale = NON_LOCAL_SHARE / (CITY_NON_LOCAL / CITY_POPULATION)
    return [
        Home(
            area_id=area_ids[n.code],
            district=i,
            population=n.population,
            non_local_share=min(0.95, scale * d.non_local / d.population),
        )
        for i, d in enumerate(districts)
        for t in d.children
        for n in t.children
    ]


def _huangpu(districts: list[Place]) -> Place:
    return next(d for d in districts if d.code == HUANGPU)


def _write_demo_resident(
    admin: User, residents: Residents, districts: list[Place], area_ids: dict[str, int], seed: int
) -> None:
    """The `resident` login: a learner in Huangpu's first neighbourhood."""
    neighbourhood = _huangpu(districts).children[0].children[0]
    home = next(h for h in residents.homes if h.area_id == area_ids[neighbourhood.code])
    rng = random.Random(f"{seed}/demo-resident")  # noqa: S311 - demo data, not secrets
    row = residents.person(rng, home, born=RESIDENT_BIRTH_DATE, male=False)
    user = user_create(
        actor=admin, username="resident", password=DEMO_PASSWORD, display_name=row.name
    )
    learner_register(
        actor=admin,
        name=row.name,
        birth_date=row.birth_date,
        gender=row.gender,
        residence_area_code=neighbourhood.code,
        household=row.household,
        id_number=row.id_number,
        phone=row.phone,
        preferred_language="zh-hans",
        user=user,
    )


def _write_residents(admin: User, residents: Residents, count: int, say: Log) -> None:
    started = time.perf_counter()
    rows = residents.rows(count)
    done = 0
    while done < count:
        size = min(LEARNER_CHUNK, count - done)
        learners_bulk_register(actor=admin, rows=itertools.islice(rows, size))
        done += size
        elapsed = time.perf_counter() - started
        say(f"residents: {done + 1:,} of {count + 1:,} ({done / elapsed:,.0f}/s, {elapsed:.0f} s)")


def city_counts() -> dict[str, int]:
    """How many of each thing the database holds, for the summary."""
    counts: dict[str, int] = {}
    levels = Area.objects.values_list("level").annotate(n=Count("id")).order_by("level")
    counts.update((f"areas.{level}", n) for level, n in levels)
    kinds = Organization.objects.values_list("kind").annotate(n=Count("id")).order_by("kind")
    counts.update((f"organizations.{kind}", n) for kind, n in kinds)
    counts["organizations"] = Organization.objects.count()
    counts["sites"] = LearningSite.objects.count()
    counts["staff_roles"] = StaffRole.objects.count()
    counts["users"] = User.objects.count()
    counts["learners"] = Learner.objects.count()
    return counts


def demo_logins() -> list[DemoLogin]:
    """The demo logins present in the database, with the post each one holds."""
    where: dict[str, str] = {"admin": "the whole platform"}
    posts = StaffRole.objects.filter(user__username__in=list(DEMO_LOGIN_ROLES)).values_list(
        "user__username", "role", "organization__name_zh", "organization__name_en"
    )
    for username, role, name_zh, name_en in posts:
        where[username] = f"{role} at {name_zh} ({name_en})"
    homes = Learner.objects.filter(user__username="resident").values_list(
        "residence_area__name_zh", "residence_area__name_en"
    )
    for name_zh, name_en in homes:
        where["resident"] = f"lives in {name_zh} ({name_en})"
    present = set(
        User.objects.filter(username__in=list(DEMO_LOGIN_ROLES)).values_list("username", flat=True)
    )
    return [
        DemoLogin(username, can, where.get(username, ""))
        for username, can in DEMO_LOGIN_ROLES.items()
        if username in present
    ]
