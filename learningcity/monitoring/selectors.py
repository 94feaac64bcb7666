"""Every read of monitoring. Dashboards read only the aggregates; staff see the areas of
their scope (the municipal office every district and town; a district office its district,
its towns and the city average; a town office its town, its district and the city); the
public sees open data: city and districts, small cells suppressed, counts rounded."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.errors import NotFound
from learningcity.monitoring.choices import (
    AMBER_SHARE,
    COUNT_ROUNDING,
    DEFINITIONS,
    OPEN_DATA_DECIMALS,
    SMALL_CELL_THRESHOLD,
    Dimension,
    Indicator,
    Light,
    Unit,
)
from learningcity.monitoring.data import Figure, ObjectiveProgress, Progress
from learningcity.monitoring.models import Aggregate, Blueprint, Objective, Target
from learningcity.network.choices import Action, AreaLevel
from learningcity.network.models import Area, actor_scope

SHOWN_LEVELS = (AreaLevel.CITY, AreaLevel.DISTRICT, AreaLevel.TOWN)
OPEN_LEVELS = (AreaLevel.CITY, AreaLevel.DISTRICT)
# Indicators whose numerator counts people (or their enrolments, entries, records): a cell
# about fewer than SMALL_CELL_THRESHOLD of them is withheld from open data.
PEOPLE_COUNTED = frozenset(
    {
        Indicator.PARTICIPATION,
        Indicator.ELDER_COVERAGE_60,
        Indicator.ELDER_COVERAGE_65,
        Indicator.OVERSUBSCRIPTION,
        Indicator.LOTTERY_WIN_RATE,
        Indicator.COMPLETION_RATE,
        Indicator.CREDIT_ACCOUNTS,
        Indicator.CREDIT_RECORDS,
        Indicator.CREDIT_CONVERSIONS,
        Indicator.LEARNING_WEEK,
    }
)


@dataclass(frozen=True)
class Visibility:
    """The areas whose figures a viewer may see, and where their dashboard opens."""

    home: Area
    area_ids: frozenset[int]
    everything: bool


def visibility(*, viewer: Any) -> Visibility | None:
    """None for residents, providers' staff and the public: they see open data only."""
    scope = actor_scope(viewer, Action.VIEW)
    city = Area.objects.filter(level=AreaLevel.CITY).order_by("id").first()
    if city is None:
        return None
    if scope.everything:
        ids = Area.objects.filter(level__in=SHOWN_LEVELS).values_list("id", flat=True)
        return Visibility(home=city, area_ids=frozenset(ids), everything=True)
    if not scope.area_paths:
        return None
    own = Q(pk__in=[])
    for path in scope.area_paths:
        own |= Q(path__startswith=path)
    # Each office also sees the areas above it (the city, its district) as the average to
    # compare itself with; never their other children.
    above: set[str] = set()
    for path in scope.area_paths:
        codes = [c for c in path.split("/") if c]
        above.update(codes[:-1])
    areas = list(
        Area.objects.filter(own | Q(code__in=above), level__in=SHOWN_LEVELS).order_by("path")
    )
    if not areas:
        return None
    home = min(
        (a for a in areas if any(a.path == p for p in scope.area_paths)),
        key=lambda a: a.path,
        default=areas[0],
    )
    return Visibility(home=home, area_ids=frozenset(a.pk for a in areas), everything=False)


def is_municipal(*, viewer: Any) -> bool:
    """The municipal office (and the platform's superusers) keep the population figures and
    the blueprint, and may refresh the indicators."""
    return actor_scope(viewer, Action.CHANGE).everything


def access_area(*, visible: Visibility, code: str | None) -> Area:
    """An area the viewer may see, by code (404 when missing or out of scope); none: home."""
    if not code:
        return visible.home
    area = Area.objects.filter(code=code).first()
    if area is None or area.pk not in visible.area_ids:
        raise NotFound(_("No such area."))
    return area


def latest_period(*, today_year: int | None = None) -> int:
    """The current year: the period of the 12 months up to the last refresh."""
    return today_year or clock.today().year


def last_refreshed() -> Any:
    row = Aggregate.objects.order_by("-computed_at").values_list("computed_at", flat=True).first()
    return row


