"""Funding pages: the learner's allowance and the price on the apply page; finance officers'
pages in their levels only; exports."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from learningcity.funding import services
from learningcity.funding.choices import ContractUnit, FlagStatus
from learningcity.funding.data import PlaceDelivery
from learningcity.funding.tests.factories import (
    YEAR,
    Funded,
    make_elder,
    make_funded,
    make_paid_class,
    make_resident,
)
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import City, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(city: City) -> Funded:
    return make_funded(city)


def test_a_learner_sees_their_allowance(funded: Funded, client: Client) -> None:
    elder = make_elder(funded)
    assert elder.user is not None
    client.force_login(elder.user)

    page = client.get("/funding/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    assert "¥60.00" in page.content.decode()
    assert "2028" in page.content.decode()


def test_finance_pages_show_only_the_officers_levels(funded: Funded, client: Client) -> None:
    client.force_login(funded.finance_b)
    page = client.get("/funding/finance/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Xuhui" in page and "Huangpu" not in page

    # A provider's staff are sent to their contracts; a resident has no finance page.
    client.force_login(funded.city.a.school_admin)
    assert client.get("/funding/finance/")["Location"] == "/funding/provider/"
    resident = make_resident(funded.city)
    assert resident.user is not None
    client.force_login(resident.user)
    assert client.get("/funding/finance/").status_code == 403


def test_the_report_exports_csv_and_xlsx(funded: Funded, client: Client) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)
    services.place_commit(actor=elder.user, learner=elder, klass=klass, source="view-test")
    client.force_login(funded.municipal)

    page = client.get("/funding/finance/report/?by=level", HTTP_ACCEPT_LANGUAGE="en")
    csv = client.get("/funding/finance/report.csv?by=level", HTTP_ACCEPT_LANGUAGE="en")
    xlsx = client.get("/funding/finance/report.xlsx?by=district")

    assert page.status_code == 200 and "50.00" in page.content.decode()
    assert "Municipal" in csv.content.decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 2


def test_a_bad_report_year_is_a_400_not_a_500(funded: Funded, client: Client) -> None:
    client.force_login(funded.municipal)
    assert client.get("/funding/finance/report/?fiscal_year=abc").status_code == 400


def test_a_provider_sees_its_settlement_and_the_other_district_does_not(
    funded: Funded, client: Client
) -> None:
    klass = make_paid_class(funded.city, capacity=2)
    elder = make_elder(funded)
    services.place_commit(actor=elder.user, learner=elder, klass=klass, source="view-test")
    admin = funded.city.a.school_admin
    settlement = services.class_deliver(
        actor=admin, klass=klass, places=[PlaceDelivery("view-test", elder.pk, 4, 4)]
    )
    assert settlement is not None

    client.force_login(admin)
    assert client.get("/funding/provider/").status_code == 200
    assert client.get(f"/funding/settlements/{settlement.public_id}/").status_code == 200
    client.force_login(funded.city.b.school_admin)
    assert client.get(f"/funding/settlements/{settlement.public_id}/").status_code == 404
    client.force_login(funded.finance_a)
    paid = client.post(f"/funding/settlements/{settlement.public_id}/pay/")
    assert paid.status_code == 302
    settlement.refresh_from_db()
    assert settlement.status == "paid"


def test_public_policies_page(funded: Funded, client: Client) -> None:
    page = client.get("/funding/policies/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Elder learning subsidy" in page.content.decode()


def test_a_flag_is_reviewed_only_in_the_officers_levels(funded: Funded, client: Client) -> None:
    klass = make_paid_class(funded.city, capacity=1)
    services.contract_sign(
        actor=funded.finance_a,
        budget=funded.budgets["a"],
        course=klass.course,
        code="HP-VIEW-001",
        unit=ContractUnit.HOUR,
        quantity=Decimal("5"),
        unit_price=Decimal("10"),
        valid_from=dt.date(YEAR, 1, 1),
        valid_until=dt.date(YEAR, 12, 31),
    )
    learner = make_resident(funded.city)
    source = f"place:{learner.pk}:{klass.pk}"
    services.place_commit(actor=learner.user, learner=learner, klass=klass, source=source)
    settlement = services.class_deliver(
        actor=funded.city.a.school_admin,
        klass=klass,
        places=[PlaceDelivery(source, learner.pk, 4, 4)],
    )
    assert settlement is not None
    flag = settlement.flags.get()
    url = f"/funding/finance/flags/{flag.public_id}/"

    client.force_login(funded.finance_b)
    assert client.get(url).status_code == 404
    refused = client.post(url, {"decision": "uphold", "reason": "not mine"})
    client.force_login(funded.finance_a)
    page = client.get(url)
    no_reason = client.post(url, {"decision": "clear", "reason": ""})
    flag.refresh_from_db()

    assert refused.status_code == 404
    assert page.status_code == 200
    assert no_reason.status_code == 400
    assert flag.status == FlagStatus.OPEN
    decided = client.post(url, {"decision": "clear", "reason": "checked the roll"})
    flag.refresh_from_db()
    assert decided.status_code == 302 and flag.status == FlagStatus.CLEARED


def test_a_providers_finance_officer_sees_its_settlement_but_never_moves_its_money(
    funded: Funded, client: Client
) -> None:
    klass = make_paid_class(funded.city, capacity=1)
    services.contract_sign(
        actor=funded.finance_a,
        budget=funded.budgets["a"],
        course=klass.course,
        code="HP-VIEW-002",
        unit=ContractUnit.HOUR,
        quantity=Decimal("5"),
        unit_price=Decimal("10"),
        valid_from=dt.date(YEAR, 1, 1),
        valid_until=dt.date(YEAR, 12, 31),
    )
    learner = make_resident(funded.city)
    source = f"place:{learner.pk}:{klass.pk}"
    services.place_commit(actor=learner.user, learner=learner, klass=klass, source=source)
    settlement = services.class_deliver(
        actor=funded.city.a.school_admin,
        klass=klass,
        places=[PlaceDelivery(source, learner.pk, 4, 4)],
    )
    assert settlement is not None
    flag = settlement.flags.get()
    school_finance = make_staff(
        actor=funded.city.root,
        organization=funded.city.a.school,
        role=StaffRoleKind.FINANCE_OFFICER,
    )
    client.force_login(school_finance)

    seen = client.get(f"/funding/settlements/{settlement.public_id}/")
    finance = client.get("/funding/finance/")
    review = client.post(
        f"/funding/finance/flags/{flag.public_id}/", {"decision": "clear", "reason": "fine"}
    )
    report = client.get("/funding/finance/report/")
    pay = client.post(f"/funding/settlements/{settlement.public_id}/pay/")
    flag.refresh_from_db()
    settlement.refresh_from_db()

    assert seen.status_code == 200
    assert finance["Location"] == "/funding/provider/"
    assert (review.status_code, report.status_code, pay.status_code) == (403, 403, 404)
    assert flag.status == FlagStatus.OPEN and settlement.status == "held"
