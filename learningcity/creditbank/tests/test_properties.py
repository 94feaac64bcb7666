"""Properties of the credit bank, checked on many generated histories: the ledger and the
records agree, revoking restores, no cap is ever exceeded, culture and leisure never
converts, and resending a batch changes nothing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learningcity.core.errors import ValidationFailed
from learningcity.creditbank import selectors, services
from learningcity.creditbank.choices import CreditCategory, RecordChannel, RecordStatus
from learningcity.creditbank.data import Outcome, Rules, Usage
from learningcity.creditbank.models import LearningRecord, Posting, credits_of
from learningcity.creditbank.services.recognition import evaluate
from learningcity.creditbank.tests.factories import (
    DEGREE,
    LEISURE,
    Bank,
    make_bank,
    make_resident,
    row,
)
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db

decimals = st.decimals(min_value=0, max_value=200, places=1, allow_nan=False)
optional = st.none() | st.decimals(min_value=1, max_value=60, places=1, allow_nan=False)


@given(
    hours=decimals,
    attendance=st.none() | st.decimals(min_value=0, max_value=100, places=2),
    cap_year=optional,
    cap_term=optional,
    cap_institution=optional,
    used=st.tuples(decimals, decimals, decimals),
    fixed=st.none() | st.decimals(min_value=1, max_value=10, places=1),
)
def test_evaluate_never_grants_more_than_a_cap_leaves(
    hours: Decimal,
    attendance: Decimal | None,
    cap_year: Decimal | None,
    cap_term: Decimal | None,
    cap_institution: Decimal | None,
    used: tuple[Decimal, Decimal, Decimal],
    fixed: Decimal | None,
) -> None:
    rules = Rules(
        credits_fixed=fixed,
        hours_per_credit=Decimal("15"),
        max_credits_per_record=None,
        requires_pass=False,
        min_attendance=Decimal("80"),
        min_score=None,
        cap_per_year=cap_year,
        cap_per_term=cap_term,
        cap_per_institution=cap_institution,
        cap_certificates=None,
    )
    usage = Usage(year=used[0], term=used[1], institution=used[2])
    outcome = Outcome(passed=True, score=None, hours=hours, attendance_rate=attendance)
    decision = evaluate(rules, outcome, usage)
    assert decision.credits >= 0
    assert decision.credits <= decision.worth
    for cap, spent in ((cap_year, used[0]), (cap_term, used[1]), (cap_institution, used[2])):
        if cap is not None:
            assert decision.credits <= max(cap - spent, Decimal(0))
    if attendance is None or attendance < 80:
        assert decision.credits == 0


# A generated history: records of several categories, providers and dates, some revoked.
record_specs = st.lists(
    st.tuples(
        st.sampled_from(["leisure", "degree", "ncre"]),
        st.decimals(min_value=0, max_value=400, places=0),  # hours
        st.sampled_from([Decimal("60"), Decimal("85"), Decimal("100")]),  # attendance
        st.integers(min_value=0, max_value=3),  # month offset: two terms, two years
        st.booleans(),  # from the second provider
        st.booleans(),  # revoke it afterwards
    ),
    min_size=1,
    max_size=12,
)


@pytest.fixture
def bank(city: City) -> Bank:
    return make_bank(city)


def _history(bank: Bank, specs: list[tuple]) -> tuple[int, list[LearningRecord]]:
    learner = make_resident(bank.city)
    account = services.account_for(learner.pk)
    months = [dt.date(2025, 3, 1), dt.date(2025, 9, 1), dt.date(2026, 3, 1), dt.date(2026, 9, 1)]
    made = []
    for kind, hours, attendance, month, second, _revoke in specs:
        fields = {
            "account_number": account.number,
            "hours": hours,
            "attendance_rate": attendance,
            "completed_on": months[month],
            "score": Decimal("75"),
        }
        if kind == "degree":
            fields["category"] = CreditCategory.DEGREE
        elif kind == "ncre":
            fields |= {"category": CreditCategory.VOCATIONAL, "certificate_code": "NCRE-1"}
        provider = bank.city.b.college if second else bank.city.a.college
        record = services.record_submit(
            actor=bank.city.root, provider=provider, row=row(**fields), channel=RecordChannel.WEB
        )
        made.append(services.record_verify(actor=bank.assessor, public_id=record.public_id))
    return account.pk, made


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=record_specs)
def test_ledger_invariants_hold_for_any_history(bank: Bank, specs: list[tuple]) -> None:
    point = transaction.savepoint()
    try:
        account_id, records = _history(bank, specs)
        for (*_, revoke), record in zip(specs, records, strict=True):
            if revoke:
                before = _total(account_id)
                services.record_revoke(actor=bank.assessor, public_id=record.public_id, reason="x")
                record.refresh_from_db()
                # Revoking takes back exactly what the record had been granted.
                assert _total(account_id) == before - record.credits
        # The ledger equals what the live records were granted.
        live = LearningRecord.objects.filter(account_id=account_id, status=RecordStatus.VERIFIED)
        assert _total(account_id) == credits_of(live.aggregate(t=Sum("credits"))["t"])
        # Balances by category and level are the sums of the postings.
        sums: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        for posting in Posting.objects.filter(account_id=account_id):
            sums[(posting.category, posting.level)] += posting.credits
        sums = defaultdict(Decimal, {k: credits_of(v) for k, v in sums.items()})
        first = live.first()
        if first is not None:
            account = first.account
            shown = {(b.category, b.level): b.credits for b in selectors.balances(account)}
            assert shown == {k: v for k, v in sums.items() if v}
        _assert_caps(account_id)
    finally:
        transaction.savepoint_rollback(point)


def _total(account_id: int) -> Decimal:
    return credits_of(
        Posting.objects.filter(account_id=account_id).aggregate(t=Sum("credits"))["t"]
    )


def _assert_caps(account_id: int) -> None:
    for terms in (LEISURE, DEGREE):
        postings = Posting.objects.filter(account_id=account_id, category=terms.credit_category)
        for field, cap in (
            ("year", terms.cap_per_year),
            ("term", terms.cap_per_term),
            ("institution_id", terms.cap_per_institution),
        ):
            assert cap is not None
            for group in postings.values(field).annotate(t=Sum("credits")):
                assert credits_of(group["t"]) <= cap, (field, group)
    granted = Posting.objects.filter(
        account_id=account_id, category=CreditCategory.VOCATIONAL, reversed_by__isnull=True
    ).exclude(kind="reversal")
    assert granted.count() <= 1  # NCRE-1 counts once


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hours=st.lists(st.decimals(min_value=15, max_value=120, places=0), min_size=1, max_size=6))
def test_culture_and_leisure_never_converts(bank: Bank, hours: list[Decimal]) -> None:
    point = transaction.savepoint()
    try:
        learner = make_resident(bank.city)
        account = services.account_for(learner.pk)
        codes = [c.code for c in bank.program.courses.all()]
        for i, h in enumerate(hours):
            record = services.record_submit(
                actor=bank.city.root,
                provider=bank.center,
                row=row(account_number=account.number, hours=h, course_code=codes[i % len(codes)]),
                channel=RecordChannel.WEB,
            )
            services.record_verify(actor=bank.assessor, public_id=record.public_id)
        audit = selectors.degree_audit(account, bank.program)
        assert audit.counted == 0 and audit.convertible == 0
        assert all(not line.met_by and not line.candidate_record_id for line in audit.courses)
        with pytest.raises(ValidationFailed):
            services.conversion_apply(
                actor=learner.user, account=account, program_code=bank.program.code
            )
    finally:
        transaction.savepoint_rollback(point)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(min_value=1, max_value=8), repeats=st.integers(min_value=1, max_value=3))
def test_resubmitting_a_batch_changes_nothing(bank: Bank, size: int, repeats: int) -> None:
    point = transaction.savepoint()
    try:
        learner = make_resident(bank.city)
        account = services.account_for(learner.pk)
        rows = [row(account_number=account.number) for _ in range(size)]
        first = services.records_submit(
            actor=bank.city.root, provider=bank.city.a.school, rows=rows, channel=RecordChannel.API
        )
        counts = (LearningRecord.objects.count(), Posting.objects.count())
        for _ in range(repeats):
            again = services.records_submit(
                actor=bank.city.root,
                provider=bank.city.a.school,
                rows=rows,
                channel=RecordChannel.API,
            )
            assert again.created == 0 and again.existing == size
            assert [r.record_id for r in again.rows] == [r.record_id for r in first.rows]
        assert (LearningRecord.objects.count(), Posting.objects.count()) == counts
    finally:
        transaction.savepoint_rollback(point)
