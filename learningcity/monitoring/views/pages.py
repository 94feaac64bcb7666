"""Staff dashboards, indicator definitions and the blueprint's progress. Every figure comes
from the pre-computed aggregates; every plot has its data table; staff see their areas only,
residents and the public are sent to open data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from learningcity.core.context_processors import TEXT_SIZE_COOKIE
from learningcity.core.errors import NotFound
from learningcity.funding.choices import BudgetLevel
from learningcity.learners.choices import Household, TargetGroup
from learningcity.monitoring import selectors
from learningcity.monitoring.choices import (
    DEFINITIONS,
    HEADLINE,
    SERIES_YEARS,
    AgeBand,
    Dimension,
    Indicator,
    Light,
    Unit,
)
from learningcity.monitoring.models import Blueprint
from learningcity.monitoring.selectors import FigureBook, Visibility, format_value
from learningcity.monitoring.views.charts import bar_chart, line_chart
from learningcity.network.choices import AreaLevel
from learningcity.network.models import Area

GROUP_LABELS: dict[str, dict[str, Any]] = {
    Dimension.AGE_BAND: dict(AgeBand.choices),
    Dimension.HOUSEHOLD: dict(Household.choices),
    Dimension.TARGET_GROUP: dict(TargetGroup.choices),
    Dimension.LEVEL: dict(BudgetLevel.choices),
}


def group_label(dimension: str, value: str) -> str:
    if dimension == Dimension.ALL:
        return str(Dimension.ALL.label)
    return str(GROUP_LABELS.get(dimension, {}).get(value, value))


def indicator_label(code: str) -> str:
    return str(Indicator(code).label)


def unit_label(code: str) -> str:
    return str(Unit(DEFINITIONS[code].unit).label)


def _large(request: HttpRequest) -> bool:
    return request.COOKIES.get(TEXT_SIZE_COOKIE) == "large"


def _no_dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/forbidden.html", status=403)


def _visibility(request: HttpRequest) -> Visibility | None:
    return selectors.visibility(viewer=request.user)


def _area(request: HttpRequest, visible: Visibility) -> Area:
    try:
        return selectors.access_area(visible=visible, code=request.GET.get("area") or None)
    except NotFound:
        raise Http404(_("No such area.")) from None


def _years(current: int) -> list[int]:
    return list(range(current - SERIES_YEARS + 1, current + 1))


def time_series(
    *,
    book: FigureBook,
    indicator: str,
    area: Area,
    city: Area | None,
    current: int,
    targets: dict[int, Decimal],
    request: HttpRequest,
) -> dict[str, Any]:
    """The indicator year by year in the area (and the city, for comparison) and the
    blueprint's targets, as a line chart and its table."""
    years = _years(current)
    unit = DEFINITIONS[indicator].unit
    series_rows: list[tuple[str, str, dict[int, Decimal | None], dict[int, str]]] = []
    places = [(area, "series-area")]
    if city is not None and city.pk != area.pk:
        places.append((city, "series-city"))
    for place, css in places:
        values = book.series(indicator, place.pk, years)
        labels = {y: format_value(v, unit) for y, v in values.items()}
        series_rows.append((place.name, css, values, labels))
    shown_targets: dict[int, Decimal | None] = {y: v for y, v in targets.items() if y in years}
    if shown_targets:
        labels = {y: format_value(v, unit) for y, v in shown_targets.items()}
        series_rows.append((_("Blueprint target"), "series-target", shown_targets, labels))
    table = [
        (year, [labels.get(year, "—") for _name, _css, _values, labels in series_rows])
        for year in years
    ]
    return {
        "chart": line_chart(years, series_rows, large_text=_large(request)),
        "columns": [name for name, *_rest in series_rows],
        "table": table,
        "unit": unit_label(indicator),
    }


