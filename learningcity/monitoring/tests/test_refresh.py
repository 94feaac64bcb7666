"""Each indicator against a value computed by hand on a small city: two districts with known
populations, a handful of learners of known ages and what they did."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from learningcity.catalog.choices import Rationing
from learningcity.communities.tests.factories import make_team
from learningcity.core import clock
from learningcity.creditbank import services as bank_services
from learningcity.creditbank.choices import CreditCategory
from learningcity.creditbank.tests.factories import Bank, account_of, make_bank, submit
from learningcity.enrollment import services as enrollment
from learningcity.enrollment.tests.factories import close_window, make_class, make_term
from learningcity.events import services as events
from learningcity.events.tests.factories import make_edition, make_event
from learningcity.funding.choices import BudgetLevel
from learningcity.funding.tests.factories import make_elder, make_funded, make_paid_class
from learningcity.learners import services as learners
from learningcity.learners.choices import TargetGroup
from learningcity.monitoring import services
from learningcity.monitoring.choices import AgeBand, Dimension, Indicator
from learningcity.monitoring.models import Aggregate
from learningcity.monitoring.services.refresh import activity_windows
from learningcity.monitoring.tasks import refresh_indicators, schedule_refresh
from learningcity.monitoring.tests.factories import (
    class_in_b,
    figure,
    resident,
    set_population,
    this_year,
    value,
)
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db

# Catalog, lottery and funding factories use 2027 terms and fiscal years; refreshing as of
# mid-2026 counts them as the coming year's, whatever day the tests run.
SCHEDULED_AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
def bank(city: City) -> Bank:
    return make_bank(city)


def days_ago(days: int) -> dt.date:
    return clock.today() - dt.timedelta(days=days)


def test_the_current_year_is_the_last_12_months_and_past_years_are_calendar_years() -> None:
    windows = activity_windows(dt.date(2026, 11, 28), years=3)

    assert [(w.period, w.starts, w.ends) for w in windows] == [
        (2024, dt.date(2024, 1, 1), dt.date(2025, 1, 1)),
        (2025, dt.date(2025, 1, 1), dt.date(2026, 1, 1)),
        (2026, dt.date(2025, 11, 29), dt.date(2026, 11, 29)),
    ]


def test_participation_and_elder_coverage_match_a_hand_count(city: City, bank: Bank) -> None:
    # Given 1,000 residents (400 in A, 600 in B), 200 of them 60 and over, 100 65 and over,
    # 50 with a disability, 700 with a local household registration
    code = city.city.code
    set_population(
        city,
        extra=(
            (code, Dimension.AGE_BAND, AgeBand.FROM_60, 100),
            (code, Dimension.AGE_BAND, AgeBand.FROM_65, 60),
            (code, Dimension.AGE_BAND, AgeBand.FROM_75, 40),
            (code, Dimension.TARGET_GROUP, TargetGroup.DISABLED, 50),
            (code, Dimension.HOUSEHOLD, "local", 700),
        ),
    )
    # and learners: a 66-year-old in A with a verified record a month ago, a 36-year-old in
    # A with a record not yet verified, a 76-year-old in B with a disability and a record, a
    # 40-year-old in B whose last record is 400 days old, and a resident who did nothing
    elder = resident(city, age=66, district="a")
    submit(bank, elder, completed_on=days_ago(30))
    submit(bank, resident(city, age=36, district="a"), verify=False, completed_on=days_ago(30))
    disabled = resident(city, age=76, district="b")
    membership = learners.membership_add(
        actor=city.root,
        learner=disabled,
        group=TargetGroup.DISABLED,
        valid_from=dt.date(2000, 1, 1),
    )
    learners.membership_verify(actor=city.root, membership_id=membership.pk, approve=True)
    submit(bank, disabled, completed_on=days_ago(30))
    submit(bank, resident(city, age=40, district="b"), completed_on=days_ago(400))
    resident(city, age=50, district="a")

    # When the indicators are refreshed
    services.refresh(actor=city.root)

    # Then 3 of 1,000 residents learned this year: 2 of 400 in A, 1 of 600 in B
    assert value(Indicator.PARTICIPATION, city.city) == Decimal("0.3000")
    assert value(Indicator.PARTICIPATION, city.a.area) == Decimal("0.5000")
    assert value(Indicator.PARTICIPATION, city.b.area) == Decimal("0.1667")
    row = figure(Indicator.PARTICIPATION, city.city)
    assert row is not None and (row.numerator, row.denominator) == (3, 1000)
    # by age band: 1 of the 60 aged 65–74 and 1 of the 40 aged 75 and over
    by_band = {AgeBand.FROM_65: Decimal("1.6667"), AgeBand.FROM_75: Decimal("2.5000")}
    for band, expected in by_band.items():
        assert (
            value(Indicator.PARTICIPATION, city.city, dimension=Dimension.AGE_BAND, group=band)
            == expected
        )
    # by household registration: 3 of 700 local
    assert value(
        Indicator.PARTICIPATION, city.city, dimension=Dimension.HOUSEHOLD, group="local"
    ) == Decimal("0.4286")
    # by target group: 1 of 50 disabled; the aged (60+) are 2 of 200
    assert value(
        Indicator.PARTICIPATION,
        city.city,
        dimension=Dimension.TARGET_GROUP,
        group=TargetGroup.DISABLED,
    ) == Decimal("2.0000")
    assert value(
        Indicator.PARTICIPATION, city.city, dimension=Dimension.TARGET_GROUP, group="aged"
    ) == Decimal("1.0000")
    # elder coverage: 2 of the 200 aged 60+, 2 of the 100 aged 65+
    assert value(Indicator.ELDER_COVERAGE_60, city.city) == Decimal("1.0000")
    assert value(Indicator.ELDER_COVERAGE_65, city.city) == Decimal("2.0000")
    # equity gap: the disabled learn at 2.0 %, the city at 0.3 %: 1.7 points above
    assert value(
        Indicator.EQUITY_GAP, city.city, dimension=Dimension.TARGET_GROUP, group="disabled"
    ) == Decimal("1.7000")
    # and the 400-day-old record counts in its own calendar year, against the nearest
    # population figure (this year's 1,000)
    assert value(Indicator.PARTICIPATION, city.city, period=days_ago(400).year) == Decimal("0.1000")


def test_applications_and_completions_make_a_learner_active(city: City) -> None:
    set_population(city)
    klass = make_class(city, make_term(city), capacity=2, rationing=Rationing.FIRST_COME)
    first, second = resident(city, age=30), resident(city, age=31, district="b")
    for learner in (first, second):
        assert learner.user is not None
        enrollment.application_submit(actor=learner.user, learner=learner, klass=klass)

    services.refresh(actor=city.root)

    assert value(Indicator.PARTICIPATION, city.city) == Decimal("0.2000")
    assert value(Indicator.PARTICIPATION, city.b.area) == Decimal("0.1667")


def test_provision_and_oversubscription_per_area(city: City) -> None:
    # Given 3 classes of 2 courses: 4 and 6 seats in A (one course), 5 seats in B
    set_population(city, year=2027)
    term = make_term(city)
    first = make_class(city, term, capacity=4, rationing=Rationing.FIRST_COME)
    make_class(city, term, capacity=6, course=first.course)
    class_in_b(city, term, capacity=5)
    # and 3 applicants to the first class
    for age in (30, 40, 50):
        learner = resident(city, age=age)
        assert learner.user is not None
        enrollment.application_submit(actor=learner.user, learner=learner, klass=first)

    services.refresh(actor=city.root, as_of=SCHEDULED_AS_OF)

    expected = {
        Indicator.CLASSES_PER_1000: ("3.0000", "5.0000", "1.6667"),
        Indicator.COURSES_PER_1000: ("2.0000", "2.5000", "1.6667"),
        Indicator.SEATS_PER_1000: ("15.0000", "25.0000", "8.3333"),
        Indicator.OVERSUBSCRIPTION: ("0.2000", "0.3000", "0.0000"),
    }
    for indicator, (whole, a, b) in expected.items():
        got = [
            value(indicator, area, period=2027) for area in (city.city, city.a.area, city.b.area)
        ]
        assert got == [Decimal(whole), Decimal(a), Decimal(b)], indicator


def test_lottery_win_rate_counts_offers_among_entries(city: City) -> None:
    set_population(city, year=2027)
    term = make_term(city)
    klass = make_class(city, term, capacity=2)
    for age in (30, 40, 50, 60, 70):
        learner = resident(city, age=age)
        assert learner.user is not None
        enrollment.application_submit(actor=learner.user, learner=learner, klass=klass)
    close_window(klass)
    enrollment.lottery_draw(actor=city.root, term=term)

    services.refresh(actor=city.root, as_of=SCHEDULED_AS_OF)

    row = figure(Indicator.LOTTERY_WIN_RATE, city.a.area, period=2027)
    assert row is not None
    assert (row.numerator, row.denominator, row.value) == (2, 5, Decimal("40.0000"))


def test_completion_rate_is_completed_over_ended(city: City) -> None:
    klass = make_class(city, make_term(city), capacity=3, rationing=Rationing.FIRST_COME)
    applications = []
    for age in (30, 40, 50):
        learner = resident(city, age=age)
        assert learner.user is not None
        applications.append(
            enrollment.application_submit(actor=learner.user, learner=learner, klass=klass)
        )
    keen, _absent, _late = applications
    for session in enrollment.sessions_schedule(actor=city.a.school_admin, klass=klass):
        enrollment.attendance_record(
            actor=city.a.school_admin,
            session=session,
            marks={a.pk: a.pk == keen.pk for a in applications},
        )
    enrollment.class_complete(actor=city.a.school_admin, klass=klass)

    services.refresh(actor=city.root)

    row = figure(Indicator.COMPLETION_RATE, city.a.area)
    assert row is not None
    assert (row.numerator, row.denominator, row.value) == (1, 3, Decimal("33.3333"))


def test_credit_bank_accounts_records_credits_and_conversions(city: City, bank: Bank) -> None:
    # Given two learners in A: one with two verified 30-hour leisure records (2 credits each)
    # and one unverified record; one with a certificate that converts
    reader = resident(city, age=45)
    submit(bank, reader, completed_on=days_ago(20))
    submit(bank, reader, completed_on=days_ago(10))
    submit(bank, reader, verify=False, completed_on=days_ago(5))
    coder = resident(city, age=35)
    submit(
        bank,
        coder,
        completed_on=days_ago(15),
        category=CreditCategory.VOCATIONAL,
        certificate_code="NCRE-1",
        hours=0,
    )
    application = bank_services.conversion_apply(
        actor=coder.user, account=account_of(coder), program_code=bank.program.code
    )
    bank_services.conversion_decide(
        actor=bank.assessor, public_id=application.public_id, approve=True, reason="ok"
    )
    earned = sum(
        (p.credits for a in (reader, coder) for p in account_of(a).postings.all()), Decimal(0)
    )

    services.refresh(actor=city.root)

    year = days_ago(10).year
    assert value(Indicator.CREDIT_ACCOUNTS, city.a.area) == 2
    assert value(Indicator.CREDIT_RECORDS, city.a.area) == 3  # the last 12 months
    assert value(Indicator.CREDITS_EARNED, city.a.area, period=year) == earned
    assert earned > 4
    assert value(Indicator.CREDIT_CONVERSIONS, city.a.area) == 1
    assert value(Indicator.CREDIT_ACCOUNTS, city.b.area) is None


def test_subsidy_per_capita_by_level_and_group(city: City) -> None:
    # Given an elder in A taking a 200-yuan place: a 50 % subsidy (100 yuan split 50/30/20
    # between the city, the district and the town) and 60 yuan of her district's allowance
    funded = make_funded(city)
    set_population(
        city,
        year=2027,
        extra=((city.a.area.code, Dimension.TARGET_GROUP, TargetGroup.AGED, 40),),
    )
    elder = make_elder(funded)
    assert elder.user is not None
    enrollment.application_submit(actor=elder.user, learner=elder, klass=make_paid_class(city))

    services.refresh(actor=city.root, as_of=SCHEDULED_AS_OF)

    a = city.a.area
    assert value(Indicator.SUBSIDY_PER_CAPITA, a, period=2027) == Decimal("0.4000")  # 160 / 400
    by_level = {
        level: value(
            Indicator.SUBSIDY_PER_CAPITA, a, period=2027, dimension=Dimension.LEVEL, group=level
        )
        for level in BudgetLevel.values
    }
    assert by_level == {
        BudgetLevel.MUNICIPAL: Decimal("0.1250"),  # 50 / 400
        BudgetLevel.DISTRICT: Decimal("0.2250"),  # (30 + 60) / 400
        BudgetLevel.TOWN: Decimal("0.0500"),  # 20 / 400
    }
    assert value(
        Indicator.SUBSIDY_PER_CAPITA,
        a,
        period=2027,
        dimension=Dimension.TARGET_GROUP,
        group=TargetGroup.AGED,
    ) == Decimal("2.5000")  # the 100-yuan subsidy given for her age / 40 aged residents
    assert value(Indicator.SUBSIDY_PER_CAPITA, city.city, period=2027) == Decimal("0.1600")


def test_a_second_refresh_gives_the_same_figures(city: City, bank: Bank) -> None:
    set_population(city)
    submit(bank, resident(city, age=70), completed_on=days_ago(3))
    services.refresh(actor=city.root)
    first = sorted(
        Aggregate.objects.values_list("indicator", "period", "area_id", "dimension_value", "value")
    )

    services.refresh(actor=city.root)

    assert (
        sorted(
            Aggregate.objects.values_list(
                "indicator", "period", "area_id", "dimension_value", "value"
            )
        )
        == first
    )
    assert len(first) > 0


def test_a_rate_without_a_population_figure_has_no_value(city: City, bank: Bank) -> None:
    submit(bank, resident(city, age=70), completed_on=days_ago(3))

    services.refresh(actor=city.root)

    row = figure(Indicator.PARTICIPATION, city.city)
    assert row is not None
    assert (row.numerator, row.denominator, row.value) == (1, None, None)
    assert this_year() == row.period


def test_learning_week_counts_residents_who_attended_an_event_of_the_years_edition(
    city: City,
) -> None:
    set_population(city)
    edition = make_edition(city)
    event = make_event(city, edition=edition, capacity=5, starts_in=dt.timedelta(minutes=30))
    came, stayed_home = (resident(city, age=70), resident(city, age=65))
    tickets = [
        events.registration_create(actor=person.user, learner=person, event=event)
        for person in (came, stayed_home)
    ]
    events.checkin_record(actor=city.a.school_admin, code=tickets[0].ticket_code, event=event)

    services.refresh(actor=city.root)

    row = figure(Indicator.LEARNING_WEEK, city.a.area, period=edition.year)
    assert row is not None
    assert (row.numerator, row.denominator, row.value) == (1, 400, Decimal("2.5000"))
    # attending is learning: she is active this year, her neighbour who stayed home is not
    active = figure(Indicator.PARTICIPATION, city.a.area)
    assert active is not None and active.numerator == 1


def test_learning_teams_per_10000_count_approved_active_teams_in_their_town(city: City) -> None:
    set_population(city)
    make_team(city, district="a")
    make_team(city, district="a", name_zh="书法社", name_en="Calligraphy circle")
    make_team(city, district="b", approve=False)

    services.refresh(actor=city.root)

    assert value(Indicator.LEARNING_TEAMS, city.a.area) == Decimal("50.0000")  # 2 / 400
    assert value(Indicator.LEARNING_TEAMS, city.city) == Decimal("20.0000")  # 2 / 1,000
    assert value(Indicator.LEARNING_TEAMS, city.b.area) is None


@pytest.mark.django_db(transaction=True)
def test_a_refresh_by_the_worker_queues_the_next_one_once(settings: Any) -> None:
    settings.MONITORING_REFRESH_MINUTES = 30
    pending = DBTaskResult.objects.filter(
        task_path=refresh_indicators.module_path, status=TaskResultStatus.READY
    )

    refresh_indicators.call()  # as the worker runs it: refresh, then queue the next
    schedule_refresh()

    assert pending.count() == 1
    waiting = pending.get()
    assert waiting.run_after is not None
    assert 29 * 60 <= (waiting.run_after - clock.now()).total_seconds() <= 30 * 60
