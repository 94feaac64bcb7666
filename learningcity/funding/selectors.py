"""Every read in funding: eligibility and the price after subsidy, entitlements, budgets,
commitments, contracts, settlements, flags and reports, scoped to who asks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from learningcity.catalog.models import Class
from learningcity.core import clock
from learningcity.core.errors import NotFound
from learningcity.funding.choices import (
    LEVEL_DEPTH,
    LEVELS,
    AccountKind,
    Benefit,
    BudgetLevel,
    ContractStatus,
    FlagStatus,
    ReportDimension,
    TransactionKind,
)
from learningcity.funding.data import LevelShare, PolicyDecision, Quote, ReportRow, TrancheUse
from learningcity.funding.models import (
    Budget,
    Contract,
    Delivery,
    EntitlementScheme,
    FraudFlag,
    JournalLine,
    JournalTransaction,
    LedgerAccount,
    Settlement,
    SubsidyPolicy,
    TargetGroupRule,
    Tranche,
)
from learningcity.learners.choices import TargetGroup
from learningcity.learners.models import Learner
from learningcity.learners.selectors import learner_target_groups
from learningcity.network.choices import Action
from learningcity.network.models import Area, Organization, actor_scope

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Any) -> Decimal:
    """An exact two-place amount. SQLite sums decimals as floats; every sum passes here."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Eligibility and the price after subsidy
# ---------------------------------------------------------------------------------------------


def learner_groups(*, learner: Learner, on: dt.date) -> list[str]:
    """The target groups a learner is in on a date: verified memberships in force, the aged
    by birth date, and every registered resident in "residents"."""
    groups = [status.group for status in learner_target_groups(learner=learner, on=on)]
    return sorted({*groups, TargetGroup.RESIDENT})


def _group_names(groups: Iterable[str]) -> str:
    return "、".join(str(TargetGroup(g).label) for g in groups if g in TargetGroup.values)


def _scope_reasons(
    rule: SubsidyPolicy | EntitlementScheme, klass: Class, course_ids: set[int] | None
) -> list[str]:
    """Why a policy does not cover this class (an empty list: it does)."""
    course = klass.course
    refusals: list[str] = []
    if rule.categories and course.category not in rule.categories:
        refusals.append(
            _("It does not cover courses in %(category)s.")
            % {"category": course.get_category_display()}
        )
    system = course.provider.provider_system
    if rule.provider_systems and system not in rule.provider_systems:
        refusals.append(_("It does not cover courses from this kind of provider."))
    if course_ids is not None and course_ids and course.pk not in course_ids:
        refusals.append(_("It covers only a list of named courses, and this is not one of them."))
    return refusals


def _in_force(rule: SubsidyPolicy | EntitlementScheme, on: dt.date) -> bool:
    return (
        rule.is_active
        and rule.valid_from <= on
        and (rule.valid_until is None or on <= rule.valid_until)
    )


def policy_benefit(policy: SubsidyPolicy, fee: Decimal) -> Decimal:
    """What a policy pays towards a fee, before any cap."""
    if policy.benefit == Benefit.FREE:
        return fee
    if policy.benefit == Benefit.PERCENT:
        return money(fee * (policy.percent or ZERO) / 100)
    return min(policy.amount or ZERO, fee)


def split_by_level(policy: SubsidyPolicy, amount: Decimal) -> list[tuple[str, Decimal]]:
    """The subsidy split over the levels by the policy's shares. Each share is rounded to the
    cent; the last level with a share takes the rounding remainder, so the parts always add
    up to the whole."""
    levels = [level for level in LEVELS if policy.share_of(level) > 0]
    parts: list[tuple[str, Decimal]] = []
    left = amount
    for level in levels[:-1]:
        part = money(amount * policy.share_of(level) / 100)
        parts.append((level, part))
        left -= part
    if levels:
        parts.append((levels[-1], left))
    return parts


def subsidy_used(*, learner_id: int, policy_id: int, fiscal_year: int) -> Decimal:
    """Subsidy committed to a learner under a policy in a fiscal year, reversals netted."""
    total = (
        JournalTransaction.objects.filter(
            kind=TransactionKind.SUBSIDY,
            learner_id=learner_id,
            policy_id=policy_id,
            fiscal_year=fiscal_year,
            reversed_by__isnull=True,
        )
        .order_by()
        .aggregate(t=Sum("amount"))["t"]
    )
    return money(total)


