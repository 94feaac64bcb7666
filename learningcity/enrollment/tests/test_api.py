"""The enrollment API: residents act for themselves, staff within their scope."""

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from learningcity.accounts.models import ApiToken, User
from learningcity.accounts.services import api_token_create, api_token_revoke
from learningcity.catalog.choices import ClassStatus, Rationing
from learningcity.core import clock
from learningcity.enrollment import services
from learningcity.enrollment.choices import ApplicationStatus as S
from learningcity.enrollment.models import Application
from learningcity.enrollment.tests.factories import (
    close_window,
    make_class,
    make_resident,
    make_term,
)
from learningcity.network.tests.factories import City


def bearer(user: Any) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {api_token_create(actor=None, user=user, name='t').plaintext}"
    }


def post(
    client: Client, path: str, body: dict[str, Any] | None = None, *, auth: dict[str, str]
) -> Any:
    return client.post(path, body or {}, content_type="application/json", headers=auth)


def test_a_resident_applies_and_a_retry_returns_the_same(city: City, client: Client) -> None:
    klass = make_class(city, make_term(city))
    resident = make_resident(city)
    headers = {**bearer(resident.user), "Idempotency-Key": "k1"}

    first = post(client, "/api/v1/applications", {"class_id": str(klass.public_id)}, auth=headers)
    retry = post(client, "/api/v1/applications", {"class_id": str(klass.public_id)}, auth=headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert first.json()["id"] == retry.json()["id"]
    assert first.json()["status"] == "applied"
    assert Application.objects.count() == 1


@pytest.mark.parametrize("rationing", [Rationing.LOTTERY, Rationing.FIRST_COME])
def test_the_answer_to_an_application_is_what_the_schema_renders(
    city: City, client: Client, rationing: str
) -> None:
    # Given a class of either kind (a first-come seat is decided at once: a time to render)
    klass = make_class(city, make_term(city), rationing=rationing)
    resident = make_resident(city)
    headers = {**bearer(resident.user), "Idempotency-Key": "k1"}

    # When she applies, and her app sends it again
    first = post(client, "/api/v1/applications", {"class_id": str(klass.public_id)}, auth=headers)
    retry = post(client, "/api/v1/applications", {"class_id": str(klass.public_id)}, auth=headers)

    # Then both answers are the application as the schema renders it, byte for byte
    mine = client.get("/api/v1/applications", headers=headers).json()["items"]
    assert [mine[0]["id"]] == [first.json()["id"]]
    assert (first.status_code, retry.status_code) == (201, 201)
    assert first["Content-Type"] == retry["Content-Type"] == "application/json; charset=utf-8"
    assert first.content == retry.content == json.dumps(mine[0]).encode()
    assert (first.json()["decided_at"] is None) == (rationing == Rationing.LOTTERY)


@pytest.mark.parametrize("case", ["revoked", "expired", "deactivated", "live"])
def test_only_a_live_token_of_an_active_resident_applies(
    city: City, client: Client, case: str
) -> None:
    # Given an open lottery class, whose applications take the one-statement path
    klass = make_class(city, make_term(city))
    services.draw_commit(term=klass.term)
    resident = make_resident(city)
    assert resident.user is not None
    issued = api_token_create(actor=None, user=resident.user, name="app")
    if case == "revoked":
        api_token_revoke(actor=None, token=issued.token)
    elif case == "expired":
        ApiToken.objects.filter(pk=issued.token.pk).update(
            expires_at=clock.now() - dt.timedelta(seconds=1)
        )
    elif case == "deactivated":
        User.objects.filter(pk=resident.user.pk).update(is_active=False)

    response = post(
        client,
        "/api/v1/applications",
        {"class_id": str(klass.public_id)},
        auth={"Authorization": f"Bearer {issued.plaintext}"},
    )

    assert response.status_code == (201 if case == "live" else 401)
    assert Application.objects.filter(learner=resident).count() == (case == "live")


def test_applying_to_a_draft_finds_no_class(city: City, client: Client) -> None:
    klass = make_class(city, make_term(city), status=ClassStatus.DRAFT)
    resident = make_resident(city)

    response = post(
        client,
        "/api/v1/applications",
        {"class_id": str(klass.public_id)},
        auth=bearer(resident.user),
    )

    assert response.status_code == 404
    assert not Application.objects.exists()


def test_a_login_without_a_learner_must_name_one(city: City, client: Client) -> None:
    klass = make_class(city, make_term(city))

    response = post(
        client,
        "/api/v1/applications",
        {"class_id": str(klass.public_id)},
        auth=bearer(city.b.school_admin),
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["learner_id"]


def test_staff_apply_on_behalf_only_in_scope(city: City, client: Client) -> None:
    klass = make_class(city, make_term(city))
    resident = make_resident(city, district="a")
    body = {"class_id": str(klass.public_id), "learner_id": str(resident.public_id)}

    refused = post(client, "/api/v1/applications", body, auth=bearer(city.b.officer))
    accepted = post(client, "/api/v1/applications", body, auth=bearer(city.a.town_officer))

    assert (refused.status_code, accepted.status_code) == (404, 201)
    assert Application.objects.count() == 1


def test_unknown_class_is_404(city: City, client: Client) -> None:
    resident = make_resident(city)

    response = post(
        client,
        "/api/v1/applications",
        {"class_id": "00000000-0000-0000-0000-000000000000"},
        auth=bearer(resident.user),
    )

    assert response.status_code == 404


def test_my_applications_lists_only_mine(city: City, client: Client) -> None:
    klass = make_class(city, make_term(city))
    me, other = make_resident(city), make_resident(city)
    services.application_submit(actor=me.user, learner=me, klass=klass)
    services.application_submit(actor=other.user, learner=other, klass=klass)

    response = client.get("/api/v1/applications", headers=bearer(me.user))

    assert response.json()["count"] == 1


def test_someone_elses_application_is_404(city: City, client: Client) -> None:
    klass = make_class(city, make_term(city))
    me, other = make_resident(city), make_resident(city)
    mine = services.application_submit(actor=me.user, learner=me, klass=klass)

    assert (
        client.get(f"/api/v1/applications/{mine.public_id}", headers=bearer(other.user)).status_code
        == 404
    )
    assert (
        post(
            client, f"/api/v1/applications/{mine.public_id}/withdraw", auth=bearer(other.user)
        ).status_code
        == 404
    )
    assert Application.objects.get(pk=mine.pk).status == S.APPLIED


def test_draw_accept_and_explanation(city: City, client: Client) -> None:
    term = make_term(city)
    klass = make_class(city, term, capacity=1)
    me = make_resident(city)
    mine = services.application_submit(actor=me.user, learner=me, klass=klass)
    close_window(klass)

    refused = post(client, f"/api/v1/terms/{term.code}/draw", auth=bearer(city.a.officer))
    drawn = post(client, f"/api/v1/terms/{term.code}/draw", auth=bearer(city.root))
    accepted = post(client, f"/api/v1/applications/{mine.public_id}/accept", auth=bearer(me.user))
    detail = client.get(f"/api/v1/applications/{mine.public_id}", headers=bearer(me.user))

    assert (refused.status_code, drawn.status_code) == (403, 200)
    assert drawn.json()["offered"] == 1
    assert accepted.json()["status"] == "accepted"
    explanation = detail.json()["explanation"]
    assert (explanation["round"], explanation["reason"], explanation["seats"]) == (1, "general", 1)
    assert explanation["seed"] is not None


def test_published_draw_hides_the_seed_until_drawn(city: City, client: Client) -> None:
    term = make_term(city)
    klass = make_class(city, term)
    me = make_resident(city)
    services.application_submit(actor=me.user, learner=me, klass=klass)

    before = client.get(f"/api/v1/draws/{term.code}").json()

    assert before["seed"] is None
    assert len(before["commitment"]) == 64
    assert "name" not in str(before)


def test_applicants_are_listed_only_to_the_classs_provider(city: City, client: Client) -> None:
    klass = make_class(city, make_term(city))
    me = make_resident(city)
    services.application_submit(actor=me.user, learner=me, klass=klass)
    path = f"/api/v1/classes/{klass.public_id}/applicants"

    own = client.get(path, headers=bearer(city.a.school_admin))
    other = client.get(path, headers=bearer(city.b.school_admin))

    assert own.json()["count"] == 1
    assert other.status_code == 404


def test_roll_call_through_the_api(city: City, client: Client) -> None:
    klass = make_class(city, make_term(city), rationing=Rationing.FIRST_COME)
    me = make_resident(city)
    mine = services.application_submit(actor=me.user, learner=me, klass=klass)
    staff = bearer(city.a.school_admin)

    sessions = post(client, f"/api/v1/classes/{klass.public_id}/sessions", auth=staff).json()
    other = post(
        client,
        f"/api/v1/sessions/{sessions[0]['id']}/attendance",
        {"marks": [{"application_id": str(mine.public_id), "present": True}]},
        auth=bearer(city.b.school_admin),
    )
    roll = post(
        client,
        f"/api/v1/sessions/{sessions[0]['id']}/attendance",
        {"marks": [{"application_id": str(mine.public_id), "present": True}]},
        auth=staff,
    )
    done = post(client, f"/api/v1/classes/{klass.public_id}/complete", auth=staff)

    assert len(sessions) == 4
    assert other.status_code == 404
    assert roll.json() == {"recorded": 1}
    assert done.json()[0]["completed"] is True


def test_another_providers_session_is_not_found_whatever_the_marks(
    city: City, client: Client
) -> None:
    klass = make_class(city, make_term(city))
    session = services.sessions_schedule(actor=city.root, klass=klass)[0]
    stranger = make_resident(city)

    response = post(
        client,
        f"/api/v1/sessions/{session.pk}/attendance",
        {"marks": [{"application_id": str(stranger.public_id), "present": True}]},
        auth=bearer(city.b.school_admin),
    )

    assert response.status_code == 404
    assert "marks" not in response.json().get("fields", {})


def test_my_applications_query_count_is_bounded(
    city: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    term = make_term(city)
    me = make_resident(city)
    for rank in range(1, 5):
        services.application_submit(
            actor=me.user, learner=me, klass=make_class(city, term), rank=rank
        )
    headers = bearer(me.user)

    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/applications", headers=headers)

    assert response.json()["count"] == 4
