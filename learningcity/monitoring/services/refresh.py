"""The refresh: every indicator recomputed from the platform's data into `Aggregate`.

The heavy work is set-based SQL: one INSERT … SELECT DISTINCT fills the working set of
active learners per period (one pass over each source table, joined to a small table of
periods), then each indicator is one GROUP BY in the database at the grain of a town. Only
those grouped rows (thousands, whatever the number of learners) come back to Python, which
rolls them up to districts and the city, divides by the population figures and writes the
aggregates in bulk. The whole refresh is one transaction: readers see the old figures until
it commits, and two refreshes never interleave (the aggregates table is locked first).

The SQL is plain enough for both SQLite and PostgreSQL; the only dialect difference is how a
year is taken out of a date (`_year`)."""

# The SQL below is built only from model table names and fixed fragments; every value is a
# query parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from learningcity.catalog.choices import ClassStatus
from learningcity.catalog.models import Class, Course, Term
from learningcity.communities.choices import TeamStatus
from learningcity.communities.models import LearningTeam
from learningcity.core import clock
from learningcity.core.services import audit_record
from learningcity.creditbank.choices import (
    AccountStatus,
    ConversionStatus,
    PostingKind,
    RecordStatus,
)
from learningcity.creditbank.models import (
    Account,
    ConversionApplication,
    LearningRecord,
    Posting,
)
from learningcity.enrollment.models import Application, Completion, DrawEntry
from learningcity.events.choices import RegistrationStatus
from learningcity.events.models import Edition, Event, Registration
from learningcity.funding.choices import AccountKind, TransactionKind
from learningcity.funding.models import Budget, JournalLine, JournalTransaction, LedgerAccount
from learningcity.learners.choices import MembershipStatus, TargetGroup
from learningcity.learners.models import Learner, TargetGroupMembership
from learningcity.monitoring.choices import (
    AGE_BANDS,
    BANDS_60_PLUS,
    BANDS_65_PLUS,
    DEFINITIONS,
    SERIES_YEARS,
    Dimension,
    Indicator,
    Unit,
)
from learningcity.monitoring.data import RefreshResult
from learningcity.monitoring.models import Aggregate, AreaRollup, Population
from learningcity.network.choices import AreaLevel
from learningcity.network.models import Area, LearningSite, Organization

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PLACES = Decimal("0.0001")
# (indicator, period, area id, dimension, dimension value)
Key = tuple[str, int, int, str, str]