def comparison(
    *,
    indicator: str,
    visible: Visibility,
    areas: dict[int, Area],
    area: Area,
    city: Area | None,
    current: int,
    request: HttpRequest,
) -> dict[str, Any]:
    """The area and the areas one level below it that the viewer may see, in one year, with
    the city average as a reference line."""
    unit = DEFINITIONS[indicator].unit
    children = sorted((a for a in areas.values() if a.parent_id == area.pk), key=lambda a: a.code)
    shown = [area, *children]
    ids = [a.pk for a in shown] + ([city.pk] if city is not None else [])
    book = selectors.figure_book(
        area_ids=[i for i in ids if i in visible.area_ids],
        indicators=[indicator],
        period=current,
        dimension=Dimension.ALL,
    )
    values = [(a.name, book.value(indicator, current, a.pk)) for a in shown]
    average = book.value(indicator, current, city.pk) if city is not None else None
    return {
        "chart": bar_chart(
            [(name, v, format_value(v, unit)) for name, v in values],
            highlight=area.name,
            reference=average,
            reference_label=_("City average"),
            large_text=_large(request),
        ),
        "rows": [(name, format_value(v, unit)) for name, v in values],
        "average": format_value(average, unit),
        "unit": unit_label(indicator),
    }


def distribution(
    *,
    book: FigureBook,
    indicator: str,
    area: Area,
    dimension: str,
    current: int,
    request: HttpRequest,
) -> dict[str, Any]:
    """The indicator across the groups of one dimension (age bands, target groups…)."""
    unit = DEFINITIONS[indicator].unit
    order = list(GROUP_LABELS.get(dimension, {}))
    groups = sorted(
        book.groups(indicator, current, area.pk, dimension),
        key=lambda item: order.index(item[0]) if item[0] in order else 99,
    )
    overall = book.value(indicator, current, area.pk)
    rows = [
        (group_label(dimension, group), numerator, denominator, value)
        for group, (numerator, denominator, value) in groups
    ]
    return {
        "chart": bar_chart(
            [(label, value, format_value(value, unit)) for label, _n, _d, value in rows],
            reference=overall,
            reference_label=_("All residents"),
            large_text=_large(request),
        ),
        "rows": [(label, n, d, format_value(v, unit)) for label, n, d, v in rows],
        "overall": format_value(overall, unit),
        "cid": "by-" + dimension.replace("_", "-"),
        "unit": unit_label(indicator),
        "dimension": str(Dimension(dimension).label),
    }


def _city(areas: dict[int, Area]) -> Area | None:
    return next((a for a in areas.values() if a.level == AreaLevel.CITY), None)


def _visible_areas(visible: Visibility) -> dict[int, Area]:
    return {
        a.pk: a
        for a in Area.objects.filter(pk__in=visible.area_ids)
        .only("code", "name_zh", "name_en", "level", "parent_id", "path")
        .order_by("path")
    }


def _choices(areas: dict[int, Area], visible: Visibility) -> list[Area]:
    """The areas offered in the area menu: the municipal office picks the city or a district
    (and reaches towns from a district's comparison); other offices every area they see."""
    choices = [a for a in areas.values() if a.level != AreaLevel.TOWN or not visible.everything]
    return choices if len(choices) > 1 else []


@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    visible = _visibility(request)
    if visible is None:
        return _no_dashboard(request)
    area = _area(request, visible)
    current = selectors.latest_period()
    areas = _visible_areas(visible)
    city = _city(areas)
    blueprint = selectors.blueprint_current(year=current)
    progress = selectors.current_progress(blueprint=blueprint, area=area, year=current)
    book = selectors.figure_book(
        area_ids={area.pk, city.pk if city else area.pk},
        indicators={*HEADLINE, Indicator.PARTICIPATION},
    )
    cards = []
    for code in HEADLINE:
        # Terms and budgets are published ahead: a figure only the coming year has yet is
        # shown with its year.
        year = current
        value = book.value(code, current, area.pk)
        if value is None and book.value(code, current + 1, area.pk) is not None:
            year, value = current + 1, book.value(code, current + 1, area.pk)
        cards.append(
            {
                "code": code,
                "label": indicator_label(code),
                "value": format_value(value, DEFINITIONS[code].unit),
                "year": year,
                "progress": progress.get(code),
            }
        )
    common: dict[str, Any] = {
        "book": book,
        "indicator": Indicator.PARTICIPATION,
        "area": area,
        "current": current,
    }
    context = {
        "area": area,
        "areas": _choices(areas, visible),
        "year": current,
        "cards": cards,
        "blueprint": blueprint,
        "refreshed": selectors.last_refreshed(),
        "series": time_series(
            **common,
            city=city,
            targets=selectors.targets_of(blueprint=blueprint, indicator=Indicator.PARTICIPATION),
            request=request,
        ),
        "comparison": comparison(
            indicator=Indicator.PARTICIPATION,
            visible=visible,
            areas=areas,
            area=area,
            city=city,
            current=current,
            request=request,
        ),
        "ages": distribution(**common, dimension=Dimension.AGE_BAND, request=request),
        "groups": distribution(**common, dimension=Dimension.TARGET_GROUP, request=request),
    }
    return render(request, "monitoring/dashboard.html", context)


