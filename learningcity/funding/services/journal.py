"""The money journal: balanced, immutable, idempotent postings.

A posting is a list of moves (from one account to another). Each move becomes two lines that
cancel out, so every transaction balances by construction (and is checked). The account
balances change by one conditional UPDATE per account, inside the posting's transaction:
`... SET balance = balance + delta WHERE id = X AND balance >= -delta`. When two postings race
for the same budget the database serializes them on that row, and the second finds the money
gone instead of overspending it; the check constraint on the balance is the last guard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Round
from django.utils.translation import gettext as _

from learningcity.core.errors import Conflict, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.funding.choices import AccountKind, TransactionKind
from learningcity.funding.data import Move
from learningcity.funding.errors import FundingErrorCode as Code
from learningcity.funding.models import Budget, JournalLine, JournalTransaction, LedgerAccount

ZERO = Decimal("0.00")


class Short(Conflict):
    """An account would go below zero: there is not enough money for this posting."""

    def __init__(self, account: LedgerAccount) -> None:
        if account.kind == AccountKind.ENTITLEMENT:
            message = _("Your learning allowance is not enough for this any more.")
            code = Code.ENTITLEMENT_SHORT
        else:
            message = _("The budget for this has run out. Nothing was charged.")
            code = Code.BUDGET_SHORT
        super().__init__(message, code=code, extra={"account": account.pk, "kind": account.kind})
        self.account = account


def account_of(budget: Budget | int, kind: str, provider_id: int | None = None) -> LedgerAccount:
    """A budget's account of a kind (for payables, per provider), opened on first use. Two
    first uses at once collide on the unique constraint; the loser reads the winner's."""
    budget_id = budget if isinstance(budget, int) else budget.pk
    lookup = {"budget_id": budget_id, "kind": kind, "provider_id": provider_id}
    account = LedgerAccount.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return LedgerAccount.objects.create(
                **lookup, may_go_negative=kind == AccountKind.APPROPRIATION
            )
    except IntegrityError:
        return LedgerAccount.objects.get(**lookup)


