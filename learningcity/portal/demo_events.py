"""The demo's Lifelong Learning Week: this year's edition, with events in every district (at
learning sites of that district's providers) and a few city-wide ones; residents of each
district registered (the popular ones full, with a waiting list); the events running today
already checking people in. Everything goes through the events services, as organizers and
residents would.

The `resident` login holds a ticket (with its QR code) for a coming lecture, and attended one
today that counts in the credit bank, so her credit bank shows it."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from learningcity.accounts.models import User
from learningcity.core import clock
from learningcity.core.errors import DomainError
from learningcity.events import services as events
from learningcity.events.choices import EventKind
from learningcity.events.models import Edition, Event
from learningcity.learners.models import Learner
from learningcity.network.choices import AreaLevel
from learningcity.network.models import Area, LearningSite, Organization

Log = Callable[[str], None]

COMMISSION = "SH-EDU"
HUANGPU = "310101"
# Events per district at scale 1 (a real week has about 3,200 across the city's districts;
# the demo keeps a tenth of that shape), never fewer than two.
EVENTS_PER_DISTRICT = 20
RESIDENTS_PER_DISTRICT = 400  # the pool each district's registrations are drawn from
THEME = ("学习，让城市更美好", "Learning makes the city better")

TITLES: dict[str, list[tuple[str, str]]] = {
    EventKind.LECTURE: [
        ("城市记忆：老建筑里的故事", "City memory: stories in old buildings"),
        ("健康老龄化讲座", "Healthy ageing: a lecture"),
        ("家庭教育公开课", "An open class on family education"),
        ("智能手机防诈骗讲座", "Staying safe from phone scams"),
    ],
    EventKind.EXHIBITION: [
        ("社区书画作品展", "Community calligraphy and painting exhibition"),
        ("终身学习成果展", "What we learned: a lifelong learning exhibition"),
    ],
    EventKind.READING_FESTIVAL: [
        ("社区读书节", "Community reading festival"),
        ("亲子共读日", "Parents and children reading together"),
    ],
    EventKind.LEARNING_WALK: [
        ("老城厢学习行走", "A learning walk through the old town"),
        ("滨江人文行走", "Riverside heritage walk"),
    ],
    EventKind.OPEN_DAY: [
        ("社区学校开放日", "Community school open day"),
        ("老年大学开放日", "Elder college open day"),
    ],
    EventKind.ONLINE_TALK: [
        ("线上讲堂：数字生活入门", "Online talk: getting started with digital life"),
    ],
    EventKind.WORKSHOP: [
        ("非遗剪纸工作坊", "Paper-cutting workshop (intangible heritage)"),
        ("茶艺体验课", "Tea ceremony taster"),
    ],
}
KINDS = list(TITLES)


def seed_events(admin: User, *, seed: int, scale: float, log: Log) -> dict[str, int]:
    """This year's Learning Week; returns counts of what was made."""
    rng = random.Random(f"{seed}/events")  # noqa: S311 - demo data, not secrets
    today = clock.today()
    with transaction.atomic():
        edition = events.edition_create(
            actor=admin,
            year=today.year,
            theme_zh=THEME[0],
            theme_en=THEME[1],
            starts_on=today - dt.timedelta(days=2),
            ends_on=today + dt.timedelta(days=7),
        )
    counts = {"events": 0, "registrations": 0, "check_ins": 0}
    per_district = max(2, round(EVENTS_PER_DISTRICT * scale))
    districts = list(Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code"))
    for district in districts:
        sites = list(
            LearningSite.objects.filter(area__path__startswith=district.path, is_active=True)
            .select_related("organization", "area")
            .order_by("id")[:200]
        )
        residents = list(
            Learner.objects.filter(residence_area__path__startswith=district.path)
            .exclude(user__username="resident")
            .order_by("id")[:RESIDENTS_PER_DISTRICT]
        )
        if not sites:
            continue
        with transaction.atomic():
            for index in range(per_district):
                # The first event of each district runs today: its door is checking people in.
                today_event = index == 0
                event = _event(admin, rng, edition, rng.choice(sites), today_event)
                _fill(admin, rng, event, residents, check_in=today_event, counts=counts)
                counts["events"] += 1
    with transaction.atomic():
        counts["events"] += _city_wide(admin, rng, edition)
        _demo_resident(admin, edition, counts)
    log(
        f"events: Learning Week {edition.year}, {counts['events']} events, "
        f"{counts['registrations']:,} registrations, {counts['check_ins']:,} check-ins"
    )
    return counts


def _when(rng: random.Random, today_event: bool) -> tuple[dt.datetime, dt.datetime]:
    now = clock.now().replace(second=0, microsecond=0)
    if today_event:
        starts = now - dt.timedelta(minutes=30)
    else:
        day = rng.randint(1, 6)
        hour = rng.choice([9, 10, 13, 14, 15, 19])
        local = timezone.localtime(now + dt.timedelta(days=day))
        starts = local.replace(hour=hour, minute=rng.choice([0, 30]))
    return starts, starts + dt.timedelta(hours=rng.choice([1, 2, 3]))


def _event(
    admin: User, rng: random.Random, edition: Edition, site: LearningSite, today_event: bool
) -> Event:
    kind = rng.choice(KINDS)
    title_zh, title_en = rng.choice(TITLES[kind])
    starts, ends = _when(rng, today_event)
    credit = kind in (EventKind.LECTURE, EventKind.WORKSHOP, EventKind.LEARNING_WALK)
    online = kind == EventKind.ONLINE_TALK
    return events.event_create(
        actor=admin,
        organizer=site.organization,
        site=None if online else site,
        kind=kind,
        title_zh=title_zh,
        title_en=title_en,
        description_zh=f"{THEME[0]}：{title_zh}。欢迎居民参加。",
        description_en=f"{THEME[1]}: {title_en}. All residents welcome.",
        starts_at=starts,
        ends_at=ends,
        capacity=rng.choice([20, 30, 40, 60, 100]) if not online else 300,
        edition=edition,
        registration_opens_at=clock.now() - dt.timedelta(days=3),
        registration_closes_at=ends - dt.timedelta(minutes=15),
        counts_for_credit=credit,
        credit_hours=Decimal((ends - starts).seconds // 3600) if credit else Decimal("0"),
    )


def _fill(
    admin: User,
    rng: random.Random,
    event: Event,
    residents: list[Learner],
    *,
    check_in: bool,
    counts: dict[str, int],
) -> None:
    """Residents register (about one event in four fills and gets a waiting list); at an
    event running today, most of those with a place have been checked in."""
    if not residents:
        return
    wanted = int(event.capacity * rng.choice([0.3, 0.5, 0.8, 1.2]))
    for learner in rng.sample(residents, min(wanted, len(residents))):
        registration = events.registration_create(actor=admin, learner=learner, event=event)
        counts["registrations"] += 1
        if check_in and registration.status == "registered" and rng.random() < 0.8:
            events.checkin_record(actor=admin, code=events.ticket_token(registration))
            counts["check_ins"] += 1


def _city_wide(admin: User, rng: random.Random, edition: Edition) -> int:
    """The opening ceremony and a city-wide online talk, by the education commission."""
    commission = Organization.objects.filter(code=COMMISSION).first()
    site = (
        LearningSite.objects.filter(area__path__startswith=f"{_city_path()}", is_active=True)
        .order_by("-capacity", "id")
        .first()
    )
    if commission is None:
        return 0
    now = clock.now().replace(second=0, microsecond=0)
    opening = now + dt.timedelta(days=1, hours=2)
    events.event_create(
        actor=admin,
        organizer=commission,
        site=site,
        kind=EventKind.OPEN_DAY,
        title_zh="全民终身学习活动周开幕式",
        title_en="Lifelong Learning Week: opening ceremony",
        description_zh="全市学习活动周开幕，发布年度“百姓学习之星”。",
        description_en="The city opens the week and announces this year's learning stars.",
        starts_at=opening,
        ends_at=opening + dt.timedelta(hours=2),
        capacity=500,
        edition=edition,
    )
    talk = now + dt.timedelta(days=3, hours=4)
    events.event_create(
        actor=admin,
        organizer=commission,
        kind=EventKind.ONLINE_TALK,
        title_zh="线上讲堂：终身学习与城市",
        title_en="Online talk: lifelong learning and the city",
        starts_at=talk,
        ends_at=talk + dt.timedelta(hours=1),
        capacity=5000,
        edition=edition,
        counts_for_credit=True,
        credit_hours=Decimal("1"),
    )
    return 2


def _city_path() -> str:
    city = Area.objects.filter(level=AreaLevel.CITY).first()
    return city.path if city else ""


def _demo_resident(admin: User, edition: Edition, counts: dict[str, int]) -> None:
    """The `resident` login: a ticket for a coming lecture that counts, and one attended
    today (so her credit bank shows it)."""
    resident = Learner.objects.filter(user__username="resident").select_related("user").first()
    if resident is None:
        return
    week = Event.objects.filter(
        edition=edition,
        counts_for_credit=True,
        site__isnull=False,
        seats_taken__lt=F("capacity"),
    )
    home = resident.residence_area.path.split("/")[1] if resident.residence_area else HUANGPU
    near = week.filter(district__code=home) or week
    now = clock.now()
    coming = near.filter(starts_at__gt=now).order_by("starts_at", "id").first()
    running = near.filter(starts_at__lte=now).order_by("starts_at", "id").first()
    for event, attend in ((running, True), (coming, False)):
        if event is None:
            continue
        try:
            registration = events.registration_create(
                actor=resident.user, learner=resident, event=event
            )
        except DomainError:
            continue
        counts["registrations"] += 1
        if attend and registration.status == "registered":
            events.checkin_record(actor=admin, code=events.ticket_token(registration))
            counts["check_ins"] += 1
