"""Concurrent spending: real threads, each with its own connection, on the database the suite
runs (SQLite in WAL mode, or PostgreSQL in `make test`). No budget or entitlement goes below
zero, and no commitment is lost or made twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum

from learningcity.core.errors import Conflict
from learningcity.funding import selectors, services
from learningcity.funding.choices import AccountKind, TransactionKind
from learningcity.funding.models import JournalLine, JournalTransaction, LedgerAccount
from learningcity.funding.tests.factories import (
    balance,
    make_elder,
    make_funded,
    make_paid_class,
    make_resident,
)
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    start = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(job: Callable[[], Any]) -> None:
        try:
            start.wait()
            result = job()
            with lock:
                results.append(result)
        except BaseException as exc:  # every failure is reported to the test
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def _journal_holds() -> None:
    for account in LedgerAccount.objects.all():
        total = JournalLine.objects.filter(account=account).aggregate(t=Sum("amount"))["t"]
        assert account.balance == selectors.money(total)
        assert account.balance >= 0 or account.kind == AccountKind.APPROPRIATION


def test_concurrent_acceptances_never_overspend_a_budget(city: City) -> None:
    # The town's 100 yuan pays 20 of each place's subsidy: five places, not ten.
    funded = make_funded(city, town_amount=Decimal("100"))
    klass = make_paid_class(city)
    elders = [make_elder(funded, grant=False) for _ in range(10)]

    def commit(n: int) -> Callable[[], Any]:
        return lambda: services.place_commit(
            actor=None, learner=elders[n], klass=klass, source=f"test:{n}"
        )

    results, errors = run_together([commit(n) for n in range(10)])

    assert len(results) == 5
    assert len(errors) == 5
    assert all(isinstance(e, Conflict) and e.code == "budget_short" for e in errors)
    assert JournalTransaction.objects.filter(kind=TransactionKind.SUBSIDY).count() == 5
    assert balance(funded.budgets["a_town"]) == Decimal("0.00")
    assert balance(funded.budgets["city"], AccountKind.COMMITTED) == Decimal("250.00")
    _journal_holds()


def test_a_place_committed_by_many_taps_at_once_is_committed_once(city: City) -> None:
    funded = make_funded(city)
    klass = make_paid_class(city)
    elder = make_elder(funded)

    def commit() -> Any:
        return services.place_commit(actor=None, learner=elder, klass=klass, source="tap")

    _results, errors = run_together([commit for _ in range(6)])

    assert errors == []
    kinds = sorted(JournalTransaction.objects.filter(source="tap").values_list("kind", flat=True))
    assert kinds == [TransactionKind.SPEND, TransactionKind.SUBSIDY]
    assert selectors.entitlement_balance(learner=elder) == Decimal("0.00")
    _journal_holds()


def test_one_allowance_spent_on_many_classes_at_once_is_spent_once(city: City) -> None:
    funded = make_funded(city)
    elder = make_elder(funded)  # 60 yuan
    classes = [make_paid_class(city) for _ in range(5)]

    def commit(n: int) -> Callable[[], Any]:
        return lambda: services.place_commit(
            actor=None, learner=elder, klass=classes[n], source=f"class:{n}"
        )

    _results, errors = run_together([commit(n) for n in range(5)])

    assert errors == []
    spent = JournalTransaction.objects.filter(kind=TransactionKind.SPEND)
    assert spent.aggregate(t=Sum("amount"))["t"] == Decimal("60.00")
    assert selectors.entitlement_balance(learner=elder) == Decimal("0.00")
    _journal_holds()


def test_concurrent_allocations_never_take_more_than_there_is(city: City) -> None:
    funded = make_funded(city)
    other = make_resident(city)  # unrelated writes in between change nothing
    assert other.pk

    def allocate(n: int) -> Callable[[], Any]:
        return lambda: services.budget_allocate(
            actor=funded.municipal,
            source=funded.budgets["a"],
            target=funded.budgets["a_town"],
            amount=Decimal("3000"),
            reason="burst",
            idempotency_key=f"burst-{n}",
        )

    results, _errors = run_together([allocate(n) for n in range(10)])

    assert len(results) == 6  # 20,000 available: six of 3,000
    assert balance(funded.budgets["a"]) == Decimal("2000.00")
    _journal_holds()
