"""The network's JSON API: public directory reads, scoped writes, the error shape."""

from typing import Any

import pytest
from django.test import Client

from learningcity.accounts.services import api_token_create
from learningcity.core.models import AuditEntry
from learningcity.network.models import LearningSite, Organization
from learningcity.network.tests.factories import City


def bearer(user: Any) -> dict[str, str]:
    token = api_token_create(actor=None, user=user, name="test").plaintext
    return {"Authorization": f"Bearer {token}"}


def test_areas_level_district_lists_the_districts(city: City, client: Client) -> None:
    response = client.get("/api/v1/areas?level=district")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(a["code"], a["name_en"], a["parent_code"]) for a in body["items"]] == [
        ("310101", "Huangpu", "310000"),
        ("310104", "Xuhui", "310000"),
    ]


def test_areas_filter_by_parent(city: City, client: Client) -> None:
    response = client.get("/api/v1/areas?parent=310104")

    assert [a["code"] for a in response.json()["items"]] == ["310104001"]


def test_areas_bad_level_is_a_field_error(city: City, client: Client) -> None:
    response = client.get("/api/v1/areas?level=galaxy")

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["level"]


def test_unknown_area_is_404_with_error_shape(city: City, client: Client) -> None:
    response = client.get("/api/v1/areas/999999")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_organizations_filter_by_system_and_area(city: City, client: Client) -> None:
    response = client.get("/api/v1/organizations?system=community&area=310104")

    assert [o["code"] for o in response.json()["items"]] == ["310104-CC", "310104-CS"]
    assert response.json()["items"][1]["parent_code"] == "310104-CC"


def test_organizations_filter_by_kind_and_parent(city: City, client: Client) -> None:
    by_kind = client.get("/api/v1/organizations?kind=district_office").json()
    by_parent = client.get("/api/v1/organizations?parent=310101-OFFICE").json()

    assert [o["code"] for o in by_kind["items"]] == ["310101-OFFICE", "310104-OFFICE"]
    assert [o["code"] for o in by_parent["items"]] == ["310101-TOWN"]


def test_closed_organizations_leave_the_public_directory(city: City, client: Client) -> None:
    Organization.objects.filter(code="310104-CS").update(status="closed")

    codes = [o["code"] for o in client.get("/api/v1/organizations?area=310104").json()["items"]]

    assert "310104-CS" not in codes
    assert client.get("/api/v1/organizations/310104-CS").status_code == 404


def test_mine_lists_only_the_callers_subtree(city: City, client: Client) -> None:
    response = client.get("/api/v1/organizations?mine=true", headers=bearer(city.b.officer))

    assert {o["code"] for o in response.json()["items"]} == {
        "310104-OFFICE",
        "310104-TOWN",
        "310104-CC",
        "310104-CS",
    }


def test_mine_for_anonymous_is_empty(city: City, client: Client) -> None:
    assert client.get("/api/v1/organizations?mine=true").json()["count"] == 0
    assert client.get("/api/v1/sites?mine=true").json()["count"] == 0


def test_sites_filter_by_accessibility_and_area(city: City, client: Client) -> None:
    LearningSite.objects.filter(pk=city.b.site.pk).update(step_free=False)

    response = client.get("/api/v1/sites?step_free=true")

    assert [s["id"] for s in response.json()["items"]] == [str(city.a.site.public_id)]


def test_site_detail(city: City, client: Client) -> None:
    response = client.get(f"/api/v1/sites/{city.a.site.public_id}")

    assert response.status_code == 200
    assert response.json()["organization_code"] == "310101-CS"
    assert response.json()["area_code"] == "310101001001"


def test_officer_patches_a_site_in_their_district(city: City, client: Client) -> None:
    response = client.patch(
        f"/api/v1/sites/{city.a.site.public_id}",
        {"capacity": 60, "hearing_loop": True},
        content_type="application/json",
        headers=bearer(city.a.officer),
    )

    assert response.status_code == 200
    city.a.site.refresh_from_db()
    assert (city.a.site.capacity, city.a.site.hearing_loop) == (60, True)
    entry = AuditEntry.objects.get(action="site.update")
    assert entry.actor == city.a.officer
    assert entry.data == {"fields": ["capacity", "hearing_loop"]}


def test_officer_of_another_district_cannot_patch_a_site(city: City, client: Client) -> None:
    response = client.patch(
        f"/api/v1/sites/{city.a.site.public_id}",
        {"capacity": 1},
        content_type="application/json",
        headers=bearer(city.b.officer),
    )

    assert response.status_code == 404
    city.a.site.refresh_from_db()
    assert city.a.site.capacity == 40
    assert not AuditEntry.objects.filter(action="site.update").exists()


