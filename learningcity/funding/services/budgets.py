"""Fiscal-year budgets of the three levels: creating them, the treasury's appropriations and
allocations from an upper level to a lower one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.funding.choices import LEVEL_AREA, AccountKind, BudgetLevel, TransactionKind
from learningcity.funding.data import Move
from learningcity.funding.models import Budget, JournalTransaction
from learningcity.funding.services.journal import account_of, post
from learningcity.network.choices import Action
from learningcity.network.models import Organization

_AREA_LEVEL = {area: level for level, area in LEVEL_AREA.items()}


def _may_finance(actor: Any, organization: Organization) -> bool:
    return Organization.objects.restrict(actor, Action.FINANCE).filter(pk=organization.pk).exists()


def _positive(amount: Decimal, field: str = "amount") -> Decimal:
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        message = _("Enter an amount above zero, in yuan and fen.")
        raise ValidationFailed(message, fields={field: [message]})
    return amount


@transaction.atomic
def budget_create(
    *,
    actor: Any,
    fiscal_year: int,
    organization: Organization,
    amount: Decimal = Decimal("0"),
    reason: str = "",
) -> Budget:
    """Open a level's budget for a fiscal year, held by a governance body (the municipal
    commission, a district or town office), with the treasury's first appropriation. Only
    a finance officer above or at that body may; the upper level's budget, if open, is its
    parent. Opening it twice returns the first."""
    if not organization.is_governance:
        message = _("A budget is held by a governance body: the city, a district or a town office.")
        raise ValidationFailed(message, fields={"organization": [message]})
    level = _AREA_LEVEL.get(organization.area.level)
    if level is None:
        message = _("Budgets belong to the city, the districts and the towns.")
        raise ValidationFailed(message, fields={"organization": [message]})
    if not _may_finance(actor, organization):
        raise PermissionDenied(_("Only a finance officer of this level or above may do this."))
    existing = Budget.objects.filter(fiscal_year=fiscal_year, organization=organization).first()
    if existing is None:
        parent = None
        if organization.area.parent_id is not None:
            parent = Budget.objects.filter(
                fiscal_year=fiscal_year, area_id=organization.area.parent_id
            ).first()
        try:
            with transaction.atomic():
                existing = Budget.objects.create(
                    fiscal_year=fiscal_year,
                    level=level,
                    area=organization.area,
                    organization=organization,
                    parent=parent,
                )
        except IntegrityError:
            raise Conflict(
                _("This area already has a budget for that year."), code="budget_exists"
            ) from None
        for kind in (
            AccountKind.APPROPRIATION,
            AccountKind.AVAILABLE,
            AccountKind.COMMITTED,
            AccountKind.PAID,
        ):
            account_of(existing, kind)
        audit_record(
            actor=actor,
            action="funding.budget_create",
            subject=f"budget:{existing.public_id}",
            data={"fiscal_year": fiscal_year, "organization": organization.code, "level": level},
        )
    if amount:
        budget_appropriate(
            actor=actor,
            budget=existing,
            amount=amount,
            reason=reason or _("Opening appropriation"),
            idempotency_key=f"appropriation:{existing.public_id}:opening",
        )
    return existing


def budget_appropriate(
    *, actor: Any, budget: Budget, amount: Decimal, reason: str, idempotency_key: str
) -> JournalTransaction:
    """The treasury gives a budget money (a supplementary appropriation)."""
    _positive(amount)
    if not _may_finance(actor, budget.organization):
        raise PermissionDenied(_("Only a finance officer of this level or above may do this."))
    return post(
        actor=actor,
        kind=TransactionKind.APPROPRIATION,
        moves=[
            Move(
                account_of(budget, AccountKind.APPROPRIATION).pk,
                account_of(budget, AccountKind.AVAILABLE).pk,
                amount,
            )
        ],
        budget=budget,
        fiscal_year=budget.fiscal_year,
        reason=reason,
        idempotency_key=f"{budget.public_id}:{idempotency_key}",
    )


def budget_allocate(
    *,
    actor: Any,
    source: Budget,
    target: Budget,
    amount: Decimal,
    reason: str,
    idempotency_key: str,
) -> JournalTransaction:
    """Pass money down a level: from a budget's available funds to a budget of an area inside
    it, the same fiscal year. Refused if the upper budget has not got it."""
    _positive(amount)
    if not _may_finance(actor, source.organization):
        raise NotFound(_("No such budget."))
    below = target.area.path.startswith(source.area.path) and target.area_id != source.area_id
    if target.fiscal_year != source.fiscal_year or not below:
        message = _("Money goes down to a budget of an area inside this one, in the same year.")
        raise ValidationFailed(message, fields={"target": [message]})
    if source.level == BudgetLevel.TOWN:  # pragma: no cover - no area below a town has one
        raise ValidationFailed(_("A town's budget has no level below it."))
    return post(
        actor=actor,
        kind=TransactionKind.ALLOCATION,
        moves=[
            Move(
                account_of(source, AccountKind.AVAILABLE).pk,
                account_of(target, AccountKind.AVAILABLE).pk,
                amount,
            )
        ],
        budget=source,
        fiscal_year=source.fiscal_year,
        reason=reason,
        idempotency_key=f"{source.public_id}:{idempotency_key}",
    )
