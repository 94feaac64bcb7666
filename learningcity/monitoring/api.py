"""The monitoring API: public indicator definitions and open data; staff figures in their
scope and the blueprint's progress; the municipal office's population figures and the
refresh of the aggregates."""

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from learningcity.accounts.api import ActiveSessionAuth, BearerTokenAuth
from learningcity.core.errors import NotFound, PermissionDenied
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.monitoring import selectors, services
from learningcity.monitoring.choices import DEFINITIONS, Dimension, Indicator
from learningcity.monitoring.tasks import refresh_indicators
from learningcity.network.selectors import area_get

router = Router(tags=["monitoring"], auth=[BearerTokenAuth(), ActiveSessionAuth()])


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    higher_is_better: bool
    dimensions: list[str]
    definition: str
    numerator: str
    denominator: str
    source: str


@router.get(
    "/monitoring/indicators",
    response=list[IndicatorOut],
    auth=None,
    summary="Indicator definitions",
)
def indicator_list(request: HttpRequest) -> Any:
    return [
        {
            "code": code,
            "name": str(Indicator(code).label),
            "unit": d.unit,
            "higher_is_better": d.higher_is_better,
            "dimensions": list(d.dimensions),
            "definition": str(d.definition),
            "numerator": str(d.numerator),
            "denominator": str(d.denominator),
            "source": str(d.source),
        }
        for code, d in DEFINITIONS.items()
    ]


class FigureOut(Schema):
    indicator: str
    period: int
    area_code: str
    area_name: str
    area_level: str
    dimension: str
    group: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    suppressed: bool


class FigureFilter(Schema):
    indicator: Indicator | None = None
    year: int | None = None
    area: str | None = None
    dimension: Dimension | None = None


def _out(figures: list[Any]) -> list[dict[str, Any]]:
    return [{**f.__dict__, "group": f.dimension_value} for f in figures]


class PageFilter(Schema):
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0)


class FigurePage(Schema):
    count: int
    items: list[FigureOut]


@router.get(
    "/monitoring/open-data",
    response=FigurePage,
    auth=None,
    summary="Open data: privacy-safe figures for the city and its districts",
    description=(
        "Figures about fewer than 10 people are withheld (`suppressed`: true, figures null); "
        "counts of people are rounded to the nearest 10; values to one decimal place. "
        "Pages of `limit` rows (at most 500) from `offset`."
    ),
)
def open_data(request: HttpRequest, filters: Query[FigureFilter], page: Query[PageFilter]) -> Any:
    chosen: dict[str, Any] = {
        "indicator": filters.indicator,
        "period": filters.year,
        "area_code": filters.area,
        "dimension": filters.dimension,
    }
    return {
        "count": selectors.open_data_count(**chosen),
        "items": _out(selectors.open_data(**chosen, offset=page.offset, limit=page.limit)),
    }


def _visible(request: HttpRequest) -> selectors.Visibility:
    visible = selectors.visibility(viewer=request.user)
    if visible is None:
        raise PermissionDenied(_("Only the staff of the city's offices see these figures."))
    return visible


@router.get(
    "/monitoring/figures",
    response=list[FigureOut],
    summary="Indicator figures in the caller's areas (staff)",
)
@paginate(LimitOffsetPagination)
def figures(request: HttpRequest, filters: Query[FigureFilter]) -> Any:
    visible = _visible(request)
    area = selectors.access_area(visible=visible, code=filters.area) if filters.area else None
    return _out(
        selectors.figures(
            visible=visible,
            indicator=filters.indicator,
            period=filters.year,
            dimension=filters.dimension,
            area=area,
        )
    )


class ProgressOut(Schema):
    indicator: str
    year: int
    target: Decimal
    actual: Decimal | None
    light: str
    reason: str


class ObjectiveOut(Schema):
    title: str
    progress: list[ProgressOut]


class BlueprintOut(Schema):
    code: str
    name: str
    starts_year: int
    ends_year: int
    area_code: str
    objectives: list[ObjectiveOut]


@router.get(
    "/monitoring/blueprints/{code}",
    response=BlueprintOut,
    summary="A blueprint's targets against the figures of the caller's area (staff)",
)
def blueprint_progress(request: HttpRequest, code: str, area: str | None = None) -> Any:
    visible = _visible(request)
    place = selectors.access_area(visible=visible, code=area)
    blueprint = selectors.access_blueprint(code=code)
    objectives = selectors.blueprint_progress(blueprint=blueprint, area=place)
    return {
        "code": blueprint.code,
        "name": blueprint.name,
        "starts_year": blueprint.starts_year,
        "ends_year": blueprint.ends_year,
        "area_code": place.code,
        "objectives": [
            {"title": o.title, "progress": [p.__dict__ for p in o.progress]} for o in objectives
        ],
    }


class TargetIn(Schema):
    objective: int = Field(..., ge=1, description="the objective's number in the blueprint")
    indicator: Indicator
    year: int
    value: Decimal


class TargetOut(Schema):
    objective: int
    indicator: str
    year: int
    value: Decimal


@router.put(
    "/monitoring/blueprints/{code}/targets",
    response=TargetOut,
    summary="Set one target of a blueprint (municipal office)",
    description="An upsert on (objective, indicator, year): a retry changes nothing twice.",
)
def target_set(request: HttpRequest, code: str, payload: TargetIn) -> Any:
    blueprint = selectors.access_blueprint(code=code)
    objective = selectors.access_objective(blueprint=blueprint, number=payload.objective)
    target = services.target_set(
        actor=request.user,
        objective=objective,
        indicator=payload.indicator,
        year=payload.year,
        value=payload.value,
    )
    return {
        "objective": objective.number,
        "indicator": target.indicator,
        "year": target.year,
        "value": target.value,
    }


class PopulationIn(Schema):
    area: str
    year: int
    count: int
    dimension: Dimension = Dimension.ALL
    group: str = ""


class PopulationOut(Schema):
    area: str
    year: int
    dimension: str
    group: str
    count: int


@router.put(
    "/monitoring/population",
    response=PopulationOut,
    summary="Set one population figure (municipal office)",
    description="An upsert on (area, year, dimension, group): a retry changes nothing twice.",
)
def population_set(request: HttpRequest, payload: PopulationIn) -> Any:
    try:
        area = area_get(code=payload.area)
    except NotFound:
        message = _("No such area.")
        raise NotFound(message, fields={"area": [message]}) from None
    row = services.population_set(
        actor=request.user,
        area=area,
        year=payload.year,
        count=payload.count,
        dimension=payload.dimension,
        dimension_value=payload.group,
    )
    return {
        "area": area.code,
        "year": row.year,
        "dimension": row.dimension,
        "group": row.dimension_value,
        "count": row.count,
    }


class RefreshOut(Schema):
    queued: bool


@router.post(
    "/monitoring/refresh",
    response={202: RefreshOut},
    summary="Recompute the indicators in the background (municipal office)",
    description="Idempotent: a refresh recomputes everything from the data, so a repeated "
    "request only recomputes again.",
)
def refresh(request: HttpRequest) -> Any:
    if not selectors.is_municipal(viewer=request.user):
        raise PermissionDenied(_("Only the municipal office refreshes the indicators."))
    refresh_indicators.enqueue()
    return Status(202, {"queued": True})
