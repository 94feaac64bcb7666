"""Properties of the money journal, checked on many generated histories of moves, retries
and reversals: every transaction balances, every balance is the sum of its lines and never
below zero, a reversal restores exactly, and a retried key changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learningcity.funding import selectors, services
from learningcity.funding.choices import AccountKind, TransactionKind
from learningcity.funding.data import Move
from learningcity.funding.models import JournalLine, JournalTransaction, LedgerAccount
from learningcity.funding.services.journal import Short
from learningcity.funding.tests.factories import YEAR, Funded, make_funded
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db

amounts = st.integers(min_value=1, max_value=3_000_000).map(lambda cents: Decimal(cents) / 100)
move = st.tuples(st.just("move"), st.integers(0, 3), st.integers(0, 3), amounts, st.integers(0, 5))
undo = st.tuples(
    st.just("reverse"), st.integers(0, 30), st.just(0), st.just(Decimal(0)), st.just(0)
)
histories = st.lists(st.one_of(move, move, undo), min_size=1, max_size=25)


@pytest.fixture
def funded(city: City) -> Funded:
    return make_funded(city)


def _accounts(funded: Funded) -> list[LedgerAccount]:
    b = funded.budgets
    return [
        LedgerAccount.objects.get(budget=b["city"], kind=AccountKind.AVAILABLE),
        LedgerAccount.objects.get(budget=b["a"], kind=AccountKind.AVAILABLE),
        LedgerAccount.objects.get(budget=b["a_town"], kind=AccountKind.AVAILABLE),
        LedgerAccount.objects.get(budget=b["a"], kind=AccountKind.COMMITTED),
    ]


def _assert_journal_holds() -> None:
    for posted in JournalTransaction.objects.prefetch_related("lines"):
        assert sum((line.amount for line in posted.lines.all()), Decimal(0)) == 0
    for account in LedgerAccount.objects.all():
        total = JournalLine.objects.filter(account=account).aggregate(t=Sum("amount"))["t"]
        assert account.balance == selectors.money(total)
        assert account.balance >= 0 or account.kind == AccountKind.APPROPRIATION


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories)
def test_the_journal_holds_for_any_history(funded: Funded, history: list[tuple]) -> None:
    point = transaction.savepoint()
    try:
        accounts = _accounts(funded)
        model = {a.pk: a.balance for a in accounts}
        by_key: dict[str, JournalTransaction] = {}
        posted: list[JournalTransaction] = []
        for op, i, j, amount, key in history:
            if op == "move":
                source, target = accounts[i], accounts[j]
                if source.pk == target.pk:
                    continue
                name = f"prop-{key}"
                before = dict(model)
                try:
                    result = services.post(
                        actor=funded.municipal,
                        kind=TransactionKind.ALLOCATION,
                        moves=[Move(source.pk, target.pk, amount)],
                        budget=funded.budgets["city"],
                        fiscal_year=YEAR,
                        reason="property",
                        idempotency_key=name,
                    )
                except Short:
                    # Refused only when the money was not there; nothing changed.
                    assert name not in by_key
                    assert model[source.pk] < amount
                    continue
                if name in by_key:
                    # A retry: the first transaction, and no money moved.
                    assert result.pk == by_key[name].pk
                    assert model == before
                    continue
                assert model[source.pk] >= amount
                by_key[name] = result
                posted.append(result)
                model[source.pk] -= amount
                model[target.pk] += amount
            elif posted:
                original = posted[i % len(posted)]
                lines = list(original.lines.all())
                already = JournalTransaction.objects.filter(reverses=original).exists()
                snapshot = dict(model)
                try:
                    services.reverse(actor=funded.municipal, posted=original, reason="undo")
                except Short:
                    assert not already
                    continue
                if already:
                    assert model == snapshot
                    continue
                for line in lines:
                    model[line.account_id] -= line.amount
            for account in accounts:
                account.refresh_from_db()
                assert account.balance == model[account.pk]
                assert account.balance >= 0
        _assert_journal_holds()
    finally:
        transaction.savepoint_rollback(point)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amount=amounts)
def test_a_reversal_restores_every_account(funded: Funded, amount: Decimal) -> None:
    point = transaction.savepoint()
    try:
        accounts = _accounts(funded)
        before = {a.pk: a.balance for a in LedgerAccount.objects.all()}
        try:
            original = services.post(
                actor=funded.municipal,
                kind=TransactionKind.ALLOCATION,
                moves=[Move(accounts[0].pk, accounts[3].pk, amount)],
                budget=funded.budgets["city"],
                fiscal_year=YEAR,
                reason="property",
                idempotency_key="restore",
            )
        except Short:
            assert amount > before[accounts[0].pk]
            return
        services.reverse(actor=funded.municipal, posted=original, reason="undo")
        after = {a.pk: a.balance for a in LedgerAccount.objects.all()}
        assert after == before
    finally:
        transaction.savepoint_rollback(point)
