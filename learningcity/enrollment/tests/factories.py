"""A term with classes, and residents with logins, built through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from learningcity.accounts.services import user_create
from learningcity.catalog import services as catalog
from learningcity.catalog.choices import Category, Rationing
from learningcity.catalog.models import Class, Course, Term
from learningcity.core import clock
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City

_seq = itertools.count(1)


def make_term(city: City, *, cap: int = 2, choices: int = 5) -> Term:
    n = next(_seq)
    return catalog.term_create(
        actor=city.root,
        code=f"T{n}",
        name_zh=f"第{n}学期",
        name_en=f"Term {n}",
        starts_on=dt.date(2027, 3, 1),
        ends_on=dt.date(2027, 6, 30),
        per_learner_cap=cap,
        max_choices=choices,
    )


def make_course(
    city: City, *, title_zh: str = "钢琴入门", title_en: str = "Piano for beginners"
) -> Course:
    return catalog.course_create(
        actor=city.root,
        provider=city.a.school,
        code=f"C{next(_seq)}",
        title_zh=title_zh,
        title_en=title_en,
        category=Category.CULTURE_ARTS,
        hours=Decimal("24"),
    )


def make_class(
    city: City,
    term: Term,
    *,
    capacity: int = 2,
    rationing: str = Rationing.LOTTERY,
    open_: bool = True,
    quota: int = 0,
    course: Course | None = None,
    **kwargs: Any,
) -> Class:
    now = clock.now()
    opens = now - dt.timedelta(days=1)
    closes = now + dt.timedelta(days=7) if open_ else now - dt.timedelta(minutes=1)
    if not open_:
        opens = now - dt.timedelta(days=8)
    return catalog.class_create(
        actor=city.root,
        course=course or make_course(city),
        term=term,
        site=city.a.site,
        weekday=2,
        starts_at=dt.time(9, 0),
        ends_at=dt.time(11, 0),
        first_session_on=dt.date(2027, 3, 2),
        sessions=4,
        capacity=capacity,
        applications_open_at=opens,
        applications_close_at=closes,
        rationing=rationing,
        group_quota=quota,
        **kwargs,
    )


def make_resident(
    city: City, *, birth_date: dt.date = dt.date(1975, 1, 1), district: str = "a"
) -> Learner:
    area = getattr(city, district).neighbourhood
    user = user_create(actor=None, username=f"resident{next(_seq)}", password=None)
    return make_learner(actor=city.root, area=area, birth_date=birth_date, user=user)


def close_window(klass: Class) -> None:
    """Move a class's window into the past, as time passing would (test set-up only)."""
    now = clock.now()
    Class.objects.filter(pk=klass.pk).update(
        applications_open_at=now - dt.timedelta(days=8),
        applications_close_at=now - dt.timedelta(seconds=1),
    )
    klass.refresh_from_db()
