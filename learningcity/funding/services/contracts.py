"""Buying services: a level of government contracts a provider for N seats or learner-hours
of a course for a target group. Signing commits the whole price; deliveries (services.places)
make the attended share payable; closing releases what was not delivered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from learningcity.catalog.models import Course
from learningcity.core.errors import Conflict, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.funding import selectors
from learningcity.funding.choices import AccountKind, ContractStatus, ContractUnit, TransactionKind
from learningcity.funding.data import Move
from learningcity.funding.errors import FundingErrorCode as Code
from learningcity.funding.models import Budget, Contract
from learningcity.funding.services.journal import Short, account_of, post
from learningcity.network.choices import Action
from learningcity.network.models import Organization


@transaction.atomic
def contract_sign(
    *,
    actor: Any,
    budget: Budget,
    course: Course,
    code: str,
    unit: str,
    quantity: Decimal,
    unit_price: Decimal,
    valid_from: dt.date,
    valid_until: dt.date,
    target_group: str = "",
) -> Contract:
    """Sign a contract and commit its whole price from the buying budget. Refused when the
    budget has not got it."""
    if (
        not Organization.objects.restrict(actor, Action.FINANCE)
        .filter(pk=budget.organization_id)
        .exists()
    ):
        raise PermissionDenied(_("Only a finance officer of this level or above may do this."))
    if unit not in ContractUnit.values or quantity <= 0 or unit_price <= 0:
        message = _("Enter a quantity and a unit price above zero.")
        raise ValidationFailed(message, fields={"quantity": [message]})
    if valid_until < valid_from:
        message = _("The contract must end after it starts.")
        raise ValidationFailed(message, fields={"valid_until": [message]})
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                code=code,
                budget=budget,
                provider_id=course.provider_id,
                course=course,
                target_group=target_group,
                unit=unit,
                quantity=quantity,
                unit_price=unit_price,
                valid_from=valid_from,
                valid_until=valid_until,
                signed_by_id=getattr(actor, "pk", None),
            )
    except IntegrityError:
        raise Conflict(
            _("A contract with this code exists already."), code="contract_exists"
        ) from None
    try:
        post(
            actor=actor,
            kind=TransactionKind.CONTRACT_COMMIT,
            moves=[
                Move(
                    account_of(budget, AccountKind.AVAILABLE).pk,
                    account_of(budget, AccountKind.COMMITTED).pk,
                    contract.total,
                )
            ],
            budget=budget,
            fiscal_year=budget.fiscal_year,
            reason=_("Contract %(code)s signed") % {"code": code},
            idempotency_key=f"contract:{contract.public_id}",
            source=f"contract:{contract.public_id}",
            provider_id=course.provider_id,
            target_group=target_group,
        )
    except Short:
        raise Conflict(
            _("The budget has not got the contract's price available."), code=Code.BUDGET_SHORT
        ) from None
    audit_record(
        actor=actor,
        action="funding.contract_sign",
        subject=f"contract:{contract.public_id}",
        data={"code": code, "total": str(contract.total), "unit": unit},
    )
    return contract


@transaction.atomic
def contract_close(*, actor: Any, contract: Contract, reason: str) -> Contract:
    """Close a contract: what it committed and did not deliver goes back to the budget."""
    contract = Contract.objects.select_for_update().select_related("budget").get(pk=contract.pk)
    if (
        not Organization.objects.restrict(actor, Action.FINANCE)
        .filter(pk=contract.budget.organization_id)
        .exists()
    ):
        raise PermissionDenied(_("Only a finance officer of this level or above may do this."))
    if contract.status == ContractStatus.CLOSED:
        return contract
    _units, delivered = selectors.contract_delivered(contract)
    left = contract.total - delivered
    if left > 0:
        budget = contract.budget
        post(
            actor=actor,
            kind=TransactionKind.RELEASE,
            moves=[
                Move(
                    account_of(budget, AccountKind.COMMITTED).pk,
                    account_of(budget, AccountKind.AVAILABLE).pk,
                    left,
                )
            ],
            budget=budget,
            fiscal_year=budget.fiscal_year,
            reason=reason or _("Contract closed"),
            idempotency_key=f"contract-close:{contract.public_id}",
            source=f"contract:{contract.public_id}",
            provider_id=contract.provider_id,
        )
    contract.status = ContractStatus.CLOSED
    contract.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="funding.contract_close",
        subject=f"contract:{contract.public_id}",
        reason=reason,
        data={"released": str(max(left, Decimal(0)))},
    )
    return contract