def _figure(row: Aggregate, area: Area) -> Figure:
    return Figure(
        indicator=row.indicator,
        period=row.period,
        area_code=area.code,
        area_name=area.name,
        area_level=row.area_level,
        dimension=row.dimension,
        dimension_value=row.dimension_value,
        numerator=row.numerator,
        denominator=row.denominator,
        value=row.value,
    )


def _aggregates(
    *,
    area_ids: Any,
    indicator: str | None = None,
    period: int | None = None,
    dimension: str | None = None,
    area_levels: tuple[str, ...] | None = None,
) -> QuerySet[Aggregate]:
    qs = Aggregate.objects.filter(area_id__in=area_ids).select_related("area")
    if indicator:
        qs = qs.filter(indicator=indicator)
    if period:
        qs = qs.filter(period=period)
    if dimension:
        qs = qs.filter(dimension=dimension)
    if area_levels:
        qs = qs.filter(area_level__in=area_levels)
    return qs.order_by("indicator", "period", "area__path", "dimension", "dimension_value")


def figures(
    *,
    visible: Visibility,
    indicator: str | None = None,
    period: int | None = None,
    dimension: str | None = None,
    area: Area | None = None,
    levels: tuple[str, ...] | None = None,
) -> list[Figure]:
    """Aggregates in the viewer's areas (or in one of them), unrounded: staff figures."""
    ids: Any = [area.pk] if area is not None else visible.area_ids
    return [
        _figure(row, row.area)
        for row in _aggregates(
            area_ids=ids,
            indicator=indicator,
            period=period,
            dimension=dimension,
            area_levels=levels,
        )
    ]


FigureKey = tuple[str, int, int, str, str]
Numbers = tuple[Decimal, Decimal | None, Decimal | None]


class FigureBook:
    """The aggregates a page needs, read in one query and looked up in memory."""

    def __init__(self, rows: dict[FigureKey, Numbers]) -> None:
        self.rows = rows

    def numbers(
        self,
        indicator: str,
        period: int,
        area_id: int,
        dimension: str = Dimension.ALL,
        group: str = "",
    ) -> Numbers | None:
        return self.rows.get((indicator, period, area_id, dimension, group))

    def value(
        self,
        indicator: str,
        period: int,
        area_id: int,
        dimension: str = Dimension.ALL,
        group: str = "",
    ) -> Decimal | None:
        found = self.numbers(indicator, period, area_id, dimension, group)
        return found[2] if found else None

    def series(self, indicator: str, area_id: int, periods: list[int]) -> dict[int, Decimal | None]:
        return {
            period: self.value(indicator, period, area_id)
            for period in periods
            if (indicator, period, area_id, Dimension.ALL, "") in self.rows
        }

    def groups(
        self, indicator: str, period: int, area_id: int, dimension: str
    ) -> list[tuple[str, Numbers]]:
        return sorted(
            (key[4], numbers)
            for key, numbers in self.rows.items()
            if key[:4] == (indicator, period, area_id, dimension)
        )


def figure_book(
    *,
    area_ids: Any,
    indicators: Any = None,
    period: int | None = None,
    dimension: str | None = None,
) -> FigureBook:
    qs = Aggregate.objects.filter(area_id__in=list(area_ids))
    if indicators is not None:
        qs = qs.filter(indicator__in=list(indicators))
    if period is not None:
        qs = qs.filter(period=period)
    if dimension is not None:
        qs = qs.filter(dimension=dimension)
    rows = qs.order_by().values_list(
        "indicator",
        "period",
        "area_id",
        "dimension",
        "dimension_value",
        "numerator",
        "denominator",
        "value",
    )
    return FigureBook({tuple(r[:5]): tuple(r[5:]) for r in rows})  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Open data
# ---------------------------------------------------------------------------------------------


def _round_count(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return (value / COUNT_ROUNDING).quantize(Decimal(1), rounding=ROUND_HALF_UP) * COUNT_ROUNDING


def _round_value(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-OPEN_DATA_DECIMALS), rounding=ROUND_HALF_UP)


