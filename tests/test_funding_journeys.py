"""Enrollment and funding together: an elder sees the price after subsidy before applying;
accepting a place commits the budgets of all three levels and spends her allowance in the
same transaction (or is refused whole); withdrawing before the class starts refunds;
attendance settles the provider."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from learningcity.catalog.choices import Rationing
from learningcity.core.errors import Conflict
from learningcity.enrollment import services as enrollment
from learningcity.enrollment.choices import ApplicationStatus
from learningcity.enrollment.models import Application
from learningcity.enrollment.tests.factories import close_window
from learningcity.funding import selectors
from learningcity.funding.choices import AccountKind, SettlementStatus, TransactionKind
from learningcity.funding.models import JournalTransaction, Settlement
from learningcity.funding.tests.factories import (
    Funded,
    balance,
    make_elder,
    make_funded,
    make_paid_class,
)
from learningcity.learners.models import Learner
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def funded(city: City) -> Funded:
    return make_funded(city)


def _offered(funded: Funded, elder: Learner) -> Application:
    klass = make_paid_class(funded.city, rationing=Rationing.LOTTERY)
    application = enrollment.application_submit(actor=elder.user, learner=elder, klass=klass)
    close_window(klass)
    enrollment.lottery_draw(actor=funded.city.root, term=klass.term)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.OFFERED
    return application


def test_accepting_an_offer_commits_three_levels_and_the_allowance(funded: Funded) -> None:
    elder = make_elder(funded)
    application = _offered(funded, elder)
    assert elder.user is not None

    enrollment.offer_accept(actor=elder.user, public_id=application.public_id)
    enrollment.offer_accept(actor=elder.user, public_id=application.public_id)  # a retry

    b = funded.budgets
    committed = [balance(b[k], AccountKind.COMMITTED) for k in ("city", "a", "a_town")]
    assert committed == [D("50.00"), D("90.00"), D("20.00")]
    source = f"enrollment:{application.public_id}"
    kinds = sorted(JournalTransaction.objects.filter(source=source).values_list("kind", flat=True))
    assert kinds == [TransactionKind.SPEND, TransactionKind.SUBSIDY]
    assert selectors.entitlement_balance(learner=elder) == D("0.00")


def test_a_short_budget_refuses_the_acceptance_whole(city: City) -> None:
    funded = make_funded(city, town_amount=D("10"))
    elder = make_elder(funded)
    application = _offered(funded, elder)
    assert elder.user is not None

    with pytest.raises(Conflict) as refused:
        enrollment.offer_accept(actor=elder.user, public_id=application.public_id)

    assert refused.value.code == "budget_short"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.OFFERED
    assert balance(funded.budgets["city"], AccountKind.COMMITTED) == D("0.00")
    assert selectors.entitlement_balance(learner=elder) == D("60.00")


def test_a_first_come_seat_commits_and_withdrawing_before_the_start_refunds(
    funded: Funded,
) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)
    assert elder.user is not None

    application = enrollment.application_submit(actor=elder.user, learner=elder, klass=klass)
    assert application.status == ApplicationStatus.ACCEPTED
    assert balance(funded.budgets["city"], AccountKind.COMMITTED) == D("50.00")

    enrollment.application_withdraw(actor=elder.user, public_id=application.public_id)

    assert balance(funded.budgets["city"], AccountKind.COMMITTED) == D("0.00")
    assert balance(funded.budgets["city"]) == D("50000.00")
    assert selectors.entitlement_balance(learner=elder) == D("60.00")


def test_attendance_settles_the_provider(funded: Funded) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)
    application = enrollment.application_submit(actor=elder.user, learner=elder, klass=klass)
    admin = funded.city.a.school_admin
    for number, session in enumerate(enrollment.sessions_schedule(actor=admin, klass=klass)):
        enrollment.attendance_record(
            actor=admin, session=session, marks={application.pk: number < 3}
        )

    enrollment.class_complete(actor=admin, klass=klass)

    settlement = Settlement.objects.get(klass=klass)
    assert (settlement.status, settlement.amount) == (SettlementStatus.PAYABLE, D("120.00"))
    assert settlement.deliveries.get().source == f"enrollment:{application.public_id}"


def test_the_apply_page_shows_the_price_after_subsidy(funded: Funded, client: Client) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)
    assert elder.user is not None
    client.force_login(elder.user)

    page = client.get(f"/enrollment/apply/{klass.public_id}/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    text = page.content.decode()
    assert "What this class costs you" in text
    assert "¥40.00" in text
    assert "−¥100.00" in text
