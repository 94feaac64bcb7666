"""Funding services: the price after subsidy and why, commitments at acceptance across the
three levels, entitlements in expiry order, refunds, deliveries, settlements, contracts,
fraud flags, budgets and their scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import translation

from learningcity.catalog.models import Class
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.funding import selectors, services
from learningcity.funding.choices import (
    AccountKind,
    ContractUnit,
    FlagKind,
    FlagStatus,
    SettlementStatus,
    TransactionKind,
)
from learningcity.funding.data import Move, PlaceDelivery
from learningcity.funding.models import (
    FraudFlag,
    JournalLine,
    JournalTransaction,
    LedgerAccount,
    Settlement,
    Tranche,
)
from learningcity.funding.tests.factories import (
    YEAR,
    Funded,
    balance,
    make_elder,
    make_funded,
    make_paid_class,
    make_resident,
)
from learningcity.learners.models import Learner
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db

D = Decimal


def take_place(learner: Learner, klass: Class) -> str:
    """Commit a place's money as an acceptance does; returns the place's source key."""
    source = f"place:{learner.pk}:{klass.pk}"
    services.place_commit(actor=learner.user, learner=learner, klass=klass, source=source)
    return source


def finish(funded: Funded, klass: Class, places: list[tuple[str, Learner, int]]) -> Settlement:
    """The class ends with four sessions held; each place attended so many."""
    settlement = services.class_deliver(
        actor=funded.city.a.school_admin,
        klass=klass,
        places=[
            PlaceDelivery(source, learner.pk, attended, 4) for source, learner, attended in places
        ],
    )
    assert settlement is not None
    return settlement


def journal_balances() -> None:
    """Every transaction's lines sum to zero and every balance is the sum of its lines."""
    for posted in JournalTransaction.objects.all():
        total = sum((line.amount for line in posted.lines.all()), D(0))
        assert total == 0, posted
    for account in LedgerAccount.objects.all():
        lines = JournalLine.objects.filter(account=account).aggregate(t=Sum("amount"))["t"]
        assert account.balance == selectors.money(lines), account
        assert account.balance >= 0 or account.kind == AccountKind.APPROPRIATION


@pytest.fixture
def funded(city: City) -> Funded:
    return make_funded(city)


def test_an_elder_sees_the_price_after_subsidy_and_allowance(funded: Funded) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)

    price = selectors.quote(learner=elder, klass=klass)

    assert (price.fee, price.subsidy, price.entitlement, price.to_pay) == (
        D("200.00"),
        D("100.00"),
        D("60.00"),
        D("40.00"),
    )
    assert [(s.level, s.amount) for s in price.shares] == [
        ("municipal", D("50.00")),
        ("district", D("30.00")),
        ("town", D("20.00")),
    ]
    assert price.policy_code == funded.policy.code
    assert price.target_group == "aged"


def test_a_younger_resident_is_told_why_no_policy_applies(funded: Funded) -> None:
    klass = make_paid_class(funded.city)
    resident = make_resident(funded.city)

    with translation.override("en"):
        price = selectors.quote(learner=resident, klass=klass)

    assert (price.subsidy, price.entitlement, price.to_pay) == (D(0), D(0), D("200.00"))
    subsidy = next(d for d in price.decisions if d.code == funded.policy.code)
    assert not subsidy.applies
    assert any("not in those groups" in reason for reason in subsidy.reasons)


def test_taking_a_place_commits_all_three_levels_and_spends_the_allowance(
    funded: Funded,
) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)
    b = funded.budgets

    take_place(elder, klass)

    assert balance(b["city"], AccountKind.COMMITTED) == D("50.00")
    assert balance(b["a"], AccountKind.COMMITTED) == D("90.00")  # 30 subsidy + 60 allowance
    assert balance(b["a_town"], AccountKind.COMMITTED) == D("20.00")
    assert balance(b["city"]) == D("49950.00")
    assert balance(b["a"]) == D("19910.00")
    assert balance(b["a_town"]) == D("4980.00")
    assert selectors.entitlement_balance(learner=elder) == D("0.00")
    assert AuditEntry.objects.filter(action="funding.subsidy").count() == 1
    journal_balances()


