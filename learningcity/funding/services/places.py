"""A place in a class and its money: committing the subsidy (all three levels) and spending
the entitlement when the place is accepted, refunding when it is left before the class
starts, and delivery when the class ends: the attended share becomes payable to the provider
(never to the learner), the rest goes back where it came from."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from learningcity.catalog.models import Class, Course
from learningcity.core.errors import Conflict
from learningcity.funding import selectors
from learningcity.funding.choices import (
    AccountKind,
    ContractStatus,
    ContractUnit,
    DeliveryKind,
    SettlementStatus,
    TransactionKind,
)
from learningcity.funding.data import Move, PlaceDelivery, Quote
from learningcity.funding.errors import FundingErrorCode as Code
from learningcity.funding.models import (
    Contract,
    Delivery,
    JournalTransaction,
    Settlement,
    Tranche,
)
from learningcity.funding.services.fraud import flags_raise
from learningcity.funding.services.journal import (
    Short,
    account_ids,
    account_of,
    moves_of,
    post,
    reverse,
)
from learningcity.learners.models import Learner

COMMIT_KINDS = (TransactionKind.SUBSIDY, TransactionKind.SPEND)


def _commits(sources: Sequence[str]) -> dict[str, list[JournalTransaction]]:
    found: dict[str, list[JournalTransaction]] = defaultdict(list)
    rows = JournalTransaction.objects.filter(
        source__in=list(sources), kind__in=COMMIT_KINDS, reversed_by__isnull=True
    ).order_by("id")
    for row in rows:
        found[row.source].append(row)
    return found


def _commit_moves(price: Quote, *, course: Course, source: str, common: dict[str, Any]) -> None:
    """The allowance spent, then the subsidy committed: two balanced transactions."""
    if price.subsidy and any(share.budget_id is None for share in price.shares):
        raise Conflict(
            _(
                "No subsidy budget is open for this class yet, so the place cannot be "
                "accepted at the subsidised price. Please ask your town office."
            ),
            code=Code.NO_BUDGET,
        )
    tranches = Tranche.objects.select_related("account").in_bulk(
        [use.tranche_id for use in price.tranches]
    )
    shares = [(int(s.budget_id or 0), s.amount) for s in price.shares if s.amount]
    # Every account both postings touch, in one query.
    ids = account_ids(
        [(t.account.budget_id, AccountKind.COMMITTED) for t in tranches.values()]
        + [(b, k) for b, _a in shares for k in (AccountKind.AVAILABLE, AccountKind.COMMITTED)]
    )
    if price.entitlement:
        first = tranches[price.tranches[0].tranche_id]
        post(
            kind=TransactionKind.SPEND,
            moves=[
                Move(
                    tranches[use.tranche_id].account_id,
                    ids[(tranches[use.tranche_id].account.budget_id, AccountKind.COMMITTED)],
                    use.amount,
                )
                for use in price.tranches
            ],
            budget=first.account.budget_id,
            reason=_("Learning allowance spent on %(course)s") % {"course": course.title_zh},
            idempotency_key=f"spend:{source}",
            **common,
        )
    if price.subsidy:
        post(
            kind=TransactionKind.SUBSIDY,
            moves=[
                Move(ids[(b, AccountKind.AVAILABLE)], ids[(b, AccountKind.COMMITTED)], amount)
                for b, amount in shares
            ],
            budget=int(price.shares[0].budget_id or 0),
            reason=_("Subsidy for %(course)s") % {"course": course.title_zh},
            idempotency_key=f"subsidy:{source}",
            policy_id=price.policy_id,
            target_group=price.target_group,
            **common,
        )


def place_commit(
    *, actor: Any, learner: Learner, klass: Class, source: str, on: dt.date | None = None
) -> Quote:
    """Commit the money for an accepted place, in the caller's transaction: the subsidy from
    the budgets of the three levels (available → committed) and the learner's entitlement
    (tranche → committed, the tranche that expires first first). If any budget or the
    entitlement is short, nothing is committed and the acceptance is refused. The
    entitlement goes first: the budgets' rows, which every acceptance shares, are locked
    last and held for the shortest time.

    The learner's row is locked first, so their caps and tranches are read and spent by one
    acceptance at a time; the budgets need no lock (the conditional UPDATE settles them).
    A free class moves no money: its quote is the answer, with nothing to lock or undo."""
    if selectors.money(klass.course.fee) == 0:
        return selectors.quote(learner=learner, klass=klass, on=on)
    return _place_commit(actor=actor, learner=learner, klass=klass, source=source, on=on)


@transaction.atomic
def _place_commit(
    *, actor: Any, learner: Learner, klass: Class, source: str, on: dt.date | None
) -> Quote:
    Learner.objects.select_for_update().filter(pk=learner.pk).values_list("pk").get()
    price = selectors.quote(learner=learner, klass=klass, on=on, lock=True)
    if not price.subsidy and not price.entitlement:
        return price  # a free class, or one the learner pays in full: no public money moves
    if _commits([source]).get(source):
        return price  # a retry: the first acceptance committed it
    fiscal_year = klass.first_session_on.year
    course = klass.course
    common: dict[str, Any] = {
        "actor": actor,
        "fiscal_year": fiscal_year,
        "source": source,
        "learner_id": learner.pk,
        "klass_id": klass.pk,
        "provider_id": course.provider_id,
    }
    try:
        _commit_moves(price, course=course, source=source, common=common)
    except Short as short:
        if short.code == Code.ENTITLEMENT_SHORT:
            raise
        raise Conflict(
            _(
                "The subsidy budget for this class has run out, so the place cannot be accepted "
                "at the subsidised price. Nothing was charged; please ask your town office."
            ),
            code=Code.BUDGET_SHORT,
        ) from None
    return price


@transaction.atomic
def place_refund(*, actor: Any, source: str, reason: str) -> list[JournalTransaction]:
    """Give back what a place committed (the subsidy to its budgets, the entitlement to its
    tranches), by reversing entries, when it is left before the class starts. Nothing to
    give back is not an error; a place already delivered cannot be refunded."""
    if Delivery.objects.filter(source=source, kind=DeliveryKind.SUBSIDY).exists():
        raise Conflict(
            _("This place has already been paid for; it can no longer be refunded."),
            code=Code.WRONG_STATUS,
        )
    reversals = []
    for posted in _commits([source]).get(source, []):
        reversals.append(reverse(actor=actor, posted=posted, reason=reason))
    return reversals


@transaction.atomic
def class_deliver(
    *, actor: Any, klass: Class, places: Sequence[PlaceDelivery]
) -> Settlement | None:
    """The class is over: each funded place's attended share becomes payable to the provider
    (the rest is released back), bought seats or hours are delivered under the contract, and
    one settlement collects them, held if anything in it does not fit. Returns None when no
    public money is involved. Running it again returns the first settlement."""
    source = f"class:{klass.public_id}"
    existing = Settlement.objects.filter(source=source).first()
    if existing is not None:
        return existing
    course = klass.course
    provider_id = course.provider_id
    commits = _commits([p.source for p in places])
    contract = _contract_for(klass)
    if not commits and contract is None:
        return None
    settlement = Settlement.objects.create(
        provider_id=provider_id, klass=klass, source=source, amount=Decimal("0")
    )
    learners = Learner.objects.select_related("residence_area").in_bulk(
        [p.learner_id for p in places]
    )
    deliveries: list[Delivery] = []
    over_contract = False
    for place in places:
        rate = place.rate
        hours = selectors.money(course.hours * rate)
        percent = selectors.money(rate * 100)
        if commits.get(place.source):
            deliveries.append(
                _deliver_place(actor, settlement, place, commits[place.source], percent, hours)
            )
            continue
        learner = learners.get(place.learner_id)
        if contract is None or learner is None or rate == 0:
            continue
        groups = selectors.learner_groups(learner=learner, on=klass.first_session_on)
        if contract.target_group and contract.target_group not in groups:
            continue
        delivery, clamped = _deliver_contract(actor, settlement, contract, place, percent, hours)
        over_contract = over_contract or clamped
        if delivery is not None:
            deliveries.append(delivery)
    settlement.amount = sum((d.amount for d in deliveries), Decimal("0"))
    settlement.learners = len(deliveries)
    if deliveries:
        settlement.mean_attendance = selectors.money(
            sum((d.attendance_rate for d in deliveries), Decimal("0")) / len(deliveries)
        )
    flags = flags_raise(settlement=settlement, deliveries=deliveries, over_contract=over_contract)
    settlement.status = SettlementStatus.HELD if flags else SettlementStatus.PAYABLE
    settlement.save(update_fields=["amount", "learners", "mean_attendance", "status", "updated_at"])
    return settlement


def _deliver_place(
    actor: Any,
    settlement: Settlement,
    place: PlaceDelivery,
    commits: list[JournalTransaction],
    percent: Decimal,
    hours: Decimal,
) -> Delivery:
    rate = place.rate
    moves: list[Move] = []
    payable = Decimal("0")
    for posted in commits:
        for source_account, committed, amount in moves_of(posted):
            pay = min(selectors.money(amount * rate), amount)
            back = amount - pay
            if pay:
                target = account_of(
                    committed.budget_id, AccountKind.PAYABLE, settlement.provider_id
                )
                moves.append(Move(committed.pk, target.pk, pay))
            if back:
                moves.append(Move(committed.pk, source_account.pk, back))
            payable += pay
    first = commits[0]
    delivered = post(
        actor=actor,
        kind=TransactionKind.DELIVERY,
        moves=moves,
        budget=first.budget_id,
        fiscal_year=first.fiscal_year,
        reason=_("Delivered: %(percent)s%% attended") % {"percent": percent},
        idempotency_key=f"deliver:{place.source}",
        source=place.source,
        learner_id=place.learner_id,
        klass_id=settlement.klass_id,
        provider_id=settlement.provider_id,
        policy_id=next((c.policy_id for c in commits if c.policy_id), None),
        target_group=next((c.target_group for c in commits if c.target_group), ""),
    )
    return Delivery.objects.create(
        settlement=settlement,
        kind=DeliveryKind.SUBSIDY,
        source=place.source,
        learner_id=place.learner_id,
        attendance_rate=percent,
        units=selectors.money(rate),
        hours=hours,
        amount=payable,
        target_group=delivered.target_group,
        transaction=delivered,
    )


def _contract_for(klass: Class) -> Contract | None:
    starts = klass.first_session_on
    return (
        Contract.objects.select_for_update()
        .filter(
            course_id=klass.course_id,
            provider_id=klass.course.provider_id,
            status=ContractStatus.ACTIVE,
            valid_from__lte=starts,
            valid_until__gte=starts,
        )
        .order_by("id")
        .first()
    )


def _deliver_contract(
    actor: Any,
    settlement: Settlement,
    contract: Contract,
    place: PlaceDelivery,
    percent: Decimal,
    hours: Decimal,
) -> tuple[Delivery | None, bool]:
    """A bought seat (its attended share) or the learner-hours attended, up to what the
    contract has left; billing past it is clamped and flagged."""
    units = selectors.money(place.rate) if contract.unit == ContractUnit.SEAT else hours
    delivered_units, _amount = selectors.contract_delivered(contract)
    left = max(contract.quantity - delivered_units, Decimal("0"))
    clamped = units > left
    units = min(units, left)
    amount = selectors.money(units * contract.unit_price)
    if not amount:
        return None, clamped
    budget = contract.budget
    posted = post(
        actor=actor,
        kind=TransactionKind.DELIVERY,
        moves=[
            Move(
                account_of(budget, AccountKind.COMMITTED).pk,
                account_of(budget, AccountKind.PAYABLE, contract.provider_id).pk,
                amount,
            )
        ],
        budget=budget,
        fiscal_year=budget.fiscal_year,
        reason=_("Contract %(code)s delivered: %(percent)s%% attended")
        % {"code": contract.code, "percent": percent},
        idempotency_key=f"deliver:contract:{place.source}",
        source=place.source,
        learner_id=place.learner_id,
        klass_id=settlement.klass_id,
        provider_id=contract.provider_id,
        target_group=contract.target_group,
    )
    delivery = Delivery.objects.create(
        settlement=settlement,
        kind=DeliveryKind.CONTRACT,
        source=place.source,
        learner_id=place.learner_id,
        contract=contract,
        attendance_rate=percent,
        units=units,
        hours=hours,
        amount=amount,
        target_group=contract.target_group,
        transaction=posted,
    )
    return delivery, clamped