def account_ids(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The ids of several budgets' accounts (none per provider) in one query; any not opened
    yet are opened as `account_of` does."""
    wanted = set(pairs)
    found = {
        (budget_id, kind): pk
        for pk, budget_id, kind in LedgerAccount.objects.filter(
            budget_id__in={b for b, _k in wanted},
            kind__in={k for _b, k in wanted},
            provider_id__isnull=True,
        ).values_list("pk", "budget_id", "kind")
    }
    for budget_id, kind in wanted - found.keys():
        found[(budget_id, kind)] = account_of(budget_id, kind).pk
    return found


def lines_for(moves: Sequence[Move]) -> list[tuple[int, int, Decimal]]:
    """(leg, account id, amount) for each side of each move."""
    lines: list[tuple[int, int, Decimal]] = []
    for leg, move in enumerate(moves, start=1):
        lines.append((leg, move.source_account_id, -move.amount))
        lines.append((leg, move.target_account_id, move.amount))
    return lines


@transaction.atomic
def post(
    *,
    actor: Any,
    kind: str,
    moves: Sequence[Move],
    budget: Budget | int,
    fiscal_year: int,
    reason: str,
    idempotency_key: str,
    source: str = "",
    learner_id: int | None = None,
    klass_id: int | None = None,
    provider_id: int | None = None,
    policy_id: int | None = None,
    target_group: str = "",
    reverses: JournalTransaction | None = None,
) -> JournalTransaction:
    """Post one balanced transaction; a retry with the same key returns the first one."""
    moves = [m for m in moves if m.amount]
    if not moves or any(
        m.amount < 0 or m.amount != m.amount.quantize(Decimal("0.01")) for m in moves
    ):
        raise ValidationFailed(
            _("A posting moves positive amounts in yuan and fen."), code=Code.UNBALANCED
        )
    lines = lines_for(moves)
    if sum((amount for _leg, _account, amount in lines), ZERO) != 0:  # pragma: no cover
        raise ValidationFailed(_("A posting must balance."), code=Code.UNBALANCED)
    first = JournalTransaction.objects.filter(idempotency_key=idempotency_key).first()
    if first is not None:
        return first
    try:
        with transaction.atomic():
            posted = JournalTransaction.objects.create(
                kind=kind,
                amount=sum((m.amount for m in moves), ZERO),
                budget_id=budget if isinstance(budget, int) else budget.pk,
                fiscal_year=fiscal_year,
                source=source,
                learner_id=learner_id,
                klass_id=klass_id,
                provider_id=provider_id,
                policy_id=policy_id,
                target_group=target_group,
                reverses=reverses,
                actor_id=getattr(actor, "pk", None),
                reason=reason[:300],
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # The same key committed by a concurrent first attempt (its answer is ours), or a
        # second reversal of one transaction (refused).
        first = JournalTransaction.objects.filter(idempotency_key=idempotency_key).first()
        if first is not None:
            return first
        raise Conflict(
            _("This entry has already been reversed."), code=Code.ALREADY_REVERSED
        ) from None
    JournalLine.objects.bulk_create(
        [
            JournalLine(transaction=posted, account_id=account_id, leg=leg, amount=amount)
            for leg, account_id, amount in lines
        ]
    )
    audit_record(
        actor=actor,
        action=f"funding.{kind}",
        subject=f"money:{posted.public_id}",
        reason=reason[:500],
        data={
            "amount": str(posted.amount),
            "source": source,
            "reverses": str(reverses.public_id) if reverses else None,
            "key": idempotency_key,
        },
    )
    # The balances last: a budget's row stays locked from its UPDATE to the commit, so the
    # hot row is taken as late as possible.
    deltas: dict[int, Decimal] = defaultdict(Decimal)
    for _leg, account_id, amount in lines:
        deltas[account_id] += amount
    # In primary-key order, so two postings touching the same accounts never deadlock.
    for account_id in sorted(deltas):
        delta = deltas[account_id]
        if not delta:
            continue
        rows = LedgerAccount.objects.filter(pk=account_id)
        if delta < 0:
            rows = rows.filter(Q(may_go_negative=True) | Q(balance__gte=-delta))
        # Round: SQLite keeps decimals as doubles; rounding each new balance to the fen keeps
        # every comparison exact. PostgreSQL's numeric needs none and loses nothing by it.
        if rows.update(balance=Round(F("balance") + Value(delta), 2)) != 1:
            raise Short(LedgerAccount.objects.get(pk=account_id))
    return posted


def moves_of(posted: JournalTransaction) -> list[tuple[LedgerAccount, LedgerAccount, Decimal]]:
    """A transaction's legs as (from, to, amount), in leg order."""
    sides: dict[int, dict[str, Any]] = defaultdict(dict)
    for line in posted.lines.select_related("account").order_by("leg", "amount"):
        sides[line.leg]["from" if line.amount < 0 else "to"] = line
    return [
        (legs["from"].account, legs["to"].account, legs["to"].amount)
        for _leg, legs in sorted(sides.items())
    ]


def reverse(
    *, actor: Any, posted: JournalTransaction, reason: str, kind: str = TransactionKind.REVERSAL
) -> JournalTransaction:
    """The exact opposite of a transaction, once: the accounts return to where they were."""
    moves = [Move(to.pk, frm.pk, amount) for frm, to, amount in moves_of(posted)]
    return post(
        actor=actor,
        kind=kind,
        moves=moves,
        budget=posted.budget_id,
        fiscal_year=posted.fiscal_year,
        reason=reason,
        idempotency_key=f"reverse:{posted.public_id}",
        source=posted.source,
        learner_id=posted.learner_id,
        klass_id=posted.klass_id,
        provider_id=posted.provider_id,
        policy_id=posted.policy_id,
        target_group=posted.target_group,
        reverses=posted,
    )