def test_a_retry_commits_nothing_more(funded: Funded) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)

    source = take_place(elder, klass)
    take_place(elder, klass)

    kinds = sorted(JournalTransaction.objects.filter(source=source).values_list("kind", flat=True))
    assert kinds == [TransactionKind.SPEND, TransactionKind.SUBSIDY]
    assert balance(funded.budgets["city"], AccountKind.COMMITTED) == D("50.00")


def test_a_short_budget_refuses_the_commitment_and_changes_nothing(city: City) -> None:
    funded = make_funded(city, town_amount=D("10"))
    klass = make_paid_class(city)
    elder = make_elder(funded)

    with translation.override("en"), pytest.raises(Conflict) as refused:
        take_place(elder, klass)

    assert refused.value.code == "budget_short"
    assert "run out" in refused.value.message
    assert balance(funded.budgets["city"], AccountKind.COMMITTED) == D("0.00")
    assert selectors.entitlement_balance(learner=elder) == D("60.00")
    journal_balances()


def test_the_tranche_that_expires_first_is_spent_first(funded: Funded) -> None:
    elder = make_elder(funded)  # 60 granted for 2027, expires at the end of 2028
    sooner = Tranche.objects.get(learner=elder)
    services.budget_create(
        actor=funded.municipal,
        fiscal_year=YEAR + 1,
        organization=funded.city.a.office,
        amount=D("1000"),
    )
    later = services.tranche_grant(
        actor=funded.municipal, scheme=funded.scheme, learner=elder, year=YEAR + 1
    )
    klass = make_paid_class(funded.city, fee=D("180"))  # 90 subsidy, 90 from the allowance

    take_place(elder, klass)

    sooner.account.refresh_from_db()
    later.account.refresh_from_db()
    assert sooner.expires_on < later.expires_on
    assert (sooner.account.balance, later.account.balance) == (D("0.00"), D("30.00"))


def test_withdrawing_before_the_class_starts_refunds_everything(funded: Funded) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)
    source = take_place(elder, klass)

    services.place_refund(actor=elder.user, source=source, reason="withdrawn")
    services.place_refund(actor=elder.user, source=source, reason="withdrawn again")

    b = funded.budgets
    assert balance(b["city"], AccountKind.COMMITTED) == D("0.00")
    assert balance(b["a"], AccountKind.COMMITTED) == D("0.00")
    assert balance(b["city"]) == D("50000.00")
    assert selectors.entitlement_balance(learner=elder) == D("60.00")
    reversals = JournalTransaction.objects.filter(kind=TransactionKind.REVERSAL)
    assert reversals.count() == 2
    journal_balances()


def test_a_transaction_is_reversed_only_once(funded: Funded) -> None:
    posted = JournalTransaction.objects.filter(kind=TransactionKind.ALLOCATION).last()
    assert posted is not None
    services.reverse(actor=funded.municipal, posted=posted, reason="wrong")

    again = services.reverse(actor=funded.municipal, posted=posted, reason="wrong")

    assert JournalTransaction.objects.filter(reverses=posted).count() == 1
    assert again.reverses_id == posted.pk


def test_a_posting_with_the_same_key_is_made_once(funded: Funded) -> None:
    city_available = LedgerAccount.objects.get(budget=funded.budgets["city"], kind="available")
    city_paid = LedgerAccount.objects.get(budget=funded.budgets["city"], kind="paid")
    moves = [Move(city_available.pk, city_paid.pk, D("5.00"))]
    kwargs: dict[str, Any] = {
        "actor": funded.municipal,
        "kind": TransactionKind.PAYMENT,
        "moves": moves,
        "budget": funded.budgets["city"],
        "fiscal_year": YEAR,
        "reason": "test",
        "idempotency_key": "once",
    }

    first = services.post(**kwargs)
    second = services.post(**kwargs)

    assert first.pk == second.pk
    assert balance(funded.budgets["city"], AccountKind.PAID) == D("5.00")


