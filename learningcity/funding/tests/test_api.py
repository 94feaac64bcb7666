"""The funding API: learners see their own price and allowance; finance officers see only
their levels; another district's officer sees nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from learningcity.accounts.services import api_token_create
from learningcity.funding import services
from learningcity.funding.data import PlaceDelivery
from learningcity.funding.tests.factories import (
    Funded,
    make_elder,
    make_funded,
    make_paid_class,
)
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import City, make_staff

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {api_token_create(actor=None, user=user, name='t').plaintext}"
    }


@pytest.fixture
def funded(city: City) -> Funded:
    return make_funded(city)


def test_a_learner_gets_the_price_after_subsidy_with_reasons(
    funded: Funded, client: Client
) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)

    response = client.get(
        f"/api/v1/funding/quote?class_id={klass.public_id}", headers=bearer(elder.user)
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["fee"], body["subsidy"], body["entitlement"], body["to_pay"]) == (
        "200.00",
        "100.00",
        "60.00",
        "40.00",
    )
    assert [s["level"] for s in body["shares"]] == ["municipal", "district", "town"]
    assert any(d["applies"] and d["kind"] == "subsidy" for d in body["decisions"])


def test_a_learner_reads_their_allowance(funded: Funded, client: Client) -> None:
    elder = make_elder(funded)

    body = client.get("/api/v1/funding/me/entitlement", headers=bearer(elder.user)).json()

    assert body["balance"] == "60.00"
    assert [(t["year"], t["balance"], t["expires_on"]) for t in body["tranches"]] == [
        (2027, "60.00", "2028-12-31")
    ]


def test_staff_quote_only_for_learners_in_scope(funded: Funded, client: Client) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)
    path = f"/api/v1/funding/quote?class_id={klass.public_id}&learner_id={elder.public_id}"

    assert client.get(path, headers=bearer(funded.city.a.officer)).status_code == 200
    assert client.get(path, headers=bearer(funded.city.b.officer)).status_code == 404


def test_budgets_are_scoped_by_level(funded: Funded, client: Client) -> None:
    def areas(user: Any) -> list[str]:
        response = client.get("/api/v1/funding/budgets", headers=bearer(user))
        assert response.status_code == 200
        return [b["area"] for b in response.json()]

    assert len(areas(funded.municipal)) == 5
    assert areas(funded.finance_a) == ["310101", "310101001"]
    assert areas(funded.finance_b) == ["310104", "310104001"]
    assert areas(funded.city.a.school_admin) == []  # no finance role
    a = next(
        b
        for b in client.get("/api/v1/funding/budgets", headers=bearer(funded.finance_a)).json()
        if b["area"] == "310101"
    )
    assert (a["appropriated"], a["available"]) == ("0.00", "20000.00")


def test_another_districts_officer_sees_no_commitments_or_flags(
    funded: Funded, client: Client
) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)
    services.place_commit(actor=elder.user, learner=elder, klass=klass, source="api-test")

    own = client.get("/api/v1/funding/commitments", headers=bearer(funded.finance_a)).json()
    other = client.get("/api/v1/funding/commitments", headers=bearer(funded.finance_b)).json()

    assert {t["kind"] for t in own["items"]} == {"subsidy", "spend"}
    assert other["items"] == []
    assert (
        client.get("/api/v1/funding/flags", headers=bearer(funded.finance_b)).json()["count"] == 0
    )


def test_an_allocation_is_idempotent(funded: Funded, client: Client) -> None:
    source, target = funded.budgets["a"], funded.budgets["a_town"]
    path = f"/api/v1/funding/budgets/{source.public_id}/allocations"
    body = {"to_budget": str(target.public_id), "amount": "100.00", "reason": "more classes"}
    headers = {**bearer(funded.finance_a), "Idempotency-Key": "alloc-1"}

    first = client.post(path, body, content_type="application/json", headers=headers)
    again = client.post(path, body, content_type="application/json", headers=headers)
    other = client.post(
        path,
        body,
        content_type="application/json",
        headers={**bearer(funded.finance_b), "Idempotency-Key": "alloc-2"},
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert other.status_code == 404


def test_an_allocation_without_a_key_is_refused(funded: Funded, client: Client) -> None:
    path = f"/api/v1/funding/budgets/{funded.budgets['a'].public_id}/allocations"
    body = {"to_budget": str(funded.budgets["a_town"].public_id), "amount": "1", "reason": "x"}

    response = client.post(
        path, body, content_type="application/json", headers=bearer(funded.finance_a)
    )

    assert response.status_code == 400
    assert "idempotency_key" in response.json()["fields"]


def test_reports_by_level_and_public_policies(funded: Funded, client: Client) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)
    services.place_commit(actor=elder.user, learner=elder, klass=klass, source="api-test")

    rows = client.get(
        "/api/v1/funding/reports?by=level&fiscal_year=2027", headers=bearer(funded.municipal)
    ).json()
    policies = client.get("/api/v1/funding/policies").json()

    assert {r["key"]: r["committed"] for r in rows} == {
        "municipal": "50.00",
        "district": "90.00",
        "town": "20.00",
    }
    assert [p["code"] for p in policies] == [funded.policy.code]
    assert Decimal(policies[0]["share_municipal"]) == 50


def test_a_learner_naming_herself_gets_her_own_quote(funded: Funded, client: Client) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)
    other = make_elder(funded)
    path = f"/api/v1/funding/quote?class_id={klass.public_id}&learner_id="

    own = client.get(f"{path}{elder.public_id}", headers=bearer(elder.user))
    someone_else = client.get(f"{path}{other.public_id}", headers=bearer(elder.user))

    assert own.status_code == 200 and own.json()["to_pay"] == "40.00"
    assert someone_else.status_code == 404


def test_a_providers_finance_officer_neither_reviews_flags_nor_pays(
    funded: Funded, client: Client
) -> None:
    klass = make_paid_class(funded.city)
    elder = make_elder(funded)
    services.place_commit(actor=elder.user, learner=elder, klass=klass, source="api-pay")
    settlement = services.class_deliver(
        actor=funded.city.a.school_admin,
        klass=klass,
        places=[PlaceDelivery("api-pay", elder.pk, 4, 4)],
    )
    assert settlement is not None
    school_finance = make_staff(
        actor=funded.city.root,
        organization=funded.city.a.school,
        role=StaffRoleKind.FINANCE_OFFICER,
    )
    headers = bearer(school_finance)

    listed = client.get("/api/v1/funding/settlements", headers=headers).json()
    paid = client.post(f"/api/v1/funding/settlements/{settlement.public_id}/pay", headers=headers)

    assert [s["id"] for s in listed["items"]] == [str(settlement.public_id)]
    assert paid.status_code == 404
    settlement.refresh_from_db()
    assert settlement.status == "payable"
