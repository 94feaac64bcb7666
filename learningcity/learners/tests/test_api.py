"""The residents API: staff only, scoped, never returns an ID number."""

import datetime as dt
from typing import Any

from django.test import Client

from learningcity.accounts.services import api_token_create
from learningcity.core import idnumber
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City

ID_NUMBER = idnumber.build("310104", dt.date(1958, 8, 8), 202)


def bearer(user: Any) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {api_token_create(actor=None, user=user, name='t').plaintext}"
    }


def payload(city: City, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "张桂英",
        "birth_date": "1958-08-08",
        "gender": "female",
        "residence_area_code": city.b.neighbourhood.code,
        "household": "non_local",
        "id_number": ID_NUMBER,
        "accessibility_needs": ["large_text"],
    }
    body.update(overrides)
    return body


def test_create_returns_201_with_masked_number_only(city: City, client: Client) -> None:
    response = client.post(
        "/api/v1/learners",
        payload(city),
        content_type="application/json",
        headers=bearer(city.b.officer),
    )

    assert response.status_code == 201
    body = response.json()
    assert body["id_number_masked"] == ID_NUMBER[:4] + "**********" + ID_NUMBER[-4:]
    assert ID_NUMBER not in response.content.decode()
    assert body["accessibility_needs"] == ["large_text"]


def test_retrying_a_create_never_duplicates(city: City, client: Client) -> None:
    headers = bearer(city.b.officer)
    first = client.post(
        "/api/v1/learners", payload(city), content_type="application/json", headers=headers
    )
    retry = client.post(
        "/api/v1/learners", payload(city), content_type="application/json", headers=headers
    )

    assert (first.status_code, retry.status_code) == (201, 409)
    assert retry.json()["code"] == "id_number_taken"
    assert Learner.objects.count() == 1


def test_bad_input_is_field_level_and_writes_nothing(city: City, client: Client) -> None:
    response = client.post(
        "/api/v1/learners",
        payload(city, id_number="310104195808080000", gender="x", birth_date="1958-13-01"),
        content_type="application/json",
        headers=bearer(city.b.officer),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"gender", "birth_date"}
    assert Learner.objects.count() == 0


def test_bad_checksum_is_reported_on_the_id_number_field(city: City, client: Client) -> None:
    wrong = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")

    response = client.post(
        "/api/v1/learners",
        payload(city, id_number=wrong),
        content_type="application/json",
        headers=bearer(city.b.officer),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "id_number": ["This ID number's check digit is wrong; please check each digit."]
    }


def test_create_in_another_district_is_forbidden(city: City, client: Client) -> None:
    response = client.post(
        "/api/v1/learners",
        payload(city),
        content_type="application/json",
        headers=bearer(city.a.officer),
    )

    assert response.status_code == 403
    assert Learner.objects.count() == 0


def test_list_shows_only_residents_in_scope(city: City, client: Client) -> None:
    in_a = make_learner(actor=city.root, area=city.a.neighbourhood, name="甲")
    make_learner(actor=city.root, area=city.b.neighbourhood, name="乙")

    response = client.get("/api/v1/learners", headers=bearer(city.a.officer))

    assert [item["id"] for item in response.json()["items"]] == [str(in_a.public_id)]


def test_municipal_viewer_lists_everyone(city: City, client: Client) -> None:
    make_learner(actor=city.root, area=city.a.neighbourhood)
    make_learner(actor=city.root, area=city.b.neighbourhood)

    response = client.get("/api/v1/learners", headers=bearer(city.municipal_officer))

    assert response.json()["count"] == 2


def test_provider_staff_see_no_residents(city: City, client: Client) -> None:
    make_learner(actor=city.root, area=city.a.neighbourhood)

    response = client.get("/api/v1/learners", headers=bearer(city.a.school_admin))

    assert response.json()["count"] == 0


def test_detail_of_another_districts_resident_is_404(city: City, client: Client) -> None:
    other = make_learner(actor=city.root, area=city.b.neighbourhood)

    response = client.get(f"/api/v1/learners/{other.public_id}", headers=bearer(city.a.officer))

    assert response.status_code == 404


