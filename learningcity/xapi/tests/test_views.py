"""The provider's pages: who may see and change a provider's credentials and activities."""

from __future__ import annotations

from django.test import Client
from django.utils import translation

from learningcity.network.tests.factories import City
from learningcity.xapi.models import ActivityRegistration, Credential
from learningcity.xapi.tests.factories import issue, register


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_school_admin_issues_credentials_and_sees_the_secret_once(city: City) -> None:
    client = _client(city.a.school_admin)
    with translation.override("en"):
        response = client.post(
            f"/xapi/manage/{city.a.school.code}/credentials",
            {"name": "Moodle"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    credential = Credential.objects.get(provider=city.a.school)
    assert credential.key in response.content.decode()
    page = client.get(f"/xapi/manage/{city.a.school.code}/")
    assert credential.key in page.content.decode()
    assert credential.secret_digest not in page.content.decode()


def test_revoking_from_the_page(city: City) -> None:
    issued = issue(city, city.a.school)
    client = _client(city.a.school_admin)
    response = client.post(
        f"/xapi/manage/{city.a.school.code}/credentials/{issued.credential.public_id}/revoke"
    )
    assert response.status_code == 302
    issued.credential.refresh_from_db()
    assert issued.credential.revoked_at is not None


def test_registering_an_activity_and_a_bad_iri(city: City) -> None:
    client = _client(city.a.school_admin)
    url = f"/xapi/manage/{city.a.school.code}/activities"
    data = {"title": "Phone", "category": "digital", "hours": "2", "course_code": ""}
    bad = client.post(url, {**data, "activity_id": "not an iri"})
    assert bad.status_code == 400
    good = client.post(url, {**data, "activity_id": "https://lms.example.org/phone"})
    assert good.status_code == 302
    assert ActivityRegistration.objects.filter(provider=city.a.school).count() == 1


def test_another_districts_staff_see_nothing(city: City) -> None:
    issue(city, city.a.school)
    register(city, "https://lms.example.org/a", provider=city.a.school)
    outsider = _client(city.b.school_admin)
    assert outsider.get(f"/xapi/manage/{city.a.school.code}/").status_code == 404
    credential = Credential.objects.get(provider=city.a.school)
    revoke = f"/xapi/manage/{city.a.school.code}/credentials/{credential.public_id}/revoke"
    assert outsider.post(revoke).status_code == 404
    assert (
        outsider.post(
            f"/xapi/manage/{city.b.school.code}/credentials/{credential.public_id}/revoke"
        ).status_code
        == 404
    )
    credential.refresh_from_db()
    assert credential.revoked_at is None


def test_a_viewer_cannot_manage_and_anonymous_is_sent_to_log_in(city: City) -> None:
    viewer = _client(city.municipal_officer)  # a VIEWER role: may not change
    assert viewer.get(f"/xapi/manage/{city.a.school.code}/").status_code == 404
    anonymous = Client().get(f"/xapi/manage/{city.a.school.code}/")
    assert anonymous.status_code == 302


def test_the_provider_list_leads_a_single_provider_straight_to_its_page(city: City) -> None:
    response = _client(city.a.school_admin).get("/xapi/manage/")
    assert response.status_code == 302
    assert response["Location"] == f"/xapi/manage/{city.a.school.code}/"


def test_an_id_is_only_taken_on_its_own_providers_page(city: City) -> None:
    # The municipal office may change both schools, but a credential or an activity of school
    # A named on school B's page is no credential or activity of that page.
    issued = issue(city, city.a.school)
    registration = register(city, "https://lms.example.org/a", provider=city.a.school)
    client = _client(city.root)
    page_b = f"/xapi/manage/{city.b.school.code}"
    revoke = f"{page_b}/credentials/{issued.credential.public_id}/revoke"
    assert client.post(revoke).status_code == 404
    assert client.post(f"{page_b}/activities/{registration.public_id}/delete").status_code == 404
    issued.credential.refresh_from_db()
    assert issued.credential.revoked_at is None
    assert ActivityRegistration.objects.filter(pk=registration.pk).exists()


def test_the_provider_list_refuses_someone_who_manages_no_provider(city: City) -> None:
    response = _client(city.municipal_officer).get("/xapi/manage/")  # a viewer: changes nothing
    assert response.status_code == 403
    assert _client(city.a.officer).get("/xapi/manage/").status_code == 200