def test_attendance_makes_the_provider_payable_and_the_rest_goes_back(funded: Funded) -> None:
    klass = make_paid_class(funded.city, capacity=3)
    elder = make_elder(funded)
    source = take_place(elder, klass)

    settlement = finish(funded, klass, [(source, elder, 3)])  # 3 of 4 sessions: 75 %

    assert settlement.status == SettlementStatus.PAYABLE
    assert settlement.amount == D("120.00")  # 75 % of the 160 committed
    b = funded.budgets
    assert balance(b["city"], AccountKind.PAYABLE) == D("37.50")
    assert balance(b["a"], AccountKind.PAYABLE) == D("67.50")  # 22.50 + 45 allowance
    assert balance(b["a_town"], AccountKind.PAYABLE) == D("15.00")
    assert balance(b["city"], AccountKind.COMMITTED) == D("0.00")
    assert selectors.entitlement_balance(learner=elder) == D("15.00")  # 25 % back

    services.settlement_pay(actor=funded.finance_a, public_id=settlement.public_id)
    services.settlement_pay(actor=funded.finance_a, public_id=settlement.public_id)

    assert balance(b["city"], AccountKind.PAID) == D("37.50")
    assert balance(b["a"], AccountKind.PAYABLE) == D("0.00")
    journal_balances()


def test_a_contract_buys_seats_and_pays_in_proportion_to_attendance(funded: Funded) -> None:
    klass = make_paid_class(funded.city, capacity=4)
    contract = services.contract_sign(
        actor=funded.finance_a,
        budget=funded.budgets["a"],
        course=klass.course,
        code="HP-2027-001",
        unit=ContractUnit.SEAT,
        quantity=D("10"),
        unit_price=D("150"),
        valid_from=dt.date(YEAR, 1, 1),
        valid_until=dt.date(YEAR, 12, 31),
        target_group="aged",
    )
    elder = make_elder(funded, grant=False)
    assert selectors.quote(learner=elder, klass=klass).to_pay == D("0.00")
    source = take_place(elder, klass)  # nothing to commit: the contract pays
    assert balance(funded.budgets["a"], AccountKind.COMMITTED) == D("1500.00")

    finish(funded, klass, [(source, elder, 3)])

    delivered_units, delivered_amount = selectors.contract_delivered(contract)
    assert (delivered_units, delivered_amount) == (D("0.75"), D("112.50"))
    services.contract_close(actor=funded.finance_a, contract=contract, reason="year end")
    assert balance(funded.budgets["a"], AccountKind.COMMITTED) == D("0.00")
    journal_balances()


def test_billing_past_the_contract_is_held_until_reviewed(funded: Funded) -> None:
    klass = make_paid_class(funded.city, capacity=4)
    services.contract_sign(
        actor=funded.finance_a,
        budget=funded.budgets["a"],
        course=klass.course,
        code="HP-2027-002",
        unit=ContractUnit.SEAT,
        quantity=D("1"),
        unit_price=D("100"),
        valid_from=dt.date(YEAR, 1, 1),
        valid_until=dt.date(YEAR, 12, 31),
    )
    learners = [make_resident(funded.city) for _ in range(2)]
    settlement = finish(funded, klass, [(take_place(x, klass), x, 4) for x in learners])
    flag = FraudFlag.objects.get(settlement=settlement)
    assert (settlement.status, flag.kind) == (SettlementStatus.HELD, FlagKind.ABOVE_CAPACITY)
    assert settlement.amount == D("100.00")

    with pytest.raises(Conflict):
        services.settlement_pay(actor=funded.finance_a, public_id=settlement.public_id)
    services.flag_review(
        actor=funded.finance_a, public_id=flag.public_id, uphold=True, reason="over contract"
    )

    settlement.refresh_from_db()
    assert settlement.status == SettlementStatus.REJECTED
    assert balance(funded.budgets["a"], AccountKind.PAYABLE) == D("0.00")
    assert AuditEntry.objects.filter(action="funding.flag_uphold").count() == 1
    journal_balances()


