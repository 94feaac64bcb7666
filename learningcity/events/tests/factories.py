"""Factory functions for events: an edition, events at a district's school, residents with
logins, registrations — all through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from learningcity.accounts.services import user_create
from learningcity.core import clock
from learningcity.events import services
from learningcity.events.choices import EventKind
from learningcity.events.models import Edition, Event, Registration
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City

_seq = itertools.count(1)
PASSWORD = "a-long-test-passphrase"


def make_edition(city: City, *, year: int | None = None) -> Edition:
    today = clock.today()
    return services.edition_create(
        actor=city.root,
        year=year or today.year,
        theme_zh="学习，让城市更美好",
        theme_en="Learning makes the city better",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=10),
    )


def make_event(
    city: City,
    *,
    district: str = "a",
    capacity: int = 2,
    edition: Edition | None = None,
    starts_in: dt.timedelta = dt.timedelta(days=2),
    counts_for_credit: bool = False,
    title_zh: str = "城市记忆讲座",
    title_en: str = "A lecture on the city's memory",
    kind: str = EventKind.LECTURE,
    **kwargs: Any,
) -> Event:
    place = getattr(city, district)
    starts = clock.now() + starts_in
    return services.event_create(
        actor=city.root,
        organizer=place.school,
        site=place.site,
        kind=kind,
        title_zh=title_zh,
        title_en=title_en,
        description_zh="一起了解城市的历史。",
        description_en="Learn the city's history together.",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=capacity,
        edition=edition,
        counts_for_credit=counts_for_credit,
        credit_hours=Decimal("2") if counts_for_credit else Decimal("0"),
        **kwargs,
    )


def make_resident(
    city: City, *, district: str = "a", name: str = "王秀英", username: str | None = None
) -> Learner:
    user = user_create(
        actor=None, username=username or f"ev-resident{next(_seq)}", password=PASSWORD
    )
    area = getattr(city, district).neighbourhood
    return make_learner(actor=city.root, area=area, user=user, name=name)


def register(learner: Learner, event: Event, key: str | None = None) -> Registration:
    return services.registration_create(
        actor=learner.user, learner=learner, event=event, idempotency_key=key
    )
