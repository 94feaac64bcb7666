"""A funded city: budgets at the three levels (the city, both districts, their towns) with
allocations down, an elder subsidy split 50/30/20, an elder learning allowance, finance
officers at every level, and a fee-paying class. Built through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from learningcity.accounts.models import User
from learningcity.accounts.services import user_create
from learningcity.catalog import services as catalog
from learningcity.catalog.choices import Category, Rationing
from learningcity.catalog.models import Class, Course, Term
from learningcity.core import clock
from learningcity.funding import services
from learningcity.funding.choices import AccountKind, Benefit, BudgetLevel
from learningcity.funding.models import Budget, EntitlementScheme, LedgerAccount, SubsidyPolicy
from learningcity.learners.choices import TargetGroup
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import City, make_staff

YEAR = 2027
AGED_BIRTH = dt.date(1950, 5, 1)
_seq = itertools.count(1)


@dataclass
class Funded:
    city: City
    municipal: User
    finance_a: User
    finance_b: User
    budgets: dict[str, Budget]
    policy: SubsidyPolicy
    scheme: EntitlementScheme


def make_funded(
    city: City,
    *,
    city_amount: Decimal = Decimal("100000"),
    district_amount: Decimal = Decimal("20000"),
    town_amount: Decimal = Decimal("5000"),
    percent: Decimal = Decimal("50"),
    cap: Decimal | None = None,
    allowance: Decimal = Decimal("60"),
) -> Funded:
    root = city.root
    municipal = make_staff(
        actor=root, organization=city.commission, role=StaffRoleKind.FINANCE_OFFICER
    )
    finance_a = make_staff(
        actor=root,
        organization=city.a.office,
        role=StaffRoleKind.FINANCE_OFFICER,
        username=f"finance-a-{next(_seq)}",
        password="a-long-test-passphrase",
    )
    finance_b = make_staff(
        actor=root, organization=city.b.office, role=StaffRoleKind.FINANCE_OFFICER
    )
    budgets: dict[str, Budget] = {
        "city": services.budget_create(
            actor=municipal, fiscal_year=YEAR, organization=city.commission, amount=city_amount
        )
    }
    for name, district in (("a", city.a), ("b", city.b)):
        budgets[name] = services.budget_create(
            actor=municipal, fiscal_year=YEAR, organization=district.office
        )
        budgets[f"{name}_town"] = services.budget_create(
            actor=municipal, fiscal_year=YEAR, organization=district.town_office
        )
        services.budget_allocate(
            actor=municipal,
            source=budgets["city"],
            target=budgets[name],
            amount=district_amount + town_amount,
            reason="allocation",
            idempotency_key=f"to-{name}",
        )
        services.budget_allocate(
            actor=municipal,
            source=budgets[name],
            target=budgets[f"{name}_town"],
            amount=town_amount,
            reason="allocation",
            idempotency_key=f"to-{name}-town",
        )
    policy = services.policy_create(
        actor=municipal,
        owner=city.commission,
        code=f"AGED-{next(_seq)}",
        name_zh="老年人学习补贴",
        name_en="Elder learning subsidy",
        groups=[TargetGroup.AGED],
        benefit=Benefit.PERCENT,
        percent=percent,
        cap_per_learner_year=cap,
        shares=(Decimal(50), Decimal(30), Decimal(20)),
        valid_from=dt.date(2020, 1, 1),
    )
    scheme = services.scheme_create(
        actor=municipal,
        owner=city.commission,
        code=f"ELDER-{next(_seq)}",
        name_zh="老年学习津贴",
        name_en="Elder learning allowance",
        groups=[TargetGroup.AGED],
        amount=allowance,
        funded_by=BudgetLevel.DISTRICT,
        valid_from=dt.date(2020, 1, 1),
    )
    return Funded(city, municipal, finance_a, finance_b, budgets, policy, scheme)


def make_paid_course(city: City, *, fee: Decimal = Decimal("200")) -> Course:
    return catalog.course_create(
        actor=city.root,
        provider=city.a.school,
        code=f"FEE{next(_seq)}",
        title_zh="书法",
        title_en="Calligraphy",
        category=Category.CULTURE_ARTS,
        hours=Decimal("20"),
        fee=fee,
    )


def make_term(city: City) -> Term:
    n = next(_seq)
    return catalog.term_create(
        actor=city.root,
        code=f"F{n}",
        name_zh=f"第{n}学期",
        name_en=f"Term {n}",
        starts_on=dt.date(YEAR, 3, 1),
        ends_on=dt.date(YEAR, 6, 30),
        per_learner_cap=5,
        max_choices=5,
    )


def make_paid_class(
    city: City,
    *,
    fee: Decimal = Decimal("200"),
    rationing: str = Rationing.FIRST_COME,
    capacity: int = 30,
    weekday: int = 2,
    starts_at: dt.time = dt.time(9, 0),
    **kwargs: Any,
) -> Class:
    """A class of a fee-paying course at district A's school: four sessions from 2 March."""
    now = clock.now()
    return catalog.class_create(
        actor=city.root,
        course=make_paid_course(city, fee=fee),
        term=make_term(city),
        site=city.a.site,
        weekday=weekday,
        starts_at=starts_at,
        ends_at=dt.time(starts_at.hour + 2, 0),
        first_session_on=dt.date(YEAR, 3, 2),
        sessions=4,
        capacity=capacity,
        applications_open_at=now - dt.timedelta(days=1),
        applications_close_at=now + dt.timedelta(days=7),
        rationing=rationing,
        **kwargs,
    )


def make_resident(
    city: City, *, birth_date: dt.date = dt.date(1975, 1, 1), district: str = "a"
) -> Learner:
    area = getattr(city, district).neighbourhood
    user = user_create(actor=None, username=f"funded{next(_seq)}", password=None)
    learner = make_learner(actor=city.root, area=area, birth_date=birth_date, user=user)
    return Learner.objects.select_related("residence_area", "user").get(pk=learner.pk)


def make_elder(funded: Funded, *, grant: bool = True, district: str = "a") -> Learner:
    learner = make_resident(funded.city, birth_date=AGED_BIRTH, district=district)
    if grant:
        services.tranche_grant(
            actor=funded.municipal, scheme=funded.scheme, learner=learner, year=YEAR
        )
    return learner


def balance(budget: Budget, kind: str = AccountKind.AVAILABLE) -> Decimal:
    account = LedgerAccount.objects.filter(budget=budget, kind=kind, provider__isnull=True).first()
    if kind == AccountKind.PAYABLE:
        total = sum(
            (a.balance for a in LedgerAccount.objects.filter(budget=budget, kind=kind)),
            Decimal("0"),
        )
        return Decimal(total).quantize(Decimal("0.01"))
    return account.balance if account else Decimal("0.00")
