from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from learningcity.monitoring.data import IndicatorDefinition

# Cells of open data about fewer people than this are withheld (shown as "suppressed"), so no
# one can be picked out of a small group; counts that are shown are rounded to COUNT_ROUNDING.
SMALL_CELL_THRESHOLD = 10
COUNT_ROUNDING = 10
# Rates and per-capita figures are published with this many decimal places.
OPEN_DATA_DECIMALS = 1
# How many calendar years the time series holds, the current one included.
SERIES_YEARS = 7
# A target within this share of its value (e.g. 0.9: 90 %) shows amber rather than red.
AMBER_SHARE = "0.9"


class Indicator(models.TextChoices):
    PARTICIPATION = "participation_rate", _("Participation rate")
    ELDER_COVERAGE_60 = "elder_coverage_60", _("Elder coverage (60 and over)")
    ELDER_COVERAGE_65 = "elder_coverage_65", _("Elder coverage (65 and over)")
    COURSES_PER_1000 = "courses_per_1000", _("Courses per 1,000 residents")
    CLASSES_PER_1000 = "classes_per_1000", _("Classes per 1,000 residents")
    SEATS_PER_1000 = "seats_per_1000", _("Seats per 1,000 residents")
    OVERSUBSCRIPTION = "oversubscription", _("Applicants per seat")
    LOTTERY_WIN_RATE = "lottery_win_rate", _("Lottery win rate")
    COMPLETION_RATE = "completion_rate", _("Completion rate")
    CREDIT_ACCOUNTS = "credit_accounts", _("Credit-bank accounts")
    CREDIT_RECORDS = "credit_records", _("Verified learning records")
    CREDITS_EARNED = "credits_earned", _("Credits earned")
    CREDIT_CONVERSIONS = "credit_conversions", _("Approved credit conversions")
    SUBSIDY_PER_CAPITA = "subsidy_per_capita", _("Subsidy spending per resident")
    EQUITY_GAP = "equity_gap", _("Equity gap")
    LEARNING_WEEK = "learning_week", _("Learning Week participation")
    LEARNING_TEAMS = "learning_teams_per_10000", _("Learning teams per 10,000 residents")


class Unit(models.TextChoices):
    PERCENT = "percent", _("per cent")
    PER_1000 = "per_1000", _("per 1,000 residents")
    PER_10000 = "per_10000", _("per 10,000 residents")
    RATIO = "ratio", _("applicants per seat")
    COUNT = "count", _("number")
    CREDITS = "credits", _("credits")
    YUAN = "yuan", _("yuan per resident")
    POINTS = "points", _("percentage points")


class Dimension(models.TextChoices):
    ALL = "all", _("All residents")
    AGE_BAND = "age_band", _("Age band")
    HOUSEHOLD = "household", _("Household registration")
    TARGET_GROUP = "target_group", _("Target group")
    LEVEL = "level", _("Budget level")


class AgeBand(models.TextChoices):
    UNDER_15 = "under_15", _("Under 15")
    FROM_15 = "15_44", _("15 to 44")
    FROM_45 = "45_59", _("45 to 59")
    FROM_60 = "60_64", _("60 to 64")
    FROM_65 = "65_74", _("65 to 74")
    FROM_75 = "75_plus", _("75 and over")


# (band, lowest age, highest age or None): the age reached during the period's year.
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    (AgeBand.UNDER_15, 0, 14),
    (AgeBand.FROM_15, 15, 44),
    (AgeBand.FROM_45, 45, 59),
    (AgeBand.FROM_60, 60, 64),
    (AgeBand.FROM_65, 65, 74),
    (AgeBand.FROM_75, 75, None),
)
BANDS_60_PLUS = (AgeBand.FROM_60, AgeBand.FROM_65, AgeBand.FROM_75)
BANDS_65_PLUS = (AgeBand.FROM_65, AgeBand.FROM_75)


class Light(models.TextChoices):
    GREEN = "green", _("On track")
    AMBER = "amber", _("Close to the target")
    RED = "red", _("Behind the target")
    GREY = "grey", _("No data yet")
    PENDING = "pending", _("Not due yet")