@require_safe
def indicator_list(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "code": code,
            "label": indicator_label(code),
            "unit": unit_label(code),
            "definition": DEFINITIONS[code].definition,
        }
        for code in Indicator.values
    ]
    return render(
        request,
        "monitoring/indicators.html",
        {"rows": rows, "staff": _visibility(request) is not None},
    )


@require_safe
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    if code not in Indicator.values:
        raise Http404(_("No such indicator."))
    definition = DEFINITIONS[code]
    visible = _visibility(request)
    context: dict[str, Any] = {
        "code": code,
        "label": indicator_label(code),
        "unit": unit_label(code),
        "definition": definition,
        "dimensions": [str(Dimension(d).label) for d in definition.dimensions],
        "visible": visible,
    }
    if visible is not None:
        area = _area(request, visible)
        current = selectors.latest_period()
        areas = _visible_areas(visible)
        city = _city(areas)
        book = selectors.figure_book(
            area_ids={area.pk, city.pk if city else area.pk}, indicators=[code]
        )
        blueprint = selectors.blueprint_current(year=current)
        common: dict[str, Any] = {"book": book, "indicator": code, "area": area, "current": current}
        overall = Dimension.ALL in definition.dimensions
        context.update(
            {
                "area": area,
                "areas": _choices(areas, visible),
                "year": current,
                "series": time_series(
                    **common,
                    city=city,
                    targets=selectors.targets_of(blueprint=blueprint, indicator=code),
                    request=request,
                )
                if overall
                else None,
                "comparison": comparison(
                    indicator=code,
                    visible=visible,
                    areas=areas,
                    area=area,
                    city=city,
                    current=current,
                    request=request,
                )
                if overall
                else None,
                "breakdowns": [
                    distribution(**common, dimension=d, request=request)
                    for d in definition.dimensions
                    if d != Dimension.ALL
                ],
            }
        )
    return render(request, "monitoring/indicator.html", context)


@require_safe
def blueprint(request: HttpRequest) -> HttpResponse:
    visible = _visibility(request)
    if visible is None:
        return _no_dashboard(request)
    area = _area(request, visible)
    current = selectors.latest_period()
    code = request.GET.get("code")
    plan: Blueprint | None
    if code:
        try:
            plan = selectors.access_blueprint(code=code)
        except NotFound:
            raise Http404(_("No such blueprint.")) from None
    else:
        plan = selectors.blueprint_current(year=current)
    objectives = (
        selectors.blueprint_progress(blueprint=plan, area=area, current_year=current)
        if plan
        else []
    )
    rows = [
        (
            objective.title,
            [
                {
                    "indicator": p.indicator,
                    "label": indicator_label(p.indicator),
                    "year": p.year,
                    "target": format_value(p.target, DEFINITIONS[p.indicator].unit),
                    "actual": format_value(p.actual, DEFINITIONS[p.indicator].unit),
                    "light": p.light,
                    "light_label": Light(p.light).label,
                    "reason": p.reason,
                }
                for p in objective.progress
            ],
        )
        for objective in objectives
    ]
    return render(
        request,
        "monitoring/blueprint.html",
        {"plan": plan, "area": area, "objectives": rows, "year": current},
    )
