"""The demo city's monitoring: population figures for the city, every district and every
town (2024 up to this year, by age band, household registration and target group), the
blueprint 2024–2030 with its objectives and yearly targets, and a first refresh of the
aggregates so the dashboards and open data show figures at once. Run by
`learningcity monitoring demo` (which the portal's demo calls), through the services, as the
municipal office would.

The demo city is a sample of its residents, so its population table is scaled to them: in
each district roughly three residents in four have registered on the platform (a share drawn
per district from the seed), and the population of each group is its registered residents
divided by that share. A real deployment loads the statistical bureau's figures instead."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count

from learningcity.core import clock
from learningcity.learners.choices import MembershipStatus, TargetGroup
from learningcity.learners.models import Learner, TargetGroupMembership
from learningcity.monitoring.choices import AGE_BANDS, Dimension, Indicator
from learningcity.monitoring.data import ObjectiveRow, PopulationRow, TargetRow
from learningcity.monitoring.services.plans import blueprint_create, populations_set
from learningcity.monitoring.services.refresh import refresh
from learningcity.network.choices import AreaLevel
from learningcity.network.models import Area

BLUEPRINT = "blueprint-2024-2030"
FIRST_YEAR, LAST_YEAR = 2024, 2030
# Each year back from this one, the population was this much smaller.
YEARLY_GROWTH = Decimal("0.004")


def _band(age: int) -> str:
    return next(
        band for band, low, high in AGE_BANDS if age >= low and (high is None or age <= high)
    )


def _places(areas: list[tuple[int, str, str, str]]) -> dict[int, list[str]]:
    """Each area's own code and those of the town, district and city it lies in."""
    by_id: dict[int, list[str]] = {}
    for pk, _code, path, _level in areas:
        codes = [c for c in path.split("/") if c]
        by_id[pk] = codes[:3]
    return by_id


def _population_rows(seed: int, year: int) -> list[PopulationRow]:
    areas = list(Area.objects.values_list("id", "code", "path", "level"))
    places = _places(areas)
    districts = sorted(code for _pk, code, _p, level in areas if level == AreaLevel.DISTRICT)
    rng = random.Random(f"{seed}:population")  # noqa: S311 - demo data, not secrets
    share = {code: Decimal(str(round(rng.uniform(0.68, 0.82), 3))) for code in districts}
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    rows = (
        Learner.objects.values_list("residence_area_id", "birth_date__year", "household")
        .annotate(n=Count("id"))
        .order_by()
    )
    for area_id, birth_year, household, n in rows:
        for code in places.get(area_id, []):
            counts[(code, Dimension.ALL, "")] += n
            counts[(code, Dimension.AGE_BAND, _band(year - birth_year))] += n
            counts[(code, Dimension.HOUSEHOLD, household)] += n
    groups = (
        TargetGroupMembership.objects.filter(status=MembershipStatus.VERIFIED)
        .exclude(group=TargetGroup.RESIDENT)
        .values_list("learner__residence_area_id", "group")
        .annotate(n=Count("learner_id", distinct=True))
        .order_by()
    )
    for area_id, group, n in groups:
        for code in places.get(area_id, []):
            counts[(code, Dimension.TARGET_GROUP, group)] += n
    result = []
    this_year = year
    pk_of = {code: pk for pk, code, _p, _l in areas}
    for (code, dimension, value), registered in sorted(counts.items()):
        codes = places.get(pk_of[code], [])
        district = codes[1] if len(codes) > 1 else ""
        resident_share = share.get(district, Decimal("0.75"))
        population = Decimal(registered) / resident_share
        for y in range(FIRST_YEAR, this_year + 1):
            shrink = (1 - YEARLY_GROWTH) ** (this_year - y)
            result.append(
                PopulationRow(
                    area_code=code,
                    year=y,
                    dimension=dimension,
                    dimension_value=value,
                    count=int((population * shrink).to_integral_value()),
                )
            )
    return result


def _targets(indicator: str, first: str, last: str) -> tuple[TargetRow, ...]:
    """A straight line of yearly targets from the first year's value to the last's."""
    start, end = Decimal(first), Decimal(last)
    span = LAST_YEAR - FIRST_YEAR
    return tuple(
        TargetRow(
            indicator=indicator,
            year=year,
            value=(start + (end - start) * (year - FIRST_YEAR) / span).quantize(Decimal("0.1")),
        )
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
    )


def _objectives() -> list[ObjectiveRow]:
    return [
        ObjectiveRow(
            title_zh="人人皆学：每年至少一半的常住居民参与学习",
            title_en="Everyone learns: at least half of the residents learn every year",
            targets=_targets(Indicator.PARTICIPATION, "30", "50"),
        ),
        ObjectiveRow(
            title_zh="老有所学：扩大老年教育覆盖面",
            title_en="Learning in later life: more older residents learning",
            targets=(
                *_targets(Indicator.ELDER_COVERAGE_60, "25", "40"),
                *_targets(Indicator.ELDER_COVERAGE_65, "25", "40"),
            ),
        ),
        ObjectiveRow(
            title_zh="家门口的学习：课程充足、公平分配",
            title_en="Learning near home: enough places, fairly shared",
            targets=(
                *_targets(Indicator.OVERSUBSCRIPTION, "2.0", "1.2"),
                *_targets(Indicator.COMPLETION_RATE, "75", "85"),
            ),
        ),
        ObjectiveRow(
            title_zh="学分银行：每一次学习都被认可",
            title_en="The credit bank: every piece of learning counts",
            targets=_targets(Indicator.LOTTERY_WIN_RATE, "50", "65"),
        ),
    ]


def demo_seed(*, actor: Any, seed: int) -> dict[str, int]:
    """Population figures, the blueprint and a first refresh. Deterministic for a seed."""
    rows = _population_rows(seed, clock.today().year)
    populations_set(actor=actor, rows=rows)
    blueprint_create(
        actor=actor,
        code=BLUEPRINT,
        name_zh="上海学习型城市建设规划（2024—2030年）",
        name_en="Shanghai Learning City Blueprint 2024–2030",
        starts_year=FIRST_YEAR,
        ends_year=LAST_YEAR,
        objectives=_objectives(),
    )
    result = refresh(actor=actor, as_of=clock.today())
    return {"population_figures": len(rows), "indicator_figures": result.rows}
