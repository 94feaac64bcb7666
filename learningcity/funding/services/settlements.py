"""Paying providers: a settlement is paid once no flag holds it; a flag's review clears it
(payment may go) or upholds it (the claim is rejected and the payable returns to the budgets)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.errors import Conflict, NotFound, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.funding.choices import (
    AccountKind,
    FlagStatus,
    SettlementStatus,
    TransactionKind,
)
from learningcity.funding.data import Move
from learningcity.funding.errors import FundingErrorCode as Code
from learningcity.funding.models import FraudFlag, JournalLine, JournalTransaction, Settlement
from learningcity.funding.services.journal import account_of, post
from learningcity.network.choices import Action


def _locked(actor: Any, public_id: Any) -> Settlement:
    settlement = (
        Settlement.objects.restrict(actor, Action.FINANCE)
        .select_for_update()
        .filter(public_id=public_id)
        .first()
    )
    if settlement is None:
        raise NotFound(_("No such settlement."))
    return settlement


def _payables(settlement: Settlement) -> dict[int, tuple[int, Decimal]]:
    """What the settlement made payable, per payable account: account → (budget, amount)."""
    lines = JournalLine.objects.filter(
        transaction_id__in=settlement.deliveries.values("transaction_id"),
        account__kind=AccountKind.PAYABLE,
        amount__gt=0,
    ).values_list("account_id", "account__budget_id", "amount")
    totals: dict[int, Decimal] = defaultdict(Decimal)
    budgets: dict[int, int] = {}
    for account_id, budget_id, amount in lines:
        totals[account_id] += Decimal(str(amount))
        budgets[account_id] = budget_id
    return {a: (budgets[a], t.quantize(Decimal("0.01"))) for a, t in totals.items()}


def _move_payables(
    actor: Any, settlement: Settlement, kind: str, to: str, key: str, reason: str
) -> JournalTransaction | None:
    payables = _payables(settlement)
    if not payables:
        return None
    moves = [
        Move(account_id, account_of(budget_id, to).pk, amount)
        for account_id, (budget_id, amount) in sorted(payables.items())
    ]
    first_budget = next(iter(sorted(payables.items())))[1][0]
    return post(
        actor=actor,
        kind=kind,
        moves=moves,
        budget=first_budget,
        fiscal_year=settlement.klass.first_session_on.year,
        reason=reason,
        idempotency_key=key,
        source=settlement.source,
        klass_id=settlement.klass_id,
        provider_id=settlement.provider_id,
    )


@transaction.atomic
def settlement_pay(*, actor: Any, public_id: Any) -> Settlement:
    """Pay the provider what the settlement made payable. Paying twice pays once; a held
    settlement waits for its flags' review."""
    settlement = _locked(actor, public_id)
    if settlement.status == SettlementStatus.PAID:
        return settlement
    if settlement.status == SettlementStatus.HELD:
        raise Conflict(_("This payment is held until its flags are reviewed."), code=Code.HELD)
    if settlement.status != SettlementStatus.PAYABLE:
        raise Conflict(_("This settlement cannot be paid."), code=Code.WRONG_STATUS)
    _move_payables(
        actor,
        settlement,
        TransactionKind.PAYMENT,
        AccountKind.PAID,
        f"pay:{settlement.public_id}",
        _("Payment to the provider"),
    )
    settlement.status = SettlementStatus.PAID
    settlement.decided_by_id = getattr(actor, "pk", None)
    settlement.decided_at = clock.now()
    settlement.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action="funding.settlement_pay",
        subject=f"settlement:{settlement.public_id}",
        data={"amount": str(settlement.amount)},
    )
    return settlement


@transaction.atomic
def flag_review(*, actor: Any, public_id: Any, uphold: bool, reason: str) -> FraudFlag:
    """Decide a flag, with a reason. Upholding rejects the whole claim: its payable returns to
    the budgets. Clearing the last open flag lets the payment go."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Give a reason for the decision.")
        raise ValidationFailed(message, fields={"reason": [message]})
    flag = FraudFlag.objects.filter(public_id=public_id).select_related("settlement").first()
    if flag is None:
        raise NotFound(_("No such flag."))
    settlement = _locked(actor, flag.settlement.public_id)
    flag.refresh_from_db()
    if flag.status != FlagStatus.OPEN:
        raise Conflict(_("This flag has already been reviewed."), code=Code.WRONG_STATUS)
    flag.status = FlagStatus.UPHELD if uphold else FlagStatus.CLEARED
    flag.reviewed_by_id = getattr(actor, "pk", None)
    flag.reviewed_at = clock.now()
    flag.review_reason = reason[:500]
    flag.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason", "updated_at"])
    if uphold and settlement.status != SettlementStatus.REJECTED:
        _move_payables(
            actor,
            settlement,
            TransactionKind.CLAWBACK,
            AccountKind.AVAILABLE,
            f"clawback:{settlement.public_id}",
            reason,
        )
        settlement.status = SettlementStatus.REJECTED
    elif (
        settlement.status == SettlementStatus.HELD
        and not settlement.flags.filter(status=FlagStatus.OPEN).exists()
    ):
        settlement.status = SettlementStatus.PAYABLE
    settlement.decided_by_id = getattr(actor, "pk", None)
    settlement.decided_at = clock.now()
    settlement.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action="funding.flag_uphold" if uphold else "funding.flag_clear",
        subject=f"settlement:{settlement.public_id}",
        reason=reason[:500],
        data={"flag": flag.kind, "settlement_status": settlement.status},
    )
    return flag