def test_patch_of_another_districts_resident_is_404_and_changes_nothing(
    city: City, client: Client
) -> None:
    other = make_learner(actor=city.root, area=city.b.neighbourhood, name="原名")

    response = client.patch(
        f"/api/v1/learners/{other.public_id}",
        {"name": "新名"},
        content_type="application/json",
        headers=bearer(city.a.officer),
    )

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name == "原名"


def test_lookup_by_id_number_in_the_body(city: City, client: Client) -> None:
    learner = make_learner(
        actor=city.root,
        area=city.b.neighbourhood,
        birth_date=dt.date(1958, 8, 8),
        id_number=ID_NUMBER,
    )
    headers = bearer(city.b.officer)

    found = client.post(
        "/api/v1/learners/lookup",
        {"id_number": ID_NUMBER.lower()},
        content_type="application/json",
        headers=headers,
    )
    other = idnumber.build("310104", dt.date(1958, 8, 8), 204)
    missing = client.post(
        "/api/v1/learners/lookup",
        {"id_number": other},
        content_type="application/json",
        headers=headers,
    )
    out_of_scope = client.post(
        "/api/v1/learners/lookup",
        {"id_number": ID_NUMBER},
        content_type="application/json",
        headers=bearer(city.a.officer),
    )

    assert found.json()["id"] == str(learner.public_id)
    assert (missing.status_code, out_of_scope.status_code) == (404, 404)


def test_anonymous_gets_401(city: City, client: Client) -> None:
    assert client.get("/api/v1/learners").status_code == 401


def test_target_groups_endpoint(city: City, client: Client) -> None:
    learner = make_learner(
        actor=city.root, area=city.b.neighbourhood, birth_date=dt.date(1940, 1, 1)
    )

    response = client.get(
        f"/api/v1/learners/{learner.public_id}/target-groups", headers=bearer(city.b.town_officer)
    )

    assert [g["group"] for g in response.json()] == ["aged"]


def test_membership_claim_and_decision(city: City, client: Client) -> None:
    learner = make_learner(actor=city.root, area=city.b.neighbourhood)
    headers = bearer(city.b.officer)

    claim = client.post(
        f"/api/v1/learners/{learner.public_id}/memberships",
        {"group": "disabled", "valid_from": "2026-01-01", "evidence": "残疾人证"},
        content_type="application/json",
        headers=headers,
    )
    decision = client.post(
        f"/api/v1/memberships/{claim.json()['id']}/decision",
        {"approve": True},
        content_type="application/json",
        headers=headers,
    )

    assert claim.status_code == 201
    assert decision.json()["status"] == "verified"


def test_list_query_count_is_bounded(
    city: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        make_learner(actor=city.root, area=city.a.neighbourhood)
    headers = bearer(city.municipal_officer)

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/learners", headers=headers)

    assert response.json()["count"] == 5


def test_retry_with_the_same_idempotency_key_returns_the_first_result(
    city: City, client: Client
) -> None:
    headers = {**bearer(city.b.officer), "Idempotency-Key": "town-import-2026-11-28-0001"}
    body = payload(city, id_number=None)

    first = client.post("/api/v1/learners", body, content_type="application/json", headers=headers)
    retry = client.post("/api/v1/learners", body, content_type="application/json", headers=headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert first.json()["id"] == retry.json()["id"]
    assert Learner.objects.count() == 1


def test_reusing_an_idempotency_key_for_another_request_is_refused(
    city: City, client: Client
) -> None:
    headers = {**bearer(city.b.officer), "Idempotency-Key": "k-1"}
    client.post(
        "/api/v1/learners",
        payload(city, id_number=None),
        content_type="application/json",
        headers=headers,
    )

    response = client.post(
        "/api/v1/learners",
        payload(city, id_number=None, name="别人"),
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Learner.objects.count() == 1


def test_a_birth_date_before_1900_is_refused_on_its_field(city: City, client: Client) -> None:
    response = client.post(
        "/api/v1/learners",
        payload(city, id_number=None, birth_date="0001-01-01"),
        content_type="application/json",
        headers=bearer(city.b.officer),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"birth_date": ["The date of birth cannot be before 1900."]}
    assert Learner.objects.count() == 0
