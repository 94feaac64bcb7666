"""Population figures and the blueprint (who may keep them, what is refused), the traffic
lights, scope and the privacy of open data."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from learningcity.core import clock
from learningcity.core.errors import Conflict, PermissionDenied, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.creditbank.tests.factories import make_bank, submit
from learningcity.monitoring import selectors, services
from learningcity.monitoring.choices import (
    SMALL_CELL_THRESHOLD,
    Dimension,
    Indicator,
    Light,
)
from learningcity.monitoring.data import Figure, ObjectiveRow, PopulationRow, TargetRow
from learningcity.monitoring.models import Aggregate, Population
from learningcity.monitoring.tests.factories import (
    make_blueprint,
    resident,
    set_population,
    this_year,
)
from learningcity.network.models import Area
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db


def put_figure(
    area: Area,
    indicator: str,
    numerator: Any,
    denominator: Any,
    value: Any,
    *,
    dimension: str = "all",
    group: str = "",
) -> Aggregate:
    """An aggregate as the refresh would leave it (test set-up of the read side only)."""
    return Aggregate.objects.create(
        indicator=indicator,
        period=this_year(),
        area=area,
        area_level=area.level,
        dimension=dimension,
        dimension_value=group,
        numerator=Decimal(numerator),
        denominator=None if denominator is None else Decimal(denominator),
        value=None if value is None else Decimal(value),
        computed_at=clock.now(),
    )


def test_the_municipal_office_sets_a_population_figure_and_a_retry_changes_nothing(
    city: City,
) -> None:
    for _attempt in range(2):
        services.population_set(actor=city.root, area=city.a.area, year=2026, count=812_000)

    assert list(Population.objects.values_list("area_id", "year", "count")) == [
        (city.a.area.pk, 2026, 812_000)
    ]
    assert AuditEntry.objects.filter(action="monitoring.population_set").count() == 2


def test_a_district_office_may_not_set_population_figures(city: City) -> None:
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        services.population_set(actor=city.a.officer, area=city.a.area, year=2026, count=1)

    assert refused.value.code == "not_municipal"
    assert str(refused.value) == (
        "Only the municipal office keeps population figures and the blueprint."
    )
    assert Population.objects.count() == 0


def test_a_group_that_does_not_belong_to_its_dimension_is_refused(city: City) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        services.population_set(
            actor=city.root,
            area=city.a.area,
            year=2026,
            count=10,
            dimension=Dimension.AGE_BAND,
            dimension_value="laid_off",
        )

    assert refused.value.fields == {
        "dimension_value": ["Choose a group that belongs to the dimension."]
    }


def test_a_population_upload_with_an_unknown_area_changes_nothing(city: City) -> None:
    rows = [
        PopulationRow(city.a.area.code, 2026, Dimension.ALL, "", 10),
        PopulationRow("999999", 2026, Dimension.ALL, "", 10),
    ]
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        services.populations_set(actor=city.root, rows=rows)

    assert refused.value.message == "Unknown area code: 999999."
    assert Population.objects.count() == 0


def test_a_blueprint_code_is_adopted_once(city: City) -> None:
    plan = make_blueprint(city)

    with pytest.raises(Conflict) as refused:
        services.blueprint_create(
            actor=city.root,
            code=plan.code,
            name_zh="重复",
            name_en="Again",
            starts_year=2024,
            ends_year=2030,
            objectives=[],
        )

    assert refused.value.code == "blueprint_exists"


def test_a_target_outside_the_blueprints_years_is_refused(city: City) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        services.blueprint_create(
            actor=city.root,
            code="plan-x",
            name_zh="规划",
            name_en="Plan",
            starts_year=2024,
            ends_year=2030,
            objectives=[
                ObjectiveRow(
                    "目标", "Goal", (TargetRow(Indicator.PARTICIPATION, 2031, Decimal("50")),)
                )
            ],
        )

    assert refused.value.fields == {"year": ["The year must lie within the blueprint's years."]}
    assert not services.plans.Blueprint.objects.exists()


@pytest.mark.parametrize(
    ("actual", "light"),
    [
        (Decimal("50.0"), Light.GREEN),
        (Decimal("45.0"), Light.AMBER),
        (Decimal("44.9"), Light.RED),
        (None, Light.GREY),
    ],
)
def test_the_traffic_light_compares_the_actual_with_the_target(
    actual: Decimal | None, light: str
) -> None:
    progress = selectors.judge(
        indicator=Indicator.PARTICIPATION,
        year=2026,
        target=Decimal("50"),
        actual=actual,
        current_year=2026,
    )

    assert progress.light == light


def test_lower_is_better_for_applicants_per_seat_and_the_future_is_pending() -> None:
    with translation.override("en"):
        over = selectors.judge(
            indicator=Indicator.OVERSUBSCRIPTION,
            year=2026,
            target=Decimal("1.5"),
            actual=Decimal("1.2"),
            current_year=2026,
        )
        later = selectors.judge(
            indicator=Indicator.PARTICIPATION,
            year=2028,
            target=Decimal("50"),
            actual=None,
            current_year=2026,
        )

    assert (over.light, over.reason) == (
        Light.GREEN,
        "1.20 against a target of 1.50 for 2026: met.",
    )
    assert (later.light, later.reason) == (
        Light.PENDING,
        "The target for 2028 is 50.0 %; that year has not come yet.",
    )


def test_blueprint_progress_reads_the_citys_figures(city: City) -> None:
    plan = make_blueprint(city, participation="30")
    put_figure(city.city, Indicator.PARTICIPATION, 316, 1000, "31.6")

    with translation.override("en"):
        [objective] = selectors.blueprint_progress(blueprint=plan, area=city.city)

    assert objective.title == "Everyone learns"
    assert [(p.year, p.light) for p in objective.progress] == [
        (this_year() - 1, Light.GREY),
        (this_year(), Light.GREEN),
        (this_year() + 1, Light.PENDING),
    ]


def test_a_district_office_sees_its_district_its_towns_and_the_city(city: City) -> None:
    visible = selectors.visibility(viewer=city.a.officer)

    assert visible is not None
    assert visible.home == city.a.area
    assert visible.area_ids == {city.city.pk, city.a.area.pk, city.a.town.pk}


def test_a_town_office_sees_its_town_and_the_averages_above_it(city: City) -> None:
    visible = selectors.visibility(viewer=city.a.town_officer)

    assert visible is not None
    assert visible.home == city.a.town
    assert visible.area_ids == {city.city.pk, city.a.area.pk, city.a.town.pk}


def test_the_municipal_office_sees_every_district_and_town(city: City) -> None:
    visible = selectors.visibility(viewer=city.municipal_officer)

    assert visible is not None
    assert visible.home == city.city
    assert visible.area_ids == {
        city.city.pk,
        city.a.area.pk,
        city.a.town.pk,
        city.b.area.pk,
        city.b.town.pk,
    }


def test_providers_staff_and_residents_have_no_dashboard(city: City) -> None:
    assert selectors.visibility(viewer=city.a.school_admin) is None


def test_open_data_withholds_small_cells_and_rounds_counts(city: City) -> None:
    # Given 9 disabled learners in A (below the threshold) and 1,234 learners in the city
    put_figure(city.city, Indicator.PARTICIPATION, 1234, 5678, "21.7330")
    put_figure(
        city.a.area,
        Indicator.PARTICIPATION,
        SMALL_CELL_THRESHOLD - 1,
        50,
        "18.0000",
        dimension="target_group",
        group="disabled",
    )
    put_figure(
        city.a.area,
        Indicator.EQUITY_GAP,
        "18.00",
        "21.73",
        "-3.7330",
        dimension="target_group",
        group="disabled",
    )
    put_figure(city.a.town, Indicator.PARTICIPATION, 500, 1000, "50.0000")

    figures = {(f.indicator, f.area_code, f.dimension_value): f for f in selectors.open_data()}

    whole = figures[(Indicator.PARTICIPATION, city.city.code, "")]
    assert (whole.numerator, whole.denominator, whole.value, whole.suppressed) == (
        Decimal(1230),
        Decimal(5680),
        Decimal("21.7"),
        False,
    )
    small = figures[(Indicator.PARTICIPATION, city.a.area.code, "disabled")]
    assert (small.numerator, small.denominator, small.value, small.suppressed) == (
        None,
        None,
        None,
        True,
    )
    gap = figures[(Indicator.EQUITY_GAP, city.a.area.code, "disabled")]
    assert gap.suppressed is True
    # towns are never published: they are small areas
    assert not any(code == city.a.town.code for _i, code, _g in figures)


def test_a_cell_of_exactly_the_threshold_is_published() -> None:
    figure = Figure(
        indicator=Indicator.COMPLETION_RATE,
        period=2026,
        area_code="310101",
        area_name="Huangpu",
        area_level="district",
        dimension="all",
        dimension_value="",
        numerator=Decimal(SMALL_CELL_THRESHOLD),
        denominator=Decimal(14),
        value=Decimal("71.4286"),
    )

    published = selectors.publishable(figure, {})

    assert (published.suppressed, published.value) == (False, Decimal("71.4"))


def test_the_refresh_audits_itself(city: City) -> None:
    set_population(city)

    result = services.refresh(actor=city.root)

    entry = AuditEntry.objects.get(action="monitoring.refresh")
    assert entry.data["rows"] == result.rows
    assert result.periods[-1] == this_year() + 1


def test_the_refresh_command_recomputes_and_reports(city: City) -> None:
    set_population(city)
    out = io.StringIO()

    call_command("monitoring", "refresh", "--as-of", "2026-06-01", stdout=out)

    assert out.getvalue().startswith("Indicators refreshed as of 2026-06-01: ")
    assert AuditEntry.objects.filter(action="monitoring.refresh").count() == 1


def test_a_bad_as_of_date_is_refused(city: City) -> None:
    with pytest.raises(CommandError, match="--as-of must be YYYY-MM-DD"):
        call_command("monitoring", "refresh", "--as-of", "1 June")


def test_the_demo_command_seeds_population_the_blueprint_and_the_figures(city: City) -> None:
    submit(make_bank(city), resident(city, age=70))
    out = io.StringIO()

    call_command("monitoring", "demo", "--seed", "1", "--actor", city.root.username, stdout=out)

    counts = json.loads(out.getvalue().strip().splitlines()[-1])
    assert counts["population_figures"] == Population.objects.count() > 0
    assert counts["indicator_figures"] == Aggregate.objects.count() > 0
    assert services.plans.Blueprint.objects.get().code == "blueprint-2024-2030"
