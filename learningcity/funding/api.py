"""The funding API: a learner's entitlement and price after subsidy; public policies and
target-group rules; finance offices' budgets, allocations, commitments, flags and reports;
both sides' contracts and settlements. Every list is scoped to the caller."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from learningcity.accounts.api import ActiveSessionAuth, BearerTokenAuth, optional_auth
from learningcity.catalog.models import Class
from learningcity.core.errors import NotFound, ValidationFailed
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.core.services import idempotency_key_check
from learningcity.funding import selectors, services
from learningcity.funding.choices import FlagStatus, ReportDimension
from learningcity.funding.data import Quote
from learningcity.learners.models import Learner
from learningcity.learners.selectors import access_learner
from learningcity.network.choices import Action

router = Router(
    tags=["funding"],
    auth=[BearerTokenAuth(related=("user__learner",)), ActiveSessionAuth()],
)


def _own_learner(request: HttpRequest, learner_id: uuid.UUID | None = None) -> Learner:
    learner: Learner | None = getattr(request.user, "learner", None) if request.user.pk else None
    if learner_id is not None and (learner is None or learner.public_id != learner_id):
        # Staff name a learner in their scope; a resident naming herself is simply herself.
        return access_learner(viewer=request.user, public_id=learner_id, action=Action.VIEW)
    if learner is None:
        message = _("Name the learner (learner_id): this login is not a resident's.")
        raise ValidationFailed(message, fields={"learner_id": [message]})
    return learner


def _class(public_id: uuid.UUID) -> Class:
    klass = (
        Class.objects.select_related("course__provider", "term").filter(public_id=public_id).first()
    )
    if klass is None:
        raise NotFound(_("No such class."))
    return klass


def _key(request: HttpRequest) -> str:
    key = request.headers.get("Idempotency-Key") or ""
    idempotency_key_check(key)
    return key


# --------------------------------------------------------------------------------------------
# Learners
# --------------------------------------------------------------------------------------------


class TrancheOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    scheme: str = Field(..., alias="scheme.code")
    scheme_name: str = Field(..., alias="scheme.name")
    year: int
    granted: Decimal = Field(..., alias="amount")
    balance: Decimal = Field(..., alias="account.balance")
    expires_on: dt.date


class EntitlementOut(Schema):
    balance: Decimal
    currency: str = "CNY"
    tranches: list[TrancheOut]


@router.get("/funding/me/entitlement", response=EntitlementOut, summary="My learning allowance")
def my_entitlement(request: HttpRequest) -> Any:
    learner = _own_learner(request)
    return {
        "balance": selectors.entitlement_balance(learner=learner),
        "tranches": list(selectors.tranches_of(learner=learner)),
    }


class DecisionOut(Schema):
    code: str
    name: str
    kind: str
    applies: bool
    reasons: list[str]
    amount: Decimal


class ShareOut(Schema):
    level: str
    amount: Decimal


class TrancheUseOut(Schema):
    expires_on: dt.date
    amount: Decimal


class QuoteOut(Schema):
    fee: Decimal
    currency: str
    subsidy: Decimal
    policy: str | None
    shares: list[ShareOut]
    entitlement: Decimal
    tranches: list[TrancheUseOut]
    to_pay: Decimal
    decisions: list[DecisionOut]


def _quote_out(price: Quote) -> dict[str, Any]:
    return {
        "fee": price.fee,
        "currency": price.currency,
        "subsidy": price.subsidy,
        "policy": price.policy_code,
        "shares": [{"level": s.level, "amount": s.amount} for s in price.shares],
        "entitlement": price.entitlement,
        "tranches": [{"expires_on": t.expires_on, "amount": t.amount} for t in price.tranches],
        "to_pay": price.to_pay,
        "decisions": [
            {
                "code": d.code,
                "name": d.name,
                "kind": d.kind,
                "applies": d.applies,
                "reasons": list(d.reasons),
                "amount": d.amount,
            }
            for d in price.decisions
        ],
    }


@router.get(
    "/funding/quote",
    response=QuoteOut,
    summary="What a class costs a learner after subsidy and entitlement, and why",
    description="For the caller's own record, or (staff) for a learner in scope: `learner_id`.",
)
def quote(request: HttpRequest, class_id: uuid.UUID, learner_id: uuid.UUID | None = None) -> Any:
    learner = _own_learner(request, learner_id)
    price = selectors.eligibility(viewer=request.user, learner=learner, klass=_class(class_id))
    return _quote_out(price)


# --------------------------------------------------------------------------------------------
# Public: policies and rules
# --------------------------------------------------------------------------------------------


class RuleOut(Schema):
    group: str
    rule: str
    evidence: str
    derived: bool
    validity_months: int | None


@router.get(
    "/funding/target-groups", response=list[RuleOut], auth=optional_auth, summary="Target groups"
)
def target_groups(request: HttpRequest) -> Any:
    return list(selectors.target_group_rules())


class PolicyOut(Schema):
    code: str
    name: str
    groups: list[str]
    categories: list[str]
    provider_systems: list[str]
    benefit: str
    percent: Decimal | None
    amount: Decimal | None
    cap_per_learner_year: Decimal | None
    share_municipal: Decimal
    share_district: Decimal
    share_town: Decimal
    valid_from: dt.date
    valid_until: dt.date | None


@router.get(
    "/funding/policies",
    response=list[PolicyOut],
    auth=optional_auth,
    summary="Subsidy policies in force",
)
def policies(request: HttpRequest) -> Any:
    return list(selectors.policies_in_force())


# --------------------------------------------------------------------------------------------
# Finance offices
# --------------------------------------------------------------------------------------------


class BudgetOut(Schema):
    id: uuid.UUID
    fiscal_year: int
    level: str
    area: str
    holder: str
    appropriated: Decimal
    available: Decimal
    committed: Decimal
    payable: Decimal
    paid: Decimal
    entitlements_outstanding: Decimal


@router.get(
    "/funding/budgets",
    response=list[BudgetOut],
    summary="Budgets in the caller's levels, with their money",
)
def budgets(request: HttpRequest, fiscal_year: int | None = None) -> Any:
    rows = list(selectors.budget_list(viewer=request.user, fiscal_year=fiscal_year)[:500])
    figures = selectors.budget_figures(rows)
    return [
        {
            "id": b.public_id,
            "fiscal_year": b.fiscal_year,
            "level": b.level,
            "area": b.area.code,
            "holder": b.organization.code,
            "appropriated": figures[b.pk]["appropriated"],
            "available": figures[b.pk]["available"],
            "committed": figures[b.pk]["committed"],
            "payable": figures[b.pk]["payable"],
            "paid": figures[b.pk]["paid"],
            "entitlements_outstanding": figures[b.pk]["entitlement"],
        }
        for b in rows
    ]


class AllocationIn(Schema):
    to_budget: uuid.UUID
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    reason: str = Field(..., min_length=1, max_length=300)


class TransactionOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    kind: str
    amount: Decimal
    currency: str
    fiscal_year: int
    source: str
    reason: str
    created_at: dt.datetime
    reversed: bool


@router.post(
    "/funding/budgets/{budget_id}/allocations",
    response={201: TransactionOut},
    summary="Allocate money to a budget one level down",
    description="Send an `Idempotency-Key` header: a retry returns the first allocation.",
)
def allocate(request: HttpRequest, budget_id: uuid.UUID, data: AllocationIn) -> Any:
    key = _key(request)
    source = selectors.access_budget(viewer=request.user, public_id=budget_id)
    target = selectors.access_budget(viewer=request.user, public_id=data.to_budget)
    posted = services.budget_allocate(
        actor=request.user,
        source=source,
        target=target,
        amount=data.amount,
        reason=data.reason,
        idempotency_key=key,
    )
    return Status(201, _transaction_out(posted))


def _transaction_out(posted: Any) -> dict[str, Any]:
    return {
        "public_id": posted.public_id,
        "kind": posted.kind,
        "amount": posted.amount,
        "currency": posted.currency,
        "fiscal_year": posted.fiscal_year,
        "source": posted.source,
        "reason": posted.reason,
        "created_at": posted.created_at,
        "reversed": hasattr(posted, "reversed_by"),
    }


@router.get(
    "/funding/commitments",
    response=list[TransactionOut],
    summary="Commitments (subsidies, entitlements, contracts) in the caller's levels",
)
@paginate(LimitOffsetPagination)
def commitments(request: HttpRequest, fiscal_year: int | None = None) -> Any:
    return [
        _transaction_out(t)
        for t in selectors.commitment_list(viewer=request.user, fiscal_year=fiscal_year)[:1000]
    ]


class FlagOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    kind: str
    status: str
    settlement: uuid.UUID = Field(..., alias="settlement.public_id")
    provider: str = Field(..., alias="settlement.provider.code")
    detail: dict[str, Any]
    review_reason: str


class FlagFilters(Schema):
    status: FlagStatus | None = FlagStatus.OPEN


@router.get("/funding/flags", response=list[FlagOut], summary="Fraud flags in the caller's levels")
@paginate(LimitOffsetPagination)
def flags(request: HttpRequest, filters: Query[FlagFilters]) -> Any:
    return selectors.flag_list(viewer=request.user, status=filters.status)


class ReviewIn(Schema):
    uphold: bool
    reason: str = Field(..., min_length=1, max_length=500)


@router.post(
    "/funding/flags/{flag_id}/review", response=FlagOut, summary="Clear or uphold a fraud flag"
)
def review_flag(request: HttpRequest, flag_id: uuid.UUID, data: ReviewIn) -> Any:
    flag = selectors.access_flag(viewer=request.user, public_id=flag_id)
    services.flag_review(
        actor=request.user, public_id=flag.public_id, uphold=data.uphold, reason=data.reason
    )
    return selectors.access_flag(viewer=request.user, public_id=flag_id)


class ReportRowOut(Schema):
    key: str
    label: str
    committed: Decimal
    delivered: Decimal
    paid: Decimal
    learners: int
    learner_hours: Decimal
    cost_per_learner_hour: Decimal | None


@router.get(
    "/funding/reports",
    response=list[ReportRowOut],
    summary="Money by level, district, target group or provider; cost per learner-hour",
)
def report(request: HttpRequest, by: ReportDimension, fiscal_year: int | None = None) -> Any:
    return selectors.report(viewer=request.user, by=by, fiscal_year=fiscal_year)


# --------------------------------------------------------------------------------------------
# Both sides: contracts and settlements
# --------------------------------------------------------------------------------------------


class ContractOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    code: str
    buyer: str = Field(..., alias="budget.area.code")
    provider: str = Field(..., alias="provider.code")
    course: str = Field(..., alias="course.code")
    target_group: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal
    valid_from: dt.date
    valid_until: dt.date
    status: str


@router.get("/funding/contracts", response=list[ContractOut], summary="Service contracts")
@paginate(LimitOffsetPagination)
def contracts(request: HttpRequest) -> Any:
    return selectors.contract_list(viewer=request.user)


class SettlementOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    provider: str = Field(..., alias="provider.code")
    class_id: uuid.UUID = Field(..., alias="klass.public_id")
    course: str = Field(..., alias="klass.course.code")
    status: str
    amount: Decimal
    learners: int
    mean_attendance: Decimal


@router.get("/funding/settlements", response=list[SettlementOut], summary="Settlements")
@paginate(LimitOffsetPagination)
def settlements(request: HttpRequest, status: str | None = None) -> Any:
    return selectors.settlement_list(viewer=request.user, status=status)


@router.post(
    "/funding/settlements/{settlement_id}/pay",
    response=SettlementOut,
    summary="Pay a settlement (finance officers); paying twice pays once",
)
def pay(request: HttpRequest, settlement_id: uuid.UUID) -> Any:
    return services.settlement_pay(actor=request.user, public_id=settlement_id)