def budgets_for(*, area_path: str, fiscal_year: int) -> dict[str, Budget]:
    """The budgets of the three levels above a place (city, its district, its town)."""
    codes = [c for c in area_path.split("/") if c]
    wanted = {codes[depth]: level for level, depth in LEVEL_DEPTH.items() if depth < len(codes)}
    found = Budget.objects.filter(
        fiscal_year=fiscal_year, area__code__in=list(wanted)
    ).select_related("area")
    return {wanted[b.area.code]: b for b in found}


def covering_contract(*, klass: Class, groups: list[str]) -> Contract | None:
    """An active contract by which a level of government bought this course from its
    provider for one of the learner's groups, for a class starting in its dates."""
    starts = klass.first_session_on
    return (
        Contract.objects.filter(
            course_id=klass.course_id,
            provider_id=klass.course.provider_id,
            status=ContractStatus.ACTIVE,
            valid_from__lte=starts,
            valid_until__gte=starts,
        )
        .filter(Q(target_group="") | Q(target_group__in=groups))
        .order_by("id")
        .first()
    )


def usable_tranches(
    *, learner: Learner, klass: Class, on: dt.date, lock: bool = False
) -> list[Tranche]:
    """The learner's tranches that can pay for this class, the one expiring first first."""
    qs = (
        Tranche.objects.filter(learner_id=learner.pk, expires_on__gte=on, account__balance__gt=0)
        .select_related("scheme", "account")
        .order_by("expires_on", "id")
    )
    if lock:
        qs = qs.select_for_update(of=("self", "account"))
    return [t for t in qs if t.scheme.is_active and not _scope_reasons(t.scheme, klass, None)]


def quote(
    *, learner: Learner, klass: Class, on: dt.date | None = None, lock: bool = False
) -> Quote:
    """What this class costs this learner if they take a place now, and why: the best subsidy
    policy that applies (subsidies do not stack), split over the three levels, then the
    learner's entitlement (the tranche that expires first first), then what is left."""
    on = on or clock.today()
    course = klass.course
    fee = money(course.fee)
    if fee == 0:
        return Quote(fee, course.currency, ZERO, None, None, (), ZERO, (), ZERO, ())
    fiscal_year = klass.first_session_on.year
    groups = learner_groups(learner=learner, on=on)
    decisions: list[PolicyDecision] = []
    contract = covering_contract(klass=klass, groups=groups)
    if contract is not None:
        decisions.append(
            PolicyDecision(
                code=contract.code,
                name=_("Bought by the government for %(group)s")
                % {"group": _group_names([contract.target_group]) or _("everyone")},
                kind="contract",
                applies=True,
                reasons=(_("The government pays the provider for your place."),),
                amount=fee,
            )
        )
        return Quote(fee, course.currency, ZERO, None, None, (), ZERO, (), ZERO, tuple(decisions))
    best: tuple[Decimal, SubsidyPolicy, list[str]] | None = None
    policies = SubsidyPolicy.objects.prefetch_related("courses").order_by("code")
    for policy in policies:
        reasons: list[str] = []
        matched = [g for g in policy.groups if g in groups]
        if not _in_force(policy, klass.first_session_on):
            reasons.append(
                _("It is not in force for a class starting on %(date)s.")
                % {"date": klass.first_session_on.isoformat()}
            )
        if not matched:
            reasons.append(
                _("It is for %(groups)s, and you are not in those groups.")
                % {"groups": _group_names(policy.groups)}
            )
        course_ids = {c.pk for c in policy.courses.all()}
        reasons.extend(_scope_reasons(policy, klass, course_ids))
        amount = ZERO
        capped: str | None = None
        if not reasons:
            full = policy_benefit(policy, fee)
            amount = full
            if policy.cap_per_learner_year is not None:
                used = subsidy_used(
                    learner_id=learner.pk, policy_id=policy.pk, fiscal_year=fiscal_year
                )
                left = max(money(policy.cap_per_learner_year) - used, ZERO)
                if left < full:
                    amount = left
                    capped = _(
                        "The cap of %(cap)s yuan a year applies; %(left)s yuan of it is left."
                    ) % {"cap": money(policy.cap_per_learner_year), "left": left}
                    if amount == 0:
                        reasons.append(capped)
        if reasons:
            decisions.append(
                PolicyDecision(policy.code, policy.name, "subsidy", False, tuple(reasons))
            )
            continue
        why = [_("You are in the group: %(groups)s.") % {"groups": _group_names(matched)}]
        if capped:
            why.append(capped)
        decisions.append(
            PolicyDecision(policy.code, policy.name, "subsidy", True, tuple(why), amount)
        )
        if best is None or amount > best[0]:
            best = (amount, policy, matched)
    subsidy = ZERO
    shares: list[LevelShare] = []
    chosen: SubsidyPolicy | None = None
    group = ""
    if best is not None and best[0] > 0:
        subsidy, chosen, matched = best
        specific = [g for g in matched if g != TargetGroup.RESIDENT]
        group = (specific or matched)[0]
        budgets = budgets_for(area_path=learner.residence_area.path, fiscal_year=fiscal_year)
        for level, part in split_by_level(chosen, subsidy):
            budget = budgets.get(level)
            shares.append(LevelShare(level, budget.pk if budget else None, part))
    left = fee - subsidy
    uses: list[TrancheUse] = []
    entitlement = ZERO
    for tranche in usable_tranches(learner=learner, klass=klass, on=on, lock=lock):
        if left <= 0:
            break
        take = min(money(tranche.account.balance), left)
        uses.append(TrancheUse(tranche.pk, tranche.scheme.code, tranche.expires_on, take))
        entitlement += take
        left -= take
    for scheme in EntitlementScheme.objects.order_by("code"):
        refusals = _scope_reasons(scheme, klass, None)
        used = sum((u.amount for u in uses if u.scheme_code == scheme.code), ZERO)
        reasons_tuple: tuple[str, ...]
        if not refusals and used:
            reasons_tuple = (_("Your learning allowance pays the rest, oldest grant first."),)
        elif not refusals:
            reasons_tuple = (_("Nothing is left to pay, or you have no allowance to spend."),)
        else:
            reasons_tuple = tuple(refusals)
        decisions.append(
            PolicyDecision(scheme.code, scheme.name, "entitlement", bool(used), reasons_tuple, used)
        )
    return Quote(
        fee=fee,
        currency=course.currency,
        subsidy=subsidy,
        policy_code=chosen.code if chosen else None,
        policy_name=chosen.name if chosen else None,
        shares=tuple(shares),
        entitlement=entitlement,
        tranches=tuple(uses),
        to_pay=fee - subsidy - entitlement,
        decisions=tuple(decisions),
        policy_id=chosen.pk if chosen else None,
        target_group=group,
    )