_ACTIVE = _(
    "A learner is active in a period when, in it, they applied for a class, finished an "
    "enrolment (completed or not), have a learning record in the credit bank that was not "
    "rejected, or attended a Learning Week event. The period of a past year is that calendar "
    "year; the period of the current year is the 12 months up to the day of the refresh."
)
_POPULATION = _(
    "Resident population from the population table kept by the municipal office (per area, "
    "year and group); a year without figures uses the latest earlier year."
)

DEFINITIONS: dict[str, IndicatorDefinition] = {
    Indicator.PARTICIPATION: IndicatorDefinition(
        code=Indicator.PARTICIPATION,
        unit=Unit.PERCENT,
        higher_is_better=True,
        dimensions=(
            Dimension.ALL,
            Dimension.AGE_BAND,
            Dimension.HOUSEHOLD,
            Dimension.TARGET_GROUP,
        ),
        definition=_(
            "The share of residents who learned: learners active in the period, divided by "
            "the resident population, as a percentage."
        ),
        numerator=_ACTIVE,
        denominator=_POPULATION,
        source=_("Enrolment, credit bank, Learning Week; population table."),
    ),
    Indicator.ELDER_COVERAGE_60: IndicatorDefinition(
        code=Indicator.ELDER_COVERAGE_60,
        unit=Unit.PERCENT,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Active learners aged 60 and over (age reached during the year) divided by the "
            "resident population aged 60 and over, as a percentage."
        ),
        numerator=_ACTIVE,
        denominator=_POPULATION,
        source=_("Enrolment, credit bank, Learning Week; population table."),
    ),
    Indicator.ELDER_COVERAGE_65: IndicatorDefinition(
        code=Indicator.ELDER_COVERAGE_65,
        unit=Unit.PERCENT,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Active learners aged 65 and over (age reached during the year) divided by the "
            "resident population aged 65 and over, as a percentage."
        ),
        numerator=_ACTIVE,
        denominator=_POPULATION,
        source=_("Enrolment, credit bank, Learning Week; population table."),
    ),
    Indicator.COURSES_PER_1000: IndicatorDefinition(
        code=Indicator.COURSES_PER_1000,
        unit=Unit.PER_1000,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Different courses with at least one published class in a term that starts in "
            "the year, per 1,000 residents. A class counts where its learning site is (an "
            "online class where its provider is)."
        ),
        numerator=_("Distinct courses with a published class."),
        denominator=_POPULATION,
        source=_("Catalog; population table."),
    ),
    Indicator.CLASSES_PER_1000: IndicatorDefinition(
        code=Indicator.CLASSES_PER_1000,
        unit=Unit.PER_1000,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Published classes in terms that start in the year, per 1,000 residents, counted "
            "where the class meets."
        ),
        numerator=_("Published classes."),
        denominator=_POPULATION,
        source=_("Catalog; population table."),
    ),
    Indicator.SEATS_PER_1000: IndicatorDefinition(
        code=Indicator.SEATS_PER_1000,
        unit=Unit.PER_1000,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Seats in published classes of terms that start in the year, per 1,000 residents."
        ),
        numerator=_("Seats (class capacity)."),
        denominator=_POPULATION,
        source=_("Catalog; population table."),
    ),
    Indicator.OVERSUBSCRIPTION: IndicatorDefinition(
        code=Indicator.OVERSUBSCRIPTION,
        unit=Unit.RATIO,
        higher_is_better=False,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Applicants per seat: different learners who applied for a published class of a "
            "term starting in the year (any outcome), divided by the seats of those classes."
        ),
        numerator=_("Applicants (one per learner and class)."),
        denominator=_("Seats (class capacity)."),
        source=_("Enrolment and catalog."),
    ),
    Indicator.LOTTERY_WIN_RATE: IndicatorDefinition(
        code=Indicator.LOTTERY_WIN_RATE,
        unit=Unit.PERCENT,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "The share of lottery entries that were offered a place in the draw, for classes "
            "of terms starting in the year, as a percentage."
        ),
        numerator=_("Lottery entries offered a place."),
        denominator=_("Lottery entries."),
        source=_("Enrolment (published draws)."),
    ),
    Indicator.COMPLETION_RATE: IndicatorDefinition(
        code=Indicator.COMPLETION_RATE,
        unit=Unit.PERCENT,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Enrolments that ended completed, divided by all enrolments that ended in the "
            "year, as a percentage; counted where the learner lives."
        ),
        numerator=_("Completed enrolments."),
        denominator=_("Enrolments that ended (completed or not)."),
        source=_("Enrolment."),
    ),
    Indicator.CREDIT_ACCOUNTS: IndicatorDefinition(
        code=Indicator.CREDIT_ACCOUNTS,
        unit=Unit.COUNT,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Open credit-bank accounts at the end of the period (merged accounts not "
            "counted), where the learner lives."
        ),
        numerator=_("Open accounts opened up to the end of the period."),
        denominator=_("None: a count."),
        source=_("Credit bank."),
    ),
    Indicator.CREDIT_RECORDS: IndicatorDefinition(
        code=Indicator.CREDIT_RECORDS,
        unit=Unit.COUNT,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Verified learning records dated in the period (the current year: the 12 months "
            "up to the refresh), where the learner lives."
        ),
        numerator=_("Verified learning records."),
        denominator=_("None: a count."),
        source=_("Credit bank."),
    ),
    Indicator.CREDITS_EARNED: IndicatorDefinition(
        code=Indicator.CREDITS_EARNED,
        unit=Unit.CREDITS,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Credits posted to the ledger for learning of the period, net of reversals "
            "(transfers between merged accounts left out), where the learner lives."
        ),
        numerator=_("Sum of recognition postings and their reversals."),
        denominator=_("None: a total."),
        source=_("Credit bank ledger."),
    ),
    Indicator.CREDIT_CONVERSIONS: IndicatorDefinition(
        code=Indicator.CREDIT_CONVERSIONS,
        unit=Unit.COUNT,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_("Conversion applications approved in the period, where the learner lives."),
        numerator=_("Approved conversion applications."),
        denominator=_("None: a count."),
        source=_("Credit bank."),
    ),
    Indicator.SUBSIDY_PER_CAPITA: IndicatorDefinition(
        code=Indicator.SUBSIDY_PER_CAPITA,
        unit=Unit.YUAN,
        higher_is_better=True,
        dimensions=(Dimension.ALL, Dimension.LEVEL, Dimension.TARGET_GROUP),
        definition=_(
            "Public money committed to learners' places in the fiscal year (subsidies and "
            "learning allowances spent, reversals left out) divided by the resident "
            "population. By target group: the subsidies granted because of the group "
            "(allowances name no group), divided by that group's population."
        ),
        numerator=_("Committed subsidy and allowance spending, in yuan."),
        denominator=_POPULATION,
        source=_("Funding journal; population table."),
    ),
    Indicator.EQUITY_GAP: IndicatorDefinition(
        code=Indicator.EQUITY_GAP,
        unit=Unit.POINTS,
        higher_is_better=True,
        dimensions=(Dimension.TARGET_GROUP,),
        definition=_(
            "Each target group's participation rate minus the participation rate of all "
            "residents, in percentage points: below zero the group learns less than the city."
        ),
        numerator=_("The group's participation rate."),
        denominator=_("The participation rate of all residents."),
        source=_("Participation rate."),
    ),
    Indicator.LEARNING_WEEK: IndicatorDefinition(
        code=Indicator.LEARNING_WEEK,
        unit=Unit.PER_1000,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Residents who attended at least one event of the year's Learning Week, per "
            "1,000 residents."
        ),
        numerator=_("Different learners with an attended registration."),
        denominator=_POPULATION,
        source=_("Learning Week events; population table."),
    ),
    Indicator.LEARNING_TEAMS: IndicatorDefinition(
        code=Indicator.LEARNING_TEAMS,
        unit=Unit.PER_10000,
        higher_is_better=True,
        dimensions=(Dimension.ALL,),
        definition=_(
            "Approved, active learning teams at the end of the period, per 10,000 residents, "
            "counted in the team's area."
        ),
        numerator=_("Approved and active learning teams."),
        denominator=_POPULATION,
        source=_("Communities; population table."),
    ),
}

# The indicators the dashboard leads with, in order.
HEADLINE = (
    Indicator.PARTICIPATION,
    Indicator.ELDER_COVERAGE_60,
    Indicator.SEATS_PER_1000,
    Indicator.OVERSUBSCRIPTION,
    Indicator.COMPLETION_RATE,
    Indicator.SUBSIDY_PER_CAPITA,
)
