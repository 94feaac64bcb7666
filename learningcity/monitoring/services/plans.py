"""What the municipal office keeps: population figures (the denominators) and blueprints with
their objectives and yearly targets. Each write is audited; retries change nothing twice
(upserts on the natural keys the database holds unique)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from learningcity.core.errors import Conflict, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.learners.choices import Household, TargetGroup
from learningcity.monitoring.choices import AgeBand, Dimension, Indicator
from learningcity.monitoring.data import ObjectiveRow, PopulationRow
from learningcity.monitoring.errors import MonitoringErrorCode
from learningcity.monitoring.models import Blueprint, Objective, Population, Target
from learningcity.monitoring.selectors import is_municipal
from learningcity.network.models import Area

GROUPS_OF: dict[str, tuple[str, ...]] = {
    Dimension.ALL: ("",),
    Dimension.AGE_BAND: tuple(AgeBand.values),
    Dimension.HOUSEHOLD: tuple(Household.values),
    Dimension.TARGET_GROUP: tuple(v for v in TargetGroup.values if v != TargetGroup.RESIDENT),
}


def _require_municipal(actor: Any) -> None:
    """Population figures and the blueprint are the municipal office's to keep."""
    if not is_municipal(viewer=actor):
        raise PermissionDenied(
            _("Only the municipal office keeps population figures and the blueprint."),
            code=MonitoringErrorCode.NOT_MUNICIPAL,
        )


def _check_group(dimension: str, dimension_value: str) -> None:
    if dimension_value not in GROUPS_OF.get(dimension, ()):
        message = _("Choose a group that belongs to the dimension.")
        raise ValidationFailed(
            message, code=MonitoringErrorCode.INVALID_GROUP, fields={"dimension_value": [message]}
        )


@transaction.atomic
def population_set(
    *,
    actor: Any,
    area: Area,
    year: int,
    count: int,
    dimension: str = Dimension.ALL,
    dimension_value: str = "",
) -> Population:
    """Set one population figure (insert or replace); the next refresh uses it."""
    _require_municipal(actor)
    _check_group(dimension, dimension_value)
    if count < 0 or not 1900 <= year <= 2200:
        message = _("Give a year between 1900 and 2200 and a count of zero or more.")
        raise ValidationFailed(message, fields={"count": [message]})
    row, _created = Population.objects.update_or_create(
        area=area,
        year=year,
        dimension=dimension,
        dimension_value=dimension_value,
        defaults={"count": count},
    )
    audit_record(
        actor=actor,
        action="monitoring.population_set",
        subject=f"area:{area.code}",
        data={"year": year, "dimension": dimension, "group": dimension_value, "count": count},
    )
    return row


@transaction.atomic
def populations_set(*, actor: Any, rows: Iterable[PopulationRow]) -> int:
    """Set many population figures at once (an upload, the demo): replaces the figures of
    every (area, year) named in `rows`, in one transaction."""
    _require_municipal(actor)
    rows = list(rows)
    codes = {r.area_code for r in rows}
    areas = {a.code: a for a in Area.objects.filter(code__in=codes)}
    missing = sorted(codes - set(areas))
    if missing:
        message = _("Unknown area code: %(code)s.") % {"code": missing[0]}
        raise ValidationFailed(
            message, code=MonitoringErrorCode.UNKNOWN_AREA, fields={"area": [message]}
        )
    for r in rows:
        _check_group(r.dimension, r.dimension_value)
    keys = {(areas[r.area_code].pk, r.year) for r in rows}
    for area_id, year in keys:
        Population.objects.filter(area_id=area_id, year=year).delete()
    Population.objects.bulk_create(
        [
            Population(
                area=areas[r.area_code],
                year=r.year,
                dimension=r.dimension,
                dimension_value=r.dimension_value,
                count=max(r.count, 0),
            )
            for r in rows
        ],
        batch_size=2000,
    )
    audit_record(
        actor=actor,
        action="monitoring.populations_set",
        subject="population",
        data={"rows": len(rows), "areas": len(codes)},
    )
    return len(rows)


@transaction.atomic
def blueprint_create(
    *,
    actor: Any,
    code: str,
    name_zh: str,
    name_en: str,
    starts_year: int,
    ends_year: int,
    objectives: Iterable[ObjectiveRow],
) -> Blueprint:
    """Adopt a blueprint with its objectives and targets. The code is the blueprint's
    identity: a second blueprint with the same code is refused."""
    _require_municipal(actor)
    if ends_year < starts_year:
        message = _("The last year cannot come before the first.")
        raise ValidationFailed(
            message, code=MonitoringErrorCode.INVALID_YEARS, fields={"ends_year": [message]}
        )
    if Blueprint.objects.filter(code=code).exists():
        raise Conflict(
            _("A blueprint with this code already exists."),
            code=MonitoringErrorCode.BLUEPRINT_EXISTS,
        )
    blueprint = Blueprint.objects.create(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        starts_year=starts_year,
        ends_year=ends_year,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    for number, row in enumerate(objectives, start=1):
        objective = Objective.objects.create(
            blueprint=blueprint, number=number, title_zh=row.title_zh, title_en=row.title_en
        )
        for target in row.targets:
            _target_check(blueprint, target.indicator, target.year)
        Target.objects.bulk_create(
            [
                Target(objective=objective, indicator=t.indicator, year=t.year, value=t.value)
                for t in row.targets
            ]
        )
    audit_record(actor=actor, action="monitoring.blueprint_create", subject=f"blueprint:{code}")
    return blueprint


def _target_check(blueprint: Blueprint, indicator: str, year: int) -> None:
    if indicator not in Indicator.values:
        message = _("Choose an indicator from the list.")
        raise ValidationFailed(
            message, code=MonitoringErrorCode.UNKNOWN_INDICATOR, fields={"indicator": [message]}
        )
    if not blueprint.starts_year <= year <= blueprint.ends_year:
        message = _("The year must lie within the blueprint's years.")
        raise ValidationFailed(
            message, code=MonitoringErrorCode.INVALID_YEARS, fields={"year": [message]}
        )


@transaction.atomic
def target_set(
    *, actor: Any, objective: Objective, indicator: str, year: int, value: Decimal
) -> Target:
    """Set (or change) an objective's target for an indicator and year."""
    _require_municipal(actor)
    _target_check(objective.blueprint, indicator, year)
    target, _created = Target.objects.update_or_create(
        objective=objective, indicator=indicator, year=year, defaults={"value": value}
    )
    audit_record(
        actor=actor,
        action="monitoring.target_set",
        subject=f"blueprint:{objective.blueprint.code}",
        data={"indicator": indicator, "year": year, "value": str(value)},
    )
    return target
