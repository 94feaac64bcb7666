"""The demo's money: three-level budgets (the city, every district, every town) for this
fiscal year and the demo term's, allocated down the levels; subsidy policies for the aged,
the disabled, laid-off workers and migrant workers; an elder learning allowance granted to
Huangpu's older residents (two yearly tranches, the older one expiring first); and a
bought-service contract in Huangpu. Everything goes through the funding services, as the
finance offices would.

The `resident` login (an elder in Huangpu) therefore holds an allowance, and every fee-paying
community or elder-college class shows her a subsidised price."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from learningcity.accounts.models import User
from learningcity.accounts.services import user_create
from learningcity.catalog.models import Class
from learningcity.funding import services as funding
from learningcity.funding.choices import Benefit, BudgetLevel, ContractUnit
from learningcity.funding.models import Budget
from learningcity.learners.choices import TargetGroup
from learningcity.network import services as network
from learningcity.network.choices import (
    AreaLevel,
    OrganizationKind,
    ProviderSystem,
    StaffRoleKind,
)
from learningcity.network.models import Area, Organization
from learningcity.network.selectors import organization_get

Log = Callable[[str], None]

COMMISSION = "SH-EDU"
HUANGPU = "310101"
TERM_YEAR = 2027  # the demo term (2027-spring) is paid from this fiscal year
# A whole city's yearly learning budget at scale 1, in yuan; a smaller city gets its share.
CITY_BUDGET = Decimal("200000000")
# Of what reaches each level, how much it passes down to the level below.
TO_DISTRICTS = Decimal("0.45")
TO_TOWNS = Decimal("0.30")
ALLOWANCE = Decimal("200")
COMMUNITY_CATEGORIES = ["culture_arts", "health", "digital", "family", "law_civics", "science"]
SKILLS = ["vocational", "digital"]


def _yuan(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"))


def _budgets(admin: User, year: int, scale: float, say: Log) -> dict[str, Budget]:
    """The city's budget, then each district's and each town's, with allocations down:
    a district gets its share by its population aged 65 and over; a town an equal share."""
    commission = organization_get(code=COMMISSION)
    total = _yuan(CITY_BUDGET * Decimal(str(max(scale, 0.01))))
    city = funding.budget_create(
        actor=admin, fiscal_year=year, organization=commission, amount=total
    )
    budgets = {commission.area.code: city}
    districts = list(
        Organization.objects.filter(kind=OrganizationKind.DISTRICT_OFFICE)
        .select_related("area")
        .order_by("code")
    )
    towns = list(
        Organization.objects.filter(kind=OrganizationKind.TOWN_OFFICE)
        .select_related("area__parent")
        .order_by("code")
    )
    elders = sum(d.area.population_over_65 for d in districts) or 1
    received: dict[str, Decimal] = {}
    for office in districts:
        budget = funding.budget_create(actor=admin, fiscal_year=year, organization=office)
        budgets[office.area.code] = budget
        share = _yuan(total * TO_DISTRICTS * office.area.population_over_65 / elders)
        received[office.area.code] = share
        if share > 0:
            funding.budget_allocate(
                actor=admin,
                source=city,
                target=budget,
                amount=share,
                reason="市级学习经费下拨",
                idempotency_key=f"demo-allocation-{office.area.code}",
            )
    by_district: dict[str, list[Organization]] = {}
    for office in towns:
        if office.area.level == AreaLevel.TOWN and office.area.parent is not None:
            by_district.setdefault(office.area.parent.code, []).append(office)
    for district_code, offices in by_district.items():
        parent = budgets.get(district_code)
        each = _yuan(received.get(district_code, Decimal(0)) * TO_TOWNS / len(offices))
        for office in offices:
            budget = funding.budget_create(actor=admin, fiscal_year=year, organization=office)
            budgets[office.area.code] = budget
            if parent is None:
                continue
            if each > 0:
                funding.budget_allocate(
                    actor=admin,
                    source=parent,
                    target=budget,
                    amount=each,
                    reason="区级学习经费下拨",
                    idempotency_key=f"demo-allocation-{office.area.code}",
                )
    say(f"budgets {year}: {len(budgets)} (city ¥{total:,})")
    return budgets


def _policies(admin: User, starts: dt.date) -> None:
    commission = organization_get(code=COMMISSION)
    funding.policy_create(
        actor=admin,
        owner=commission,
        code="SH-AGED-2026",
        name_zh="老年人社区学习补贴",
        name_en="Community learning subsidy for older residents",
        groups=[TargetGroup.AGED],
        benefit=Benefit.PERCENT,
        percent=Decimal("50"),
        cap_per_learner_year=Decimal("600"),
        shares=(Decimal(50), Decimal(30), Decimal(20)),
        categories=COMMUNITY_CATEGORIES,
        provider_systems=[ProviderSystem.COMMUNITY],
        valid_from=starts,
    )
    funding.policy_create(
        actor=admin,
        owner=commission,
        code="SH-DISABLED-2026",
        name_zh="残疾人免费学习",
        name_en="Free learning for people with disabilities",
        groups=[TargetGroup.DISABLED],
        benefit=Benefit.FREE,
        cap_per_learner_year=Decimal("2000"),
        shares=(Decimal(60), Decimal(30), Decimal(10)),
        valid_from=starts,
    )
    funding.policy_create(
        actor=admin,
        owner=commission,
        code="SH-LAIDOFF-2026",
        name_zh="失业人员职业技能培训补贴",
        name_en="Skills training subsidy for laid-off workers",
        groups=[TargetGroup.LAID_OFF],
        benefit=Benefit.PERCENT,
        percent=Decimal("80"),
        cap_per_learner_year=Decimal("3000"),
        shares=(Decimal(50), Decimal(50), Decimal(0)),
        categories=SKILLS,
        valid_from=starts,
    )
    funding.policy_create(
        actor=admin,
        owner=commission,
        code="SH-MIGRANT-2026",
        name_zh="来沪务工人员学习补贴",
        name_en="Learning subsidy for migrant workers",
        groups=[TargetGroup.MIGRANT],
        benefit=Benefit.FIXED,
        amount=Decimal("100"),
        cap_per_learner_year=Decimal("300"),
        shares=(Decimal(40), Decimal(40), Decimal(20)),
        categories=[*SKILLS, "languages", "law_civics"],
        valid_from=starts,
    )


def _contract(admin: User, budgets: dict[str, Budget], seed: int) -> int:
    """Huangpu buys seats of one fee-paying class of its own for residents with disabilities."""
    rng = random.Random(f"{seed}/funding-contract")  # noqa: S311 - demo data, not secrets
    huangpu = Area.objects.get(code=HUANGPU)
    candidates = list(
        Class.objects.filter(
            course__provider__area__path__startswith=huangpu.path,
            course__fee__gt=0,
            first_session_on__year=TERM_YEAR,
        )
        .select_related("course")
        .order_by("id")[:50]
    )
    if not candidates or HUANGPU not in budgets:
        return 0
    klass = rng.choice(candidates)
    funding.contract_sign(
        actor=admin,
        budget=budgets[HUANGPU],
        course=klass.course,
        code=f"HP-{TERM_YEAR}-GM-001",
        unit=ContractUnit.SEAT,
        quantity=Decimal("20"),
        unit_price=klass.course.fee,
        valid_from=dt.date(TERM_YEAR, 1, 1),
        valid_until=dt.date(TERM_YEAR, 12, 31),
        target_group=TargetGroup.DISABLED,
    )
    return 1


def _finance_logins(admin: User, password: str) -> None:
    for username, code in (("finance", COMMISSION), ("huangpu-finance", f"{HUANGPU}-OFFICE")):
        user = user_create(
            actor=admin, username=username, password=password, display_name="财务人员"
        )
        network.staff_role_grant(
            actor=admin,
            user=user,
            organization=organization_get(code=code),
            role=StaffRoleKind.FINANCE_OFFICER,
        )


def seed_funding(
    admin: User,
    *,
    seed: int,
    scale: float = 0.1,
    password: str | None = None,
    log: Log | None = None,
) -> dict[str, int]:
    """Budgets for this year and the demo term's, policies, the elder allowance (granted to
    Huangpu's older residents for both years) and one contract. With `password`, also the
    `finance` (municipal) and `huangpu-finance` logins. Returns what it made."""
    say = log or (lambda _line: None)
    this_year = dt.date.today().year  # noqa: DTZ011 - the demo's calendar, not a stored time
    years = sorted({this_year, TERM_YEAR})
    budgets: dict[str, Budget] = {}
    for year in years:
        budgets = _budgets(admin, year, scale, say)
    starts = dt.date(years[0], 1, 1)
    _policies(admin, starts)
    scheme = funding.scheme_create(
        actor=admin,
        owner=organization_get(code=COMMISSION),
        code="SH-ELDER-ALLOWANCE",
        name_zh="老年人终身学习津贴",
        name_en="Lifelong learning allowance for older residents",
        groups=[TargetGroup.AGED],
        amount=ALLOWANCE,
        funded_by=BudgetLevel.DISTRICT,
        valid_years=2,
        provider_systems=[ProviderSystem.COMMUNITY],
        valid_from=starts,
    )
    huangpu = Area.objects.get(code=HUANGPU)
    granted = 0
    for year in years:
        made, _refused = funding.entitlements_grant(
            actor=admin, scheme=scheme, year=year, area=huangpu
        )
        granted += made
    say(f"elder allowance: {granted:,} tranches in Huangpu")
    contracts = _contract(admin, budgets, seed)
    if password:
        _finance_logins(admin, password)
    return {"budgets": Budget.objects.count(), "tranches": granted, "contracts": contracts}