def is_small(numerator: Decimal | None, denominator: Decimal | None) -> bool:
    """A cell about fewer people than the threshold (either side of the fraction)."""
    return any(v is not None and v < SMALL_CELL_THRESHOLD for v in (numerator, denominator))


def publishable(figure: Figure, people: dict[tuple[int, str, str, str], Decimal]) -> Figure:
    """The figure as open data: withheld when it is about fewer than SMALL_CELL_THRESHOLD
    people, else with people counts rounded to COUNT_ROUNDING and values to
    OPEN_DATA_DECIMALS places."""
    unit = DEFINITIONS[figure.indicator].unit
    small = False
    if figure.indicator == Indicator.EQUITY_GAP:
        # The gap is made of the group's rate: withheld with it.
        key = (figure.period, figure.area_code, figure.dimension, figure.dimension_value)
        group_people = people.get(key)
        small = group_people is None or group_people < SMALL_CELL_THRESHOLD
    elif figure.indicator in PEOPLE_COUNTED:
        denominator = figure.denominator if unit not in (Unit.COUNT, Unit.CREDITS) else None
        small = is_small(figure.numerator, denominator)
    if small:
        return Figure(
            **{
                **figure.__dict__,
                "numerator": None,
                "denominator": None,
                "value": None,
                "suppressed": True,
            }
        )
    rounds_people = figure.indicator in PEOPLE_COUNTED
    numerator = figure.numerator
    denominator = figure.denominator
    if figure.indicator == Indicator.EQUITY_GAP:
        numerator, denominator = _round_value(numerator), _round_value(denominator)
    elif rounds_people:
        numerator = _round_count(numerator)
        denominator = (
            _round_count(denominator)
            if figure.indicator in (Indicator.OVERSUBSCRIPTION,) or unit == Unit.PERCENT
            else denominator
        )
    value = (
        _round_count(figure.value)
        if unit == Unit.COUNT and rounds_people
        else _round_value(figure.value)
    )
    return Figure(
        **{**figure.__dict__, "numerator": numerator, "denominator": denominator, "value": value}
    )


def open_data_count(
    *,
    indicator: str | None = None,
    period: int | None = None,
    area_code: str | None = None,
    dimension: str | None = None,
) -> int:
    ids = _open_area_ids(area_code)
    return _aggregates(
        area_ids=ids, indicator=indicator, period=period, dimension=dimension
    ).count()


def _open_area_ids(area_code: str | None) -> list[int]:
    areas = Area.objects.filter(level__in=OPEN_LEVELS)
    if area_code:
        areas = areas.filter(code=area_code)
    return list(areas.values_list("id", flat=True))


def open_data(
    *,
    indicator: str | None = None,
    period: int | None = None,
    area_code: str | None = None,
    dimension: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[Figure]:
    """The public figures: the city and its districts, every indicator and breakdown,
    privacy-safe. Anyone may read them. `offset` and `limit` page through them in the
    database."""
    ids = _open_area_ids(area_code)
    qs = _aggregates(
        area_ids=ids,
        indicator=indicator,
        period=period,
        dimension=dimension,
        area_levels=OPEN_LEVELS,
    )
    rows = list(qs[offset : offset + limit] if limit is not None else qs[offset:])
    people: dict[tuple[int, str, str, str], Decimal] = {}
    gaps = [r for r in rows if r.indicator == Indicator.EQUITY_GAP]
    if gaps:
        for period_, code, dim, value, numerator in Aggregate.objects.filter(
            indicator=Indicator.PARTICIPATION,
            dimension=Dimension.TARGET_GROUP,
            area_id__in={r.area_id for r in gaps},
            period__in={r.period for r in gaps},
        ).values_list("period", "area__code", "dimension", "dimension_value", "numerator"):
            people[(period_, code, dim, value)] = numerator
    return [publishable(_figure(row, row.area), people) for row in rows]


# ---------------------------------------------------------------------------------------------
# The blueprint
# ---------------------------------------------------------------------------------------------


def blueprint_current(*, year: int | None = None) -> Blueprint | None:
    """The blueprint in force this year (else the latest adopted)."""
    year = year or clock.today().year
    in_force = Blueprint.objects.filter(starts_year__lte=year, ends_year__gte=year).first()
    return in_force or Blueprint.objects.first()


def access_blueprint(*, code: str) -> Blueprint:
    blueprint = Blueprint.objects.filter(code=code).first()
    if blueprint is None:
        raise NotFound(_("No such blueprint."))
    return blueprint


def access_objective(*, blueprint: Blueprint, number: int) -> Objective:
    objective = blueprint.objectives.filter(number=number).select_related("blueprint").first()
    if objective is None:
        message = _("No such objective.")
        raise NotFound(message, fields={"objective": [message]})
    return objective


def format_value(value: Decimal | None, unit: str) -> str:
    if value is None:
        return "—"
    places = 2 if unit == Unit.RATIO else (0 if unit in (Unit.COUNT,) else 1)
    text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,}"
    if unit == Unit.PERCENT:
        return text + " %"
    if unit == Unit.YUAN:
        return "¥" + text
    return text


