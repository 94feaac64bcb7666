"""Population figures, a blueprint and learners of known ages, built through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from learningcity.accounts.services import user_create
from learningcity.catalog import services as catalog
from learningcity.catalog.choices import Category, Rationing
from learningcity.catalog.models import Class, Term
from learningcity.core import clock
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.monitoring import services
from learningcity.monitoring.choices import Dimension, Indicator
from learningcity.monitoring.data import ObjectiveRow, PopulationRow, TargetRow
from learningcity.monitoring.models import Aggregate, Blueprint
from learningcity.network.tests.factories import City

_seq = itertools.count(1)


def this_year() -> int:
    return clock.today().year


def set_population(
    city: City,
    *,
    year: int | None = None,
    city_all: int = 1000,
    a_all: int = 400,
    b_all: int = 600,
    extra: tuple[tuple[str, str, str, int], ...] = (),
) -> None:
    """The city, district A and district B, all residents; `extra` adds (area code,
    dimension, group, count) rows."""
    year = year or this_year()
    rows = [
        PopulationRow(city.city.code, year, Dimension.ALL, "", city_all),
        PopulationRow(city.a.area.code, year, Dimension.ALL, "", a_all),
        PopulationRow(city.b.area.code, year, Dimension.ALL, "", b_all),
        *(PopulationRow(code, year, dim, group, n) for code, dim, group, n in extra),
    ]
    services.populations_set(actor=city.root, rows=rows)


def resident(city: City, *, age: int, district: str = "a", **kwargs: Any) -> Learner:
    """A resident who reaches `age` this year."""
    area = getattr(city, district).neighbourhood
    user = user_create(actor=None, username=f"mon{next(_seq)}", password=None)
    return make_learner(
        actor=city.root,
        area=area,
        birth_date=dt.date(this_year() - age, 6, 1),
        user=user,
        **kwargs,
    )


def make_blueprint(city: City, *, participation: str = "50", year: int | None = None) -> Blueprint:
    year = year or this_year()
    return services.blueprint_create(
        actor=city.root,
        code=f"plan-{next(_seq)}",
        name_zh="学习型城市规划",
        name_en="Learning city blueprint",
        starts_year=year - 2,
        ends_year=year + 4,
        objectives=[
            ObjectiveRow(
                title_zh="人人皆学",
                title_en="Everyone learns",
                targets=(
                    TargetRow(Indicator.PARTICIPATION, year - 1, Decimal("40")),
                    TargetRow(Indicator.PARTICIPATION, year, Decimal(participation)),
                    TargetRow(Indicator.PARTICIPATION, year + 1, Decimal("55")),
                ),
            )
        ],
    )


def figure(
    indicator: str,
    area: Any,
    *,
    period: int | None = None,
    dimension: str = Dimension.ALL,
    group: str = "",
) -> Aggregate | None:
    return Aggregate.objects.filter(
        indicator=indicator,
        area=area,
        period=period or this_year(),
        dimension=dimension,
        dimension_value=group,
    ).first()


def value(indicator: str, area: Any, **kwargs: Any) -> Decimal | None:
    row = figure(indicator, area, **kwargs)
    return row.value if row else None


def class_in_b(city: City, term: Term, *, capacity: int) -> Class:
    """A first-come class of a new course at district B's learning site."""
    now = clock.now()
    course = catalog.course_create(
        actor=city.root,
        provider=city.b.school,
        code=f"MON{next(_seq)}",
        title_zh="太极拳",
        title_en="Tai chi",
        category=Category.HEALTH,
        hours=Decimal("20"),
    )
    return catalog.class_create(
        actor=city.root,
        course=course,
        term=term,
        site=city.b.site,
        weekday=3,
        starts_at=dt.time(9, 0),
        ends_at=dt.time(11, 0),
        first_session_on=dt.date(2027, 3, 3),
        sessions=4,
        capacity=capacity,
        applications_open_at=now - dt.timedelta(days=1),
        applications_close_at=now + dt.timedelta(days=7),
        rationing=Rationing.FIRST_COME,
    )