def test_clearing_a_flag_lets_the_payment_go(funded: Funded) -> None:
    klass = make_paid_class(funded.city, capacity=1)
    services.contract_sign(
        actor=funded.finance_a,
        budget=funded.budgets["a"],
        course=klass.course,
        code="HP-2027-003",
        unit=ContractUnit.HOUR,
        quantity=D("5"),
        unit_price=D("10"),
        valid_from=dt.date(YEAR, 1, 1),
        valid_until=dt.date(YEAR, 12, 31),
    )
    learner = make_resident(funded.city)
    settlement = finish(funded, klass, [(take_place(learner, klass), learner, 4)])
    flag = settlement.flags.get()

    services.flag_review(
        actor=funded.finance_a, public_id=flag.public_id, uphold=False, reason="checked roll"
    )
    services.settlement_pay(actor=funded.finance_a, public_id=settlement.public_id)

    flag.refresh_from_db()
    settlement.refresh_from_db()
    assert flag.status == FlagStatus.CLEARED
    assert (settlement.status, settlement.amount) == (SettlementStatus.PAID, D("50.00"))


def test_the_cap_per_learner_and_year_limits_the_subsidy(city: City) -> None:
    funded = make_funded(city, cap=D("150"))
    elder = make_elder(funded, grant=False)
    first, second = make_paid_class(city), make_paid_class(city)

    take_place(elder, first)
    price = selectors.quote(learner=elder, klass=second)

    assert (price.subsidy, price.to_pay) == (D("50.00"), D("150.00"))


def test_expired_allowance_goes_back_to_its_budget(funded: Funded) -> None:
    elder = make_elder(funded)
    before = balance(funded.budgets["a"])

    lapsed = services.tranches_lapse(actor=None, on=dt.date(YEAR + 2, 1, 1))
    again = services.tranches_lapse(actor=None, on=dt.date(YEAR + 2, 1, 1))

    assert (lapsed, again) == (1, 0)
    assert balance(funded.budgets["a"]) == before + D("60.00")
    assert selectors.entitlement_balance(learner=elder, on=dt.date(YEAR, 6, 1)) == D("0.00")


def test_an_allocation_cannot_spend_more_than_the_upper_level_has(funded: Funded) -> None:
    with pytest.raises(Conflict) as refused:
        services.budget_allocate(
            actor=funded.municipal,
            source=funded.budgets["a"],
            target=funded.budgets["a_town"],
            amount=D("999999"),
            reason="too much",
            idempotency_key="big",
        )
    assert refused.value.code == "budget_short"


def test_another_districts_officer_cannot_allocate_or_sign(funded: Funded) -> None:
    with pytest.raises(NotFound):
        services.budget_allocate(
            actor=funded.finance_b,
            source=funded.budgets["a"],
            target=funded.budgets["a_town"],
            amount=D("1"),
            reason="x",
            idempotency_key="x",
        )
    with pytest.raises(PermissionDenied):
        services.budget_create(
            actor=funded.finance_b, fiscal_year=YEAR + 1, organization=funded.city.a.office
        )


def test_shares_must_add_up_to_a_hundred(funded: Funded) -> None:
    with pytest.raises(ValidationFailed):
        services.policy_create(
            actor=funded.municipal,
            owner=funded.city.commission,
            code="BAD",
            name_zh="错",
            groups=["disabled"],
            benefit="free",
            shares=(D(50), D(30), D(10)),
            valid_from=dt.date(2027, 1, 1),
        )


def test_a_learner_funded_in_two_classes_at_the_same_time_is_flagged(funded: Funded) -> None:
    elder = make_elder(funded, grant=False)
    first, second = make_paid_class(funded.city), make_paid_class(funded.city)
    source = take_place(elder, first)
    take_place(elder, second)

    settlement = finish(funded, first, [(source, elder, 4)])

    assert settlement.status == SettlementStatus.HELD
    assert [f.kind for f in settlement.flags.all()] == [FlagKind.OVERLAPPING_CLASSES]


def test_a_whole_class_with_perfect_attendance_is_flagged(funded: Funded) -> None:
    klass = make_paid_class(funded.city)
    elders = [make_elder(funded, grant=False) for _ in range(8)]

    settlement = finish(funded, klass, [(take_place(e, klass), e, 4) for e in elders])

    assert [f.kind for f in settlement.flags.all()] == [FlagKind.ATTENDANCE_OUTLIER]
    with pytest.raises(Conflict) as held:
        services.settlement_pay(actor=funded.municipal, public_id=settlement.public_id)
    assert held.value.code == "payment_held"