def judge(
    *, indicator: str, year: int, target: Decimal, actual: Decimal | None, current_year: int
) -> Progress:
    """A plain traffic light, with the reason in words."""
    definition = DEFINITIONS[indicator]
    unit = definition.unit
    context = {
        "actual": format_value(actual, unit),
        "target": format_value(target, unit),
        "year": year,
    }
    if year > current_year:
        light = Light.PENDING
        reason = _("The target for %(year)s is %(target)s; that year has not come yet.") % context
    elif actual is None:
        light = Light.GREY
        reason = _("No figure for %(year)s yet: the target is %(target)s.") % context
    else:
        amber = Decimal(AMBER_SHARE)
        if definition.higher_is_better:
            met, close = actual >= target, actual >= target * amber
        else:
            met, close = actual <= target, actual * amber <= target
        if met:
            light = Light.GREEN
            reason = _("%(actual)s against a target of %(target)s for %(year)s: met.") % context
        elif close:
            light = Light.AMBER
            reason = (
                _("%(actual)s against a target of %(target)s for %(year)s: within 10 %% of it.")
                % context
            )
        else:
            light = Light.RED
            reason = (
                _("%(actual)s against a target of %(target)s for %(year)s: more than 10 %% short.")
                % context
            )
    return Progress(
        indicator=indicator, year=year, target=target, actual=actual, light=light, reason=reason
    )


def blueprint_progress(
    *, blueprint: Blueprint, area: Area, current_year: int | None = None
) -> list[ObjectiveProgress]:
    """Every objective's targets, year by year, against the area's figures."""
    current_year = current_year or clock.today().year
    targets = list(
        Target.objects.filter(objective__blueprint=blueprint)
        .select_related("objective")
        .order_by("objective__number", "indicator", "year")
    )
    actual = {
        (indicator, period): value
        for indicator, period, value in Aggregate.objects.filter(
            area=area,
            dimension=Dimension.ALL,
            indicator__in={t.indicator for t in targets},
        ).values_list("indicator", "period", "value")
    }
    objectives: dict[int, tuple[str, list[Progress]]] = {}
    for target in targets:
        _title, progress = objectives.setdefault(target.objective_id, (target.objective.title, []))
        progress.append(
            judge(
                indicator=target.indicator,
                year=target.year,
                target=target.value,
                actual=actual.get((target.indicator, target.year)),
                current_year=current_year,
            )
        )
    return [
        ObjectiveProgress(title=title, progress=tuple(progress))
        for title, progress in objectives.values()
    ]


def current_progress(*, blueprint: Blueprint | None, area: Area, year: int) -> dict[str, Progress]:
    """For each indicator with a target, its light for `year` (or its next target)."""
    if blueprint is None:
        return {}
    result: dict[str, Progress] = {}
    for objective in blueprint_progress(blueprint=blueprint, area=area, current_year=year):
        for progress in objective.progress:
            chosen = result.get(progress.indicator)
            if progress.year == year or (chosen is None and progress.year > year):
                result[progress.indicator] = progress
    return result


def targets_of(*, blueprint: Blueprint | None, indicator: str) -> dict[int, Decimal]:
    if blueprint is None:
        return {}
    return dict(
        Target.objects.filter(objective__blueprint=blueprint, indicator=indicator).values_list(
            "year", "value"
        )
    )