def _t(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _year(column: str) -> str:
    """SQL for the calendar year of a date or timestamp column, as an integer."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%%Y', {column}) AS INTEGER)"


def _age_band_sql(period: str, birth_date: str) -> str:
    age = f"({period} - {_year(birth_date)})"
    whens = " ".join(
        f"WHEN {age} <= {high} THEN '{band}'" for band, _low, high in AGE_BANDS if high is not None
    )
    return f"CASE {whens} ELSE '{AGE_BANDS[-1][0]}' END"


@dataclass(frozen=True)
class Window:
    period: int
    starts: dt.date
    ends: dt.date  # exclusive


def activity_windows(as_of: dt.date, years: int = SERIES_YEARS) -> list[Window]:
    """Past years are calendar years; the current year is the 12 months up to `as_of`."""
    first = as_of.year - years + 1
    windows = [
        Window(year, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
        for year in range(first, as_of.year)
    ]
    start = as_of - dt.timedelta(days=365)
    windows.append(Window(as_of.year, start + dt.timedelta(days=1), as_of + dt.timedelta(days=1)))
    return windows


@dataclass
class Sums:
    """Numerators (and, for ratios of two counts, denominators) by key, rolled up to the
    town, district and city of each grouped row."""

    city_id: int
    numerators: dict[Key, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    denominators: dict[Key, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def add(
        self,
        indicator: str,
        period: int,
        district_id: int | None,
        town_id: int | None,
        dimension: str,
        value: str,
        numerator: Any,
        denominator: Any = None,
    ) -> None:
        for area_id in (self.city_id, district_id, town_id):
            if area_id is None:
                continue
            key = (indicator, int(period), area_id, dimension, value)
            self.numerators[key] += Decimal(numerator or 0)
            if denominator is not None:
                self.denominators[key] += Decimal(denominator)


class Populations:
    """Population figures; a year without a figure takes the latest earlier year (else the
    earliest later one)."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[int, str, str], list[tuple[int, int]]] = defaultdict(list)
        for area_id, year, dimension, value, count in Population.objects.values_list(
            "area_id", "year", "dimension", "dimension_value", "count"
        ).order_by("year"):
            self.by_key[(area_id, dimension, value)].append((year, count))

    def get(self, area_id: int, year: int, dimension: str, value: str) -> Decimal | None:
        series = self.by_key.get((area_id, dimension, value))
        if not series:
            if dimension == Dimension.TARGET_GROUP and value == TargetGroup.AGED:
                return self.sum(area_id, year, Dimension.AGE_BAND, BANDS_60_PLUS)
            return None
        earlier = [count for y, count in series if y <= year]
        return Decimal(earlier[-1] if earlier else series[0][1])

    def sum(self, area_id: int, year: int, dimension: str, values: Iterable[str]) -> Decimal | None:
        parts = [self.get(area_id, year, dimension, v) for v in values]
        known = [p for p in parts if p is not None]
        return sum(known, ZERO) if known else None


def _rollup() -> None:
    """Rebuild the area → (district, town) table from the areas' materialized paths."""
    AreaRollup.objects.all().delete()
    areas = list(Area.objects.values_list("id", "code", "path", "level"))
    by_code = {code: pk for pk, code, _path, _level in areas}
    rows = []
    for pk, _code, path, _level in areas:
        codes = [c for c in path.split("/") if c]
        district = by_code.get(codes[1]) if len(codes) > 1 else None
        town = by_code.get(codes[2]) if len(codes) > 2 else None
        rows.append(AreaRollup(area_id=pk, district_id=district, town_id=town))
    AreaRollup.objects.bulk_create(rows, batch_size=5000)


def _fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def _execute(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return int(cursor.rowcount or 0)


def _periods_cte(windows: list[Window]) -> tuple[str, list[Any]]:
    values = ", ".join("(%s, %s, %s)" for _ in windows)
    if connection.vendor == "postgresql":
        values = ", ".join("(%s::integer, %s::date, %s::date)" for _ in windows)
    params: list[Any] = []
    for w in windows:
        params += [w.period, w.starts, w.ends]
    return f"periods(period, starts, ends) AS (VALUES {values})", params


# The working set of a refresh: each learner active in each period, once. A temporary table
# (no log, no index, private to the refresh's connection) made by one CREATE … AS SELECT.
ACTIVE = "monitoring_active_learners"


def _fill_activity(windows: list[Window]) -> None:
    """Fill the working set."""
    _execute(f"DROP TABLE IF EXISTS {ACTIVE}")
    cte, params = _periods_cte(windows)
    # Each source gives (period, learner, verified records); the records are summed here so
    # the credit bank's record count needs no second pass over the records.
    sources = [
        f"""SELECT p.period, a.learner_id,
                   CASE WHEN r.status = %s THEN 1 ELSE 0 END AS records
            FROM {_t(LearningRecord)} r
            JOIN {_t(Account)} a ON a.id = r.account_id
            JOIN periods p ON r.completed_on >= p.starts AND r.completed_on < p.ends
            WHERE r.status IN (%s, %s)""",
        f"""SELECT p.period, x.learner_id, 0 FROM {_t(Application)} x
            JOIN periods p ON x.created_at >= p.starts AND x.created_at < p.ends""",
        f"""SELECT p.period, x.learner_id, 0 FROM {_t(Completion)} c
            JOIN {_t(Application)} x ON x.id = c.application_id
            JOIN periods p ON c.created_at >= p.starts AND c.created_at < p.ends""",
        f"""SELECT p.period, g.learner_id, 0 FROM {_t(Registration)} g
            JOIN {_t(Event)} e ON e.id = g.event_id
            JOIN periods p ON e.starts_at >= p.starts AND e.starts_at < p.ends
            WHERE g.status = %s""",
    ]
    sql = (
        f"CREATE TEMPORARY TABLE {ACTIVE} AS WITH {cte} "
        f"SELECT s.period, s.learner_id, SUM(s.records) AS records FROM ("
        + " UNION ALL ".join(sources)
        + ") s GROUP BY s.period, s.learner_id"
    )
    _execute(
        sql,
        [
            *params,
            RecordStatus.VERIFIED,
            RecordStatus.SUBMITTED,
            RecordStatus.VERIFIED,
            RegistrationStatus.ATTENDED,
        ],
    )
    if connection.vendor == "postgresql":
        _execute(f"ANALYZE {ACTIVE}")


def _participation(sums: Sums) -> None:
    band = _age_band_sql("act.period", "l.birth_date")
    rows = _fetch(
        f"""SELECT act.period, ro.district_id, ro.town_id, {band} AS band, l.household, COUNT(*),
                   SUM(act.records)
            FROM {ACTIVE} act
            JOIN {_t(Learner)} l ON l.id = act.learner_id
            JOIN {_t(AreaRollup)} ro ON ro.area_id = l.residence_area_id
            GROUP BY act.period, ro.district_id, ro.town_id, band, l.household"""
    )
    for period, district, town, age_band, household, count, records in rows:
        args = (period, district, town)
        if records:
            sums.add(Indicator.CREDIT_RECORDS, *args, Dimension.ALL, "", records)
        sums.add(Indicator.PARTICIPATION, *args, Dimension.ALL, "", count)
        sums.add(Indicator.PARTICIPATION, *args, Dimension.AGE_BAND, age_band, count)
        sums.add(Indicator.PARTICIPATION, *args, Dimension.HOUSEHOLD, household, count)
        if age_band in BANDS_60_PLUS:
            sums.add(
                Indicator.PARTICIPATION, *args, Dimension.TARGET_GROUP, TargetGroup.AGED, count
            )
            sums.add(Indicator.ELDER_COVERAGE_60, *args, Dimension.ALL, "", count)
        if age_band in BANDS_65_PLUS:
            sums.add(Indicator.ELDER_COVERAGE_65, *args, Dimension.ALL, "", count)
    groups = _fetch(
        f"""SELECT act.period, ro.district_id, ro.town_id, m."group", COUNT(DISTINCT act.learner_id)
            FROM {ACTIVE} act
            JOIN {_t(TargetGroupMembership)} m ON m.learner_id = act.learner_id
            JOIN {_t(Learner)} l ON l.id = act.learner_id
            JOIN {_t(AreaRollup)} ro ON ro.area_id = l.residence_area_id
            WHERE m.status = %s AND {_year("m.valid_from")} <= act.period
              AND (m.valid_until IS NULL OR {_year("m.valid_until")} >= act.period)
            GROUP BY act.period, ro.district_id, ro.town_id, m."group\"""",
        [MembershipStatus.VERIFIED],
    )
    for period, district, town, group, count in groups:
        if group in (TargetGroup.AGED, TargetGroup.RESIDENT):
            continue
        sums.add(
            Indicator.PARTICIPATION, period, district, town, Dimension.TARGET_GROUP, group, count
        )


def _class_place() -> str:
    """Where a class counts: its learning site's area, an online class its provider's."""
    return f"""JOIN {_t(Term)} t ON t.id = c.term_id
            JOIN {_t(Course)} co ON co.id = c.course_id
            JOIN {_t(Organization)} o ON o.id = co.provider_id
            LEFT JOIN {_t(LearningSite)} s ON s.id = c.site_id
            JOIN {_t(AreaRollup)} ro ON ro.area_id = COALESCE(s.area_id, o.area_id)"""


def _provision(sums: Sums, first: dt.date, last: dt.date) -> dict[Key, set[int]]:
    """Classes, seats and applicants per grouped row; distinct courses per area."""
    rows = _fetch(
        f"""SELECT {_year("t.starts_on")} AS period, ro.district_id, ro.town_id, c.course_id,
                   COUNT(*), SUM(c.capacity), SUM(COALESCE(ap.n, 0))
            FROM {_t(Class)} c {_class_place()}
            LEFT JOIN (SELECT klass_id, COUNT(DISTINCT learner_id) AS n
                       FROM {_t(Application)} GROUP BY klass_id) ap ON ap.klass_id = c.id
            WHERE c.status = %s AND t.starts_on >= %s AND t.starts_on < %s
            GROUP BY period, ro.district_id, ro.town_id, c.course_id""",
        [ClassStatus.PUBLISHED, first, last],
    )
    courses: dict[Key, set[int]] = defaultdict(set)
    for period, district, town, course_id, classes, seats, applicants in rows:
        args = (period, district, town, Dimension.ALL, "")
        sums.add(Indicator.CLASSES_PER_1000, *args, classes)
        sums.add(Indicator.SEATS_PER_1000, *args, seats)
        sums.add(Indicator.OVERSUBSCRIPTION, *args, applicants, seats)
        for area_id in (sums.city_id, district, town):
            if area_id is not None:
                key: Key = (
                    str(Indicator.COURSES_PER_1000),
                    int(period),
                    area_id,
                    str(Dimension.ALL),
                    "",
                )
                courses[key].add(course_id)
    for key, ids in courses.items():
        sums.numerators[key] += Decimal(len(ids))
    return courses


def _lottery(sums: Sums, first: dt.date, last: dt.date) -> None:
    rows = _fetch(
        f"""SELECT {_year("t.starts_on")} AS period, ro.district_id, ro.town_id, COUNT(*),
                   SUM(CASE WHEN e.offered THEN 1 ELSE 0 END)
            FROM {_t(DrawEntry)} e
            JOIN {_t(Application)} x ON x.id = e.application_id
            JOIN {_t(Class)} c ON c.id = x.klass_id {_class_place()}
            WHERE t.starts_on >= %s AND t.starts_on < %s
            GROUP BY period, ro.district_id, ro.town_id""",
        [first, last],
    )
    for period, district, town, entries, offered in rows:
        sums.add(
            Indicator.LOTTERY_WIN_RATE, period, district, town, Dimension.ALL, "", offered, entries
        )


def _learner_place(learner_column: str) -> str:
    return f"""JOIN {_t(Learner)} l ON l.id = {learner_column}
            JOIN {_t(AreaRollup)} ro ON ro.area_id = l.residence_area_id"""


def _completion(sums: Sums, first: dt.date, last: dt.date) -> None:
    rows = _fetch(
        f"""SELECT {_year("c.created_at")} AS period, ro.district_id, ro.town_id, COUNT(*),
                   SUM(CASE WHEN c.completed THEN 1 ELSE 0 END)
            FROM {_t(Completion)} c
            JOIN {_t(Application)} x ON x.id = c.application_id {_learner_place("x.learner_id")}
            WHERE c.created_at >= %s AND c.created_at < %s
            GROUP BY period, ro.district_id, ro.town_id""",
        [first, last],
    )
    for period, district, town, ended, completed in rows:
        sums.add(
            Indicator.COMPLETION_RATE, period, district, town, Dimension.ALL, "", completed, ended
        )


def _credit_bank(sums: Sums, periods: list[int], first: dt.date, last: dt.date) -> None:
    opened = _fetch(
        f"""SELECT {_year("a.created_at")} AS period, ro.district_id, ro.town_id, COUNT(*)
            FROM {_t(Account)} a {_learner_place("a.learner_id")}
            WHERE a.status = %s AND a.created_at < %s
            GROUP BY period, ro.district_id, ro.town_id""",
        [AccountStatus.OPEN, last],
    )
    # Accounts are a stock: each period counts every account opened up to its end.
    for year, district, town, count in opened:
        for period in periods:
            if year <= period:
                sums.add(
                    Indicator.CREDIT_ACCOUNTS, period, district, town, Dimension.ALL, "", count
                )
    credits = _fetch(
        f"""SELECT p.year, ro.district_id, ro.town_id, SUM(p.credits)
            FROM {_t(Posting)} p
            JOIN {_t(Account)} a ON a.id = p.account_id {_learner_place("a.learner_id")}
            WHERE p.kind IN (%s, %s) AND p.year >= %s AND p.year < %s
            GROUP BY p.year, ro.district_id, ro.town_id""",
        [PostingKind.RECOGNITION, PostingKind.REVERSAL, first.year, last.year],
    )
    for period, district, town, total in credits:
        sums.add(Indicator.CREDITS_EARNED, period, district, town, Dimension.ALL, "", total)
    conversions = _fetch(
        f"""SELECT {_year("c.decided_at")} AS period, ro.district_id, ro.town_id, COUNT(*)
            FROM {_t(ConversionApplication)} c
            JOIN {_t(Account)} a ON a.id = c.account_id {_learner_place("a.learner_id")}
            WHERE c.status = %s AND c.decided_at >= %s AND c.decided_at < %s
            GROUP BY period, ro.district_id, ro.town_id""",
        [ConversionStatus.APPROVED, first, last],
    )
    for period, district, town, count in conversions:
        sums.add(Indicator.CREDIT_CONVERSIONS, period, district, town, Dimension.ALL, "", count)


def _subsidy(sums: Sums, first: int, last: int) -> None:
    rows = _fetch(
        f"""SELECT t.fiscal_year, b.level, t.target_group, ro.district_id, ro.town_id,
                   SUM(jl.amount)
            FROM {_t(JournalLine)} jl
            JOIN {_t(LedgerAccount)} la ON la.id = jl.account_id
            JOIN {_t(Budget)} b ON b.id = la.budget_id
            JOIN {_t(JournalTransaction)} t ON t.id = jl.transaction_id
            LEFT JOIN {_t(Learner)} l ON l.id = t.learner_id
            JOIN {_t(AreaRollup)} ro ON ro.area_id = COALESCE(l.residence_area_id, b.area_id)
            WHERE jl.amount > 0 AND la.kind = %s AND t.kind IN (%s, %s)
              AND t.fiscal_year >= %s AND t.fiscal_year < %s
              AND NOT EXISTS (SELECT 1 FROM {_t(JournalTransaction)} r WHERE r.reverses_id = t.id)
            GROUP BY t.fiscal_year, b.level, t.target_group, ro.district_id, ro.town_id""",
        [AccountKind.COMMITTED, TransactionKind.SUBSIDY, TransactionKind.SPEND, first, last],
    )
    for year, level, group, district, town, amount in rows:
        args = (year, district, town)
        sums.add(Indicator.SUBSIDY_PER_CAPITA, *args, Dimension.ALL, "", amount)
        sums.add(Indicator.SUBSIDY_PER_CAPITA, *args, Dimension.LEVEL, level, amount)
        if group and group != TargetGroup.RESIDENT:
            sums.add(Indicator.SUBSIDY_PER_CAPITA, *args, Dimension.TARGET_GROUP, group, amount)


def _communities(sums: Sums, periods: list[int], first: dt.date, last: dt.date) -> None:
    """Learning Week: residents at an attended event of the year's edition, where they
    live. Learning teams: approved, active teams in their town, a stock at each period's
    end (a team approved in a year counts from that year on)."""
    week = _fetch(
        f"""SELECT ed.year, ro.district_id, ro.town_id, COUNT(DISTINCT g.learner_id)
            FROM {_t(Registration)} g
            JOIN {_t(Event)} e ON e.id = g.event_id
            JOIN {_t(Edition)} ed ON ed.id = e.edition_id {_learner_place("g.learner_id")}
            WHERE g.status = %s AND ed.year >= %s AND ed.year < %s
            GROUP BY ed.year, ro.district_id, ro.town_id""",
        [RegistrationStatus.ATTENDED, first.year, last.year],
    )
    for year, district, town, count in week:
        sums.add(Indicator.LEARNING_WEEK, year, district, town, Dimension.ALL, "", count)
    teams = _fetch(
        f"""SELECT {_year("COALESCE(t.decided_at, t.created_at)")} AS since,
                   ro.district_id, ro.town_id, COUNT(*)
            FROM {_t(LearningTeam)} t
            JOIN {_t(AreaRollup)} ro ON ro.area_id = t.area_id
            WHERE t.status = %s AND COALESCE(t.decided_at, t.created_at) < %s
            GROUP BY since, ro.district_id, ro.town_id""",
        [TeamStatus.ACTIVE, last],
    )
    for since, district, town, count in teams:
        for period in periods:
            if since <= period:
                sums.add(Indicator.LEARNING_TEAMS, period, district, town, Dimension.ALL, "", count)


def _scale(unit: str) -> Decimal:
    scales: dict[str, Decimal] = {
        Unit.PERCENT: HUNDRED,
        Unit.PER_1000: Decimal(1000),
        Unit.PER_10000: Decimal(10000),
        Unit.YUAN: Decimal(1),
        Unit.RATIO: Decimal(1),
    }
    return scales.get(unit, Decimal(1))


def _ratio(numerator: Decimal, denominator: Decimal | None, unit: str) -> Decimal | None:
    if denominator is None or denominator == 0:
        return None
    return (numerator * _scale(unit) / denominator).quantize(PLACES)


def _population_denominator(populations: Populations, key: Key) -> Decimal | None:
    indicator, period, area_id, dimension, value = key
    if indicator == Indicator.ELDER_COVERAGE_60:
        return populations.sum(area_id, period, Dimension.AGE_BAND, BANDS_60_PLUS)
    if indicator == Indicator.ELDER_COVERAGE_65:
        return populations.sum(area_id, period, Dimension.AGE_BAND, BANDS_65_PLUS)
    if dimension in (Dimension.ALL, Dimension.LEVEL):
        return populations.get(area_id, period, Dimension.ALL, "")
    return populations.get(area_id, period, dimension, value)


def _aggregates(sums: Sums, levels: dict[int, str], now: dt.datetime) -> list[Aggregate]:
    populations = Populations()
    rows: list[Aggregate] = []
    values: dict[Key, Decimal | None] = {}
    for key, numerator in sums.numerators.items():
        indicator, period, area_id, dimension, value = key
        unit = DEFINITIONS[indicator].unit
        denominator: Decimal | None
        result: Decimal | None
        if unit in (Unit.COUNT, Unit.CREDITS):
            denominator, result = None, numerator
        elif key in sums.denominators:
            denominator = sums.denominators[key]
            result = _ratio(numerator, denominator, unit)
        else:
            denominator = _population_denominator(populations, key)
            result = _ratio(numerator, denominator, unit)
        values[key] = result
        rows.append(
            Aggregate(
                indicator=indicator,
                period=period,
                area_id=area_id,
                area_level=levels.get(area_id, ""),
                dimension=dimension,
                dimension_value=value,
                numerator=numerator,
                denominator=denominator,
                value=result,
                computed_at=now,
            )
        )
    # Equity gaps follow from the participation rates just computed.
    for key, rate in list(values.items()):
        indicator, period, area_id, dimension, group = key
        if indicator != Indicator.PARTICIPATION or dimension != Dimension.TARGET_GROUP:
            continue
        overall = values.get((indicator, period, area_id, Dimension.ALL, ""))
        if rate is None or overall is None:
            continue
        rows.append(
            Aggregate(
                indicator=Indicator.EQUITY_GAP,
                period=period,
                area_id=area_id,
                area_level=levels.get(area_id, ""),
                dimension=Dimension.TARGET_GROUP,
                dimension_value=group,
                numerator=rate.quantize(Decimal("0.01")),
                denominator=overall.quantize(Decimal("0.01")),
                value=(rate - overall).quantize(PLACES),
                computed_at=now,
            )
        )
    return rows


_COLUMNS = (
    "indicator",
    "period",
    "area_id",
    "area_level",
    "dimension",
    "dimension_value",
    "numerator",
    "denominator",
    "value",
    "computed_at",
)


def _write(rows: list[Aggregate]) -> None:
    """Replace every aggregate: COPY on PostgreSQL (tens of thousands of rows in a blink),
    bulk INSERTs elsewhere."""
    Aggregate.objects.all().delete()
    if connection.vendor != "postgresql":
        Aggregate.objects.bulk_create(rows, batch_size=5000)
        return
    columns = ", ".join(_COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        with raw.copy(f"COPY {_t(Aggregate)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([getattr(row, column) for column in _COLUMNS])


@transaction.atomic
def refresh(*, actor: Any = None, as_of: dt.date | None = None) -> RefreshResult:
    """Recompute every indicator for the series' years (and the next year, for terms and
    budgets already published) and replace the aggregates. Idempotent: the same data give
    the same figures; safe to retry and to run from a task."""
    started = time.perf_counter()
    as_of = as_of or clock.today()
    if connection.vendor == "postgresql":
        _execute(f"LOCK TABLE {_t(Aggregate)} IN SHARE ROW EXCLUSIVE MODE")
        # A batch job: let its hash aggregates stay in memory rather than spill to disk.
        _execute("SET LOCAL work_mem = '256MB'")
    city = Area.objects.filter(level=AreaLevel.CITY).order_by("id").first()
    if city is None:
        return RefreshResult(as_of=as_of.isoformat(), periods=(), rows=0, seconds=0.0)
    windows = activity_windows(as_of)
    periods = [w.period for w in windows]
    first = dt.date(periods[0], 1, 1)
    # Terms, draws and budgets of the coming year are published ahead: count them too.
    last = dt.date(as_of.year + 2, 1, 1)
    scheduled = [*periods, as_of.year + 1]

    steps: list[tuple[str, float]] = []
    mark = time.perf_counter()

    def step(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        steps.append((name, round(now - mark, 3)))
        mark = now

    _rollup()
    step("areas")
    _fill_activity(windows)
    step("activity")
    sums = Sums(city_id=city.pk)
    _participation(sums)
    step("participation")
    _provision(sums, first, last)
    _lottery(sums, first, last)
    _completion(sums, first, dt.date(as_of.year + 1, 1, 1))
    step("catalog and enrolment")
    _credit_bank(sums, periods, first, dt.date(as_of.year + 1, 1, 1))
    step("credit bank")
    _subsidy(sums, first.year, last.year)
    step("funding")
    _communities(sums, periods, first, last)
    step("events and communities")
    levels = dict(Area.objects.exclude(level=AreaLevel.NEIGHBOURHOOD).values_list("id", "level"))
    rows = _aggregates(sums, levels, clock.now())
    step("rates")
    _write(rows)
    _execute(f"DROP TABLE IF EXISTS {ACTIVE}")
    step("write")
    seconds = time.perf_counter() - started
    audit_record(
        actor=actor,
        action="monitoring.refresh",
        subject="monitoring:aggregates",
        data={"as_of": as_of.isoformat(), "rows": len(rows), "seconds": round(seconds, 3)},
    )
    return RefreshResult(
        as_of=as_of.isoformat(),
        periods=tuple(scheduled),
        rows=len(rows),
        seconds=seconds,
        steps=tuple(steps),
    )
