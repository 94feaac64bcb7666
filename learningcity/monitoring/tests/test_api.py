"""The monitoring API: public definitions and open data; staff figures in scope; the
blueprint's progress; population figures and the refresh for the municipal office only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from learningcity.accounts.models import User
from learningcity.creditbank.tests.factories import make_bank, submit
from learningcity.learners.models import Learner
from learningcity.monitoring import services
from learningcity.monitoring.models import Population
from learningcity.monitoring.tests.factories import make_blueprint, resident, set_population
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db

API = "/api/v1/monitoring"


@pytest.fixture
def refreshed(city: City) -> City:
    set_population(city)
    make_blueprint(city)
    bank = make_bank(city)
    for age in range(30, 42):  # twelve learners in A: enough to publish
        submit(bank, resident(city, age=age, district="a"))
    submit(bank, resident(city, age=70, district="b"))
    services.refresh(actor=city.root)
    return city


def get(client: Client, path: str, user: User | None = None, **params: Any) -> Any:
    if user is not None:
        client.force_login(user)
    return client.get(f"{API}{path}", params, HTTP_ACCEPT_LANGUAGE="en")


def test_indicator_definitions_are_public(client: Client, city: City) -> None:
    response = get(client, "/indicators")

    assert response.status_code == 200
    codes = [i["code"] for i in response.json()]
    assert codes[0] == "participation_rate"
    assert "learning_teams_per_10000" in codes


def test_open_data_is_public_and_privacy_safe(
    refreshed: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(4):
        response = get(client, "/open-data", indicator="participation_rate", dimension="all")

    assert response.status_code == 200
    items = {
        (i["area_code"], i["period"]): i
        for i in response.json()["items"]
        if i["period"] == max(j["period"] for j in response.json()["items"])
    }
    a = items[(refreshed.a.area.code, max(p for _c, p in items))]
    assert (a["numerator"], a["value"], a["suppressed"]) == ("10", "3.0", False)
    b = items[(refreshed.b.area.code, max(p for _c, p in items))]
    assert (b["numerator"], b["value"], b["suppressed"]) == (None, None, True)
    assert refreshed.a.town.code not in {i["area_code"] for i in response.json()["items"]}


def test_staff_figures_need_a_login_and_an_office(refreshed: City, client: Client) -> None:
    assert get(client, "/figures").status_code == 401
    response = get(client, "/figures", refreshed.a.school_admin)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_district_office_gets_only_its_areas_and_the_city(
    refreshed: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    client.force_login(refreshed.a.officer)
    with django_assert_max_num_queries(8):
        response = get(client, "/figures", limit=500)

    codes = {i["area_code"] for i in response.json()["items"]}
    assert codes == {refreshed.city.code, refreshed.a.area.code, refreshed.a.town.code}
    # unrounded, unsuppressed: staff see the real figures of their areas
    assert get(client, "/figures", area=refreshed.b.area.code).status_code == 404


def test_blueprint_progress_for_staff(refreshed: City, client: Client) -> None:
    plan = make_blueprint(refreshed)

    response = get(client, f"/blueprints/{plan.code}", refreshed.municipal_officer)

    assert response.status_code == 200
    body = response.json()
    assert body["area_code"] == refreshed.city.code
    assert [p["light"] for p in body["objectives"][0]["progress"]] == ["grey", "red", "pending"]
    assert get(client, "/blueprints/nope").status_code == 404


def test_only_the_municipal_office_sets_population_figures(city: City, client: Client) -> None:
    payload = {"area": city.a.area.code, "year": 2026, "count": 812000}

    client.force_login(city.a.officer)
    refused = client.put(f"{API}/population", payload, content_type="application/json")
    client.force_login(city.root)
    for _retry in range(2):
        done = client.put(f"{API}/population", payload, content_type="application/json")

    assert refused.status_code == 403
    assert done.status_code == 200
    assert done.json() == {
        "area": city.a.area.code,
        "year": 2026,
        "dimension": "all",
        "group": "",
        "count": 812000,
    }
    assert Population.objects.count() == 1


def test_an_unknown_area_is_a_field_error(city: City, client: Client) -> None:
    client.force_login(city.root)

    response = client.put(
        f"{API}/population",
        {"area": "000000", "year": 2026, "count": 1},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 404
    assert response.json()["fields"] == {"area": ["No such area."]}


def test_only_the_municipal_office_refreshes(city: City, client: Client) -> None:
    set_population(city)
    client.force_login(city.a.officer)
    assert client.post(f"{API}/refresh").status_code == 403

    client.force_login(city.root)
    response = client.post(f"{API}/refresh")

    assert response.status_code == 202
    assert response.json() == {"queued": True}
    assert Learner.objects.count() == 0


def test_the_municipal_office_changes_a_target_and_others_may_not(
    city: City, client: Client
) -> None:
    plan = make_blueprint(city)
    url = f"{API}/blueprints/{plan.code}/targets"
    payload = {"objective": 1, "indicator": "participation_rate", "year": 2029, "value": "48.5"}

    client.force_login(city.a.officer)
    refused = client.put(url, payload, content_type="application/json")
    client.force_login(city.root)
    done = client.put(url, payload, content_type="application/json")
    missing = client.put(url, {**payload, "objective": 9}, content_type="application/json")

    assert refused.status_code == 403
    assert done.status_code == 200
    assert done.json() == {
        "objective": 1,
        "indicator": "participation_rate",
        "year": 2029,
        "value": "48.5",
    }
    assert missing.status_code == 404
