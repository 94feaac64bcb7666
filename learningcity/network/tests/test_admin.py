"""The staff admin shows and changes only the viewer's subtree."""

from django.test import Client

from learningcity.network.models import LearningSite, Organization
from learningcity.network.tests.factories import City


def login(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_district_officer_admin_lists_only_own_organizations(city: City, client: Client) -> None:
    response = login(client, city.b.officer).get("/admin/network/organization/")

    assert response.status_code == 200
    listed = {o.code for o in response.context["cl"].result_list}
    assert listed == {"310104-OFFICE", "310104-TOWN", "310104-CC", "310104-CS"}


def test_another_districts_organization_cannot_be_opened(city: City, client: Client) -> None:
    org = Organization.objects.get(code="310101-CS")

    response = login(client, city.b.officer).get(f"/admin/network/organization/{org.pk}/change/")

    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert response["Location"] == "/admin/"


def test_another_districts_site_cannot_be_changed_by_post(city: City, client: Client) -> None:
    site = city.a.site
    response = login(client, city.b.officer).post(
        f"/admin/network/learningsite/{site.pk}/change/",
        {"name_zh": "被改了", "address_zh": "x", "rooms": 1, "capacity": 0},
    )

    assert response.status_code == 302
    site.refresh_from_db()
    assert site.name_zh != "被改了"


def test_officer_changes_own_site_through_the_service(city: City, client: Client) -> None:
    site = city.b.site
    form = {
        "name_zh": "新名字",
        "name_en": site.name_en,
        "address_zh": site.address_zh,
        "address_en": site.address_en,
        "latitude": "",
        "longitude": "",
        "rooms": 3,
        "capacity": 55,
        "step_free": "on",
        "is_active": "on",
    }

    response = login(client, city.b.officer).post(
        f"/admin/network/learningsite/{site.pk}/change/", form
    )

    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name_zh, site.capacity, site.rooms) == ("新名字", 55, 3)
    from learningcity.core.models import AuditEntry

    assert AuditEntry.objects.get(action="site.update").actor == city.b.officer


def test_viewer_role_sees_but_cannot_change(city: City, client: Client) -> None:
    site = city.a.site
    login(client, city.municipal_officer)

    listing = client.get("/admin/network/learningsite/")
    change = client.post(
        f"/admin/network/learningsite/{site.pk}/change/",
        {"name_zh": "改", "address_zh": "x", "rooms": 1, "capacity": 1},
    )

    assert {s.pk for s in listing.context["cl"].result_list} == set(
        LearningSite.objects.values_list("pk", flat=True)
    )
    assert change.status_code == 403
    site.refresh_from_db()
    assert site.name_zh != "改"


def test_audit_log_and_users_are_hidden_from_scoped_staff(city: City, client: Client) -> None:
    login(client, city.a.officer)

    assert client.get("/admin/core/auditentry/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403


def test_non_staff_resident_cannot_enter_admin(city: City, client: Client) -> None:
    from learningcity.network.tests.factories import make_user

    response = login(client, make_user()).get("/admin/network/organization/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
