"""Concurrent postings for one learner: real threads, each with its own connection, on the
database the suite runs (SQLite in WAL mode, or PostgreSQL in `make test`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum

from learningcity.creditbank import services
from learningcity.creditbank.choices import PostingKind, RecordStatus
from learningcity.creditbank.models import LearningRecord, Posting, credits_of
from learningcity.creditbank.tests.factories import make_bank, make_resident, submit
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(jobs: list[Callable[[], Any]]) -> list[BaseException]:
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(job: Callable[[], Any]) -> None:
        try:
            start.wait()
            job()
        except BaseException as exc:  # every failure is reported to the test
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_verifications_never_pass_the_term_cap(city: City) -> None:
    bank = make_bank(city)
    learner = make_resident(city)
    # Ten records of 6 credits each in one term; the term cap is 24.
    records = [submit(bank, learner, hours=Decimal("90"), verify=False) for _ in range(10)]

    def verify(record: LearningRecord) -> Callable[[], Any]:
        return lambda: services.record_verify(actor=bank.assessor, public_id=record.public_id)

    errors = run_together([verify(r) for r in records])
    assert errors == []
    postings = Posting.objects.filter(account__learner=learner)
    assert credits_of(postings.aggregate(t=Sum("credits"))["t"]) == Decimal("24.0")
    assert postings.count() == 4
    assert LearningRecord.objects.filter(status=RecordStatus.VERIFIED).count() == 10


def test_concurrent_revokes_reverse_once(city: City) -> None:
    bank = make_bank(city)
    learner = make_resident(city)
    record = submit(bank, learner, hours=Decimal("60"))

    def revoke() -> Any:
        return services.record_revoke(actor=bank.assessor, public_id=record.public_id, reason="x")

    errors = run_together([revoke for _ in range(6)])
    assert errors == []
    assert Posting.objects.filter(record=record, kind=PostingKind.REVERSAL).count() == 1
    total = Posting.objects.filter(record=record).aggregate(t=Sum("credits"))["t"]
    assert credits_of(total) == 0


def test_concurrent_first_records_open_one_account(city: City) -> None:
    make_bank(city)
    learner = make_resident(city)
    errors = run_together([lambda: services.account_for(learner.pk) for _ in range(8)])
    assert errors == []
    assert learner.credit_account.number