def test_viewer_cannot_patch_anything(city: City, client: Client) -> None:
    response = client.patch(
        "/api/v1/organizations/310101-CS",
        {"phone": "021-1"},
        content_type="application/json",
        headers=bearer(city.municipal_officer),
    )

    assert response.status_code == 404


def test_negative_capacity_is_a_field_error_and_changes_nothing(city: City, client: Client) -> None:
    response = client.patch(
        f"/api/v1/sites/{city.a.site.public_id}",
        {"capacity": -5},
        content_type="application/json",
        headers=bearer(city.a.officer),
    )

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["capacity"]
    city.a.site.refresh_from_db()
    assert city.a.site.capacity == 40


def test_field_errors_come_in_the_users_language(city: City, client: Client) -> None:
    response = client.patch(
        f"/api/v1/sites/{city.a.site.public_id}",
        {"capacity": "many"},
        content_type="application/json",
        headers=bearer(city.a.officer),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    [message] = response.json()["fields"]["capacity"]
    assert "整数" in message


def test_school_admin_patches_own_organization(city: City, client: Client) -> None:
    response = client.patch(
        "/api/v1/organizations/310101-CS",
        {"phone": "021-6000 0000"},
        content_type="application/json",
        headers=bearer(city.a.school_admin),
    )

    assert response.status_code == 200
    assert Organization.objects.get(code="310101-CS").phone == "021-6000 0000"


def test_school_admin_cannot_patch_its_parent_college(city: City, client: Client) -> None:
    response = client.patch(
        "/api/v1/organizations/310101-CC",
        {"phone": "1"},
        content_type="application/json",
        headers=bearer(city.a.school_admin),
    )

    assert response.status_code == 404


def test_writes_need_authentication(city: City, client: Client) -> None:
    response = client.patch(
        "/api/v1/organizations/310101-CS", {"phone": "1"}, content_type="application/json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_staff_roles_are_listed_for_managers_only_in_scope(city: City, client: Client) -> None:
    response = client.get("/api/v1/staff-roles", headers=bearer(city.b.officer))

    assert {(r["username"], r["organization_code"]) for r in response.json()["items"]} == {
        ("officer-310104", "310104-OFFICE"),
        ("town-310104", "310104-TOWN"),
        ("school-310104", "310104-CS"),
    }


@pytest.mark.parametrize("path", ["/api/v1/areas", "/api/v1/organizations", "/api/v1/sites"])
def test_list_endpoints_run_a_bounded_number_of_queries(
    city: City, client: Client, django_assert_max_num_queries: Any, path: str
) -> None:
    with django_assert_max_num_queries(3):
        assert client.get(path).status_code == 200


def test_openapi_document_is_served(client: Client) -> None:
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    assert "/api/v1/areas" in response.json()["paths"]
    assert client.get("/api/docs").status_code == 200


def test_out_of_range_coordinates_name_the_limit(city: City, client: Client) -> None:
    response = client.patch(
        f"/api/v1/sites/{city.a.site.public_id}",
        {"latitude": "91"},
        content_type="application/json",
        headers=bearer(city.a.officer),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {"latitude": ["Ensure this value is at most 90."]}


def test_malformed_json_body_is_a_clear_error(city: City, client: Client) -> None:
    response = client.patch(
        f"/api/v1/sites/{city.a.site.public_id}",
        "{not json",
        content_type="application/json",
        headers=bearer(city.a.officer),
    )

    assert response.status_code in (400, 422)
    assert set(response.json()) == {"code", "message", "fields"}


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.org", "example"]
)
def test_an_organization_website_must_be_a_web_address(
    city: City, client: Client, website: str
) -> None:
    response = client.patch(
        "/api/v1/organizations/310101-CS",
        {"website": website},
        content_type="application/json",
        headers=bearer(city.a.school_admin),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "website": ["Enter a web address that starts with http:// or https://."]
    }
    assert Organization.objects.get(code="310101-CS").website == ""


def test_an_organization_website_may_be_https(city: City, client: Client) -> None:
    response = client.patch(
        "/api/v1/organizations/310101-CS",
        {"website": "https://school.example.org/"},
        content_type="application/json",
        headers=bearer(city.a.school_admin),
    )

    assert response.status_code == 200
    assert Organization.objects.get(code="310101-CS").website == "https://school.example.org/"