def price_for(*, learner: Learner | None, klass: Class) -> Quote | None:
    """The price after subsidy for the class page, or None for a visitor without a record."""
    if learner is None:
        return None
    return quote(learner=learner, klass=klass)


def eligibility(*, viewer: Any, learner: Learner, klass: Class) -> Quote:
    """Which policies apply to this learner for this class, and why: for the learner, or for
    staff who may see the learner."""
    if learner.user_id != getattr(viewer, "pk", None) and not (
        Learner.objects.restrict(viewer, Action.VIEW).filter(pk=learner.pk).exists()
    ):
        raise NotFound(_("No such learner."))
    return quote(learner=learner, klass=klass)


def target_group_rules() -> QuerySet[TargetGroupRule]:
    return TargetGroupRule.objects.order_by("group")


def policies_in_force(*, on: dt.date | None = None) -> QuerySet[SubsidyPolicy]:
    on = on or clock.today()
    return (
        SubsidyPolicy.objects.filter(is_active=True, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("owner")
        .order_by("code")
    )


def schemes_in_force(*, on: dt.date | None = None) -> QuerySet[EntitlementScheme]:
    on = on or clock.today()
    return (
        EntitlementScheme.objects.filter(is_active=True, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("code")
    )


# ---------------------------------------------------------------------------------------------
# A learner's entitlement
# ---------------------------------------------------------------------------------------------


def tranches_of(*, learner: Learner) -> QuerySet[Tranche]:
    return (
        Tranche.objects.filter(learner_id=learner.pk)
        .select_related("scheme", "account")
        .order_by("expires_on", "id")
    )


def entitlement_balance(*, learner: Learner, on: dt.date | None = None) -> Decimal:
    on = on or clock.today()
    total = Tranche.objects.filter(learner_id=learner.pk, expires_on__gte=on).aggregate(
        t=Sum("account__balance")
    )["t"]
    return money(total)


def entitlement_history(*, learner: Learner, limit: int = 50) -> QuerySet[JournalTransaction]:
    """Grants, spending, refunds and lapses of a learner's tranches, newest first."""
    accounts = Tranche.objects.filter(learner_id=learner.pk).values("account_id")
    lines = JournalLine.objects.filter(transaction=OuterRef("pk"), account_id__in=accounts)
    return (
        JournalTransaction.objects.filter(Exists(lines))
        .select_related("klass__course")
        .order_by("-id")[:limit]
    )


# ---------------------------------------------------------------------------------------------
# Finance offices: budgets, commitments, flags (scoped by level)
# ---------------------------------------------------------------------------------------------


def may_finance(*, viewer: Any) -> bool:
    """Whether the viewer is a finance officer of a level of government (the city, a district,
    a town) or the platform's administrator. A provider's finance officer is not: providers
    see their contracts and settlements, never budgets, flags or reports."""
    scope = actor_scope(viewer, Action.FINANCE)
    return scope.everything or bool(scope.area_paths)


def budget_list(*, viewer: Any, fiscal_year: int | None = None) -> QuerySet[Budget]:
    qs = Budget.objects.restrict(viewer, Action.FINANCE).select_related("area", "organization")
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.order_by("-fiscal_year", "area__path")


def access_budget(*, viewer: Any, public_id: Any) -> Budget:
    budget = (
        Budget.objects.restrict(viewer, Action.FINANCE)
        .select_related("area", "organization", "parent")
        .filter(public_id=public_id)
        .first()
    )
    if budget is None:
        raise NotFound(_("No such budget."))
    return budget


def budget_figures(budgets: Iterable[Budget]) -> dict[int, dict[str, Decimal]]:
    """Each budget's money by account kind (payables of every provider added up), in one
    query; "appropriated" is what the treasury put in."""
    ids = [b.pk for b in budgets]
    figures: dict[int, dict[str, Decimal]] = {
        pk: {kind: ZERO for kind in AccountKind.values} for pk in ids
    }
    rows = (
        LedgerAccount.objects.filter(budget_id__in=ids)
        .values_list("budget_id", "kind")
        .annotate(total=Sum("balance"))
        .order_by()
    )
    for budget_id, kind, total in rows:
        figures[budget_id][kind] = money(total)
    for values in figures.values():
        values["appropriated"] = -values[AccountKind.APPROPRIATION]
    return figures


def commitment_list(*, viewer: Any, fiscal_year: int | None = None) -> QuerySet[JournalTransaction]:
    """Subsidy and entitlement commitments, newest first, in the viewer's levels."""
    qs = JournalTransaction.objects.restrict(viewer, Action.FINANCE).filter(
        kind__in=[TransactionKind.SUBSIDY, TransactionKind.SPEND, TransactionKind.CONTRACT_COMMIT]
    )
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.select_related(
        "budget__area", "klass__course", "provider", "policy", "reversed_by"
    ).order_by("-id")


def flag_list(*, viewer: Any, status: str | None = FlagStatus.OPEN) -> QuerySet[FraudFlag]:
    settlements = Settlement.objects.restrict(viewer, Action.FINANCE)
    qs = FraudFlag.objects.filter(settlement__in=settlements)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("settlement__provider", "settlement__klass__course").order_by("-id")


def access_flag(*, viewer: Any, public_id: Any) -> FraudFlag:
    flag = flag_list(viewer=viewer, status=None).filter(public_id=public_id).first()
    if flag is None:
        raise NotFound(_("No such flag."))
    return flag


# ---------------------------------------------------------------------------------------------
# Contracts, deliveries and settlements: both sides see them
# ---------------------------------------------------------------------------------------------


def contract_list(*, viewer: Any) -> QuerySet[Contract]:
    return (
        Contract.objects.restrict(viewer, Action.VIEW)
        .select_related("budget__area", "provider", "course")
        .order_by("-valid_from", "code")
    )


def access_contract(*, viewer: Any, public_id: Any) -> Contract:
    contract = contract_list(viewer=viewer).filter(public_id=public_id).first()
    if contract is None:
        raise NotFound(_("No such contract."))
    return contract


def contract_delivered(contract: Contract) -> tuple[Decimal, Decimal]:
    """Units delivered and the amount made payable under a contract."""
    totals = contract.deliveries.aggregate(units=Sum("units"), amount=Sum("amount"))
    return money(totals["units"]), money(totals["amount"])


def settlement_list(*, viewer: Any, status: str | None = None) -> QuerySet[Settlement]:
    qs = Settlement.objects.restrict(viewer, Action.VIEW)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("provider", "klass__course").order_by("-id")


def access_settlement(*, viewer: Any, public_id: Any) -> Settlement:
    settlement = settlement_list(viewer=viewer).filter(public_id=public_id).first()
    if settlement is None:
        raise NotFound(_("No such settlement."))
    return settlement


# ---------------------------------------------------------------------------------------------
# Reports for the finance office
# ---------------------------------------------------------------------------------------------


def _district_of(path: str | None) -> str:
    parts = [p for p in (path or "").split("/") if p]
    return parts[1] if len(parts) > 1 else (parts[0] if parts else "")


def report(*, viewer: Any, by: str, fiscal_year: int | None = None) -> list[ReportRow]:
    """Money committed, delivered (payable) and paid from the viewer's budgets, with the
    learners served and learner-hours delivered, by level, district (the learner's, else the
    provider's), target group or provider."""
    budgets = Budget.objects.restrict(viewer, Action.FINANCE).values("pk")
    lines = JournalLine.objects.filter(account__budget__in=budgets, amount__gt=0)
    if fiscal_year:
        lines = lines.filter(transaction__fiscal_year=fiscal_year)
    committed = lines.filter(
        account__kind=AccountKind.COMMITTED,
        transaction__kind__in=[
            TransactionKind.SUBSIDY,
            TransactionKind.SPEND,
            TransactionKind.CONTRACT_COMMIT,
        ],
        transaction__reversed_by__isnull=True,
    )
    delivered = lines.filter(
        account__kind=AccountKind.PAYABLE, transaction__kind=TransactionKind.DELIVERY
    )
    paid = lines.filter(account__kind=AccountKind.PAID, transaction__kind=TransactionKind.PAYMENT)
    fields = [
        "account__budget__level",
        "transaction__target_group",
        "transaction__provider_id",
        "transaction__learner__residence_area__path",
        "transaction__provider__area__path",
        "transaction_id",
    ]

    def key_of(row: tuple[Any, ...]) -> str:
        level, group, provider_id, learner_path, provider_path, _txn = row[:6]
        if by == ReportDimension.LEVEL:
            return str(level)
        if by == ReportDimension.TARGET_GROUP:
            return str(group or "")
        if by == ReportDimension.PROVIDER:
            return str(provider_id or "")
        return _district_of(learner_path or provider_path)

    totals: dict[str, dict[str, Decimal]] = {}
    for name, qs in (("committed", committed), ("delivered", delivered), ("paid", paid)):
        for row in qs.values_list(*fields, "amount"):
            bucket = totals.setdefault(
                key_of(row), {"committed": ZERO, "delivered": ZERO, "paid": ZERO}
            )
            bucket[name] += money(row[-1])
    served: dict[str, set[int]] = {}
    hours: dict[str, Decimal] = {}
    delivery_rows = (
        Delivery.objects.filter(transaction__in=delivered.values("transaction_id"))
        .values_list(
            "learner_id",
            "hours",
            "target_group",
            "settlement__provider_id",
            "learner__residence_area__path",
            "transaction_id",
        )
        .distinct()
    )
    levels_of: dict[int, set[str]] = {}
    if by == ReportDimension.LEVEL:
        for txn, level in delivered.values_list("transaction_id", "account__budget__level"):
            levels_of.setdefault(txn, set()).add(level)
    for learner_id, delivered_hours, group, provider_id, path, txn in delivery_rows:
        if by == ReportDimension.LEVEL:
            keys = sorted(levels_of.get(txn, set()))
        elif by == ReportDimension.TARGET_GROUP:
            keys = [group or ""]
        elif by == ReportDimension.PROVIDER:
            keys = [str(provider_id)]
        else:
            keys = [_district_of(path)]
        for key in keys:
            served.setdefault(key, set()).add(learner_id)
            hours[key] = hours.get(key, ZERO) + money(delivered_hours)
    labels = _labels(by, set(totals))
    return [
        ReportRow(
            key=key,
            label=labels.get(key, key or "—"),
            committed=values["committed"],
            delivered=values["delivered"],
            paid=values["paid"],
            learners=len(served.get(key, ())),
            learner_hours=hours.get(key, ZERO),
        )
        for key, values in sorted(totals.items(), key=lambda item: labels.get(item[0], item[0]))
    ]


def _labels(by: str, keys: set[str]) -> dict[str, str]:
    if by == ReportDimension.LEVEL:
        return {k: str(BudgetLevel(k).label) for k in keys if k in BudgetLevel.values}
    if by == ReportDimension.TARGET_GROUP:
        return {k: str(TargetGroup(k).label) for k in keys if k in TargetGroup.values}
    if by == ReportDimension.PROVIDER:
        ids = [int(k) for k in keys if k.isdigit()]
        return {str(o.pk): o.name for o in Organization.objects.filter(pk__in=ids)}
    return {a.code: a.name for a in Area.objects.filter(code__in=list(keys))}
