"""The events API: the public calendar, residents' registrations and tickets, organizers'
lists, exports and check-in — each within its scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import translation

from learningcity.accounts.services import api_token_create
from learningcity.core import clock
from learningcity.events import services
from learningcity.events.choices import RegistrationStatus as S
from learningcity.events.models import Event, Registration
from learningcity.events.tests.factories import (
    make_edition,
    make_event,
    make_resident,
    register,
)
from learningcity.network.tests.factories import City


def bearer(user: Any) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {api_token_create(actor=None, user=user, name='t').plaintext}"
    }


def post(client: Client, path: str, body: Any = None, **headers: str) -> Any:
    return client.post(path, body or {}, content_type="application/json", headers=headers)


def test_an_editions_events_are_listed_each_with_its_district(
    city: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    edition = make_edition(city)
    in_a = make_event(city, district="a", edition=edition)
    in_b = make_event(city, district="b", edition=edition, starts_in=dt.timedelta(days=3))
    make_event(city, district="a")  # not in the week
    for _ in range(5):
        make_event(city, district="b", edition=edition, starts_in=dt.timedelta(days=4))

    with django_assert_max_num_queries(2):
        response = client.get(f"/api/v1/events?edition={edition.year}&limit=2")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 7
    assert [e["id"] for e in body["items"]] == [str(in_a.public_id), str(in_b.public_id)]
    assert body["items"][0]["district"] == {
        "code": "310101",
        "name_zh": "黄浦区",
        "name_en": "Huangpu",
    }
    assert body["items"][1]["district"]["code"] == "310104"
    assert body["items"][0]["edition"] == edition.year
    assert body["items"][0]["places_left"] == 2


def test_the_calendar_filters_by_district_and_search(city: City, client: Client) -> None:
    make_event(city, district="a", title_zh="读书节", title_en="Reading festival")
    walk = make_event(city, district="b", title_zh="城市行走", title_en="City walk")

    by_district = client.get("/api/v1/events?district=310104").json()
    by_words = client.get("/api/v1/events?q=walk").json()

    assert [e["id"] for e in by_district["items"]] == [str(walk.public_id)]
    assert [e["id"] for e in by_words["items"]] == [str(walk.public_id)]


def test_a_bad_calendar_filter_is_a_field_error(city: City, client: Client) -> None:
    response = client.get("/api/v1/events?on=yesterday", headers={"Accept-Language": "en"})

    assert response.status_code == 422
    assert response.json()["fields"] == {"on": ["Enter a valid date (YYYY-MM-DD)."]}


def test_a_resident_registers_and_a_retry_returns_the_same(city: City, client: Client) -> None:
    event = make_event(city)
    resident = make_resident(city)
    headers = {**bearer(resident.user), "Idempotency-Key": "k1"}
    path = f"/api/v1/events/{event.public_id}/registrations"

    first = post(client, path, **headers)
    retry = post(client, path, **headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert first.json()["id"] == retry.json()["id"]
    assert first.json()["status"] == "registered"
    assert Registration.objects.count() == 1


def test_registering_twice_without_a_key_is_a_409(city: City, client: Client) -> None:
    event = make_event(city)
    resident = make_resident(city)
    path = f"/api/v1/events/{event.public_id}/registrations"
    post(client, path, **bearer(resident.user))

    with translation.override("en"):
        again = post(client, path, **bearer(resident.user), **{"Accept-Language": "en"})

    assert again.status_code == 409
    assert again.json()["code"] == "already_registered"


def test_a_staff_login_must_name_the_resident_in_scope(city: City, client: Client) -> None:
    event = make_event(city)
    resident = make_resident(city, district="a")
    path = f"/api/v1/events/{event.public_id}/registrations"
    body = {"learner_id": str(resident.public_id)}

    unnamed = post(client, path, **bearer(city.a.town_officer))
    refused = post(client, path, body, **bearer(city.b.officer))
    accepted = post(client, path, body, **bearer(city.a.town_officer))

    assert (unnamed.status_code, refused.status_code, accepted.status_code) == (400, 404, 201)


def test_my_tickets_are_mine_only(
    city: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    resident, neighbour = make_resident(city), make_resident(city)
    mine = [register(resident, make_event(city)) for _ in range(3)]
    register(neighbour, make_event(city))
    headers = bearer(resident.user)

    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/events/tickets", headers=headers)

    assert [t["id"] for t in response.json()["items"]] == [str(r.public_id) for r in mine]


def test_a_ticket_holds_its_signed_token_for_its_owner_only(city: City, client: Client) -> None:
    resident, other = make_resident(city), make_resident(city)
    registration = register(resident, make_event(city))
    path = f"/api/v1/events/tickets/{registration.public_id}"

    own = client.get(path, headers=bearer(resident.user))
    someone_else = client.get(path, headers=bearer(other.user))
    other_district = client.get(path, headers=bearer(city.b.officer))
    organizer = client.get(path, headers=bearer(city.a.school_admin))

    assert own.status_code == 200
    assert own.json()["token"] == services.ticket_token(registration)
    assert (someone_else.status_code, other_district.status_code) == (404, 404)
    assert organizer.status_code == 200


def test_cancelling_by_the_api_promotes_the_waiting(city: City, client: Client) -> None:
    event = make_event(city, capacity=1)
    holder, waiter = make_resident(city), make_resident(city)
    held = register(holder, event)
    waiting = register(waiter, event)
    path = f"/api/v1/events/tickets/{held.public_id}/cancel"

    first = post(client, path, **bearer(holder.user))
    again = post(client, path, **bearer(holder.user))
    stranger = post(client, path, **bearer(waiter.user))

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["status"] == "cancelled"
    assert stranger.status_code == 404
    assert Registration.objects.get(pk=waiting.pk).status == S.REGISTERED


def test_organizers_list_only_their_subtrees_events(city: City, client: Client) -> None:
    in_a = make_event(city, district="a")
    in_b = make_event(city, district="b")

    school = client.get("/api/v1/events/organized", headers=bearer(city.a.school_admin)).json()
    office = client.get("/api/v1/events/organized", headers=bearer(city.a.officer)).json()
    other = client.get("/api/v1/events/organized", headers=bearer(city.b.town_officer)).json()
    resident = client.get(
        "/api/v1/events/organized", headers=bearer(make_resident(city).user)
    ).json()

    assert [e["id"] for e in school["items"]] == [str(in_a.public_id)]
    assert [e["id"] for e in office["items"]] == [str(in_a.public_id)]
    assert [e["id"] for e in other["items"]] == [str(in_b.public_id)]
    assert resident["count"] == 0


def test_a_staff_login_has_no_tickets_to_list(city: City, client: Client) -> None:
    response = client.get("/api/v1/events/tickets", headers=bearer(city.a.officer))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_organizer_publishes_an_event_in_scope_only(city: City, client: Client) -> None:
    starts = clock.now() + dt.timedelta(days=3)
    body = {
        "organizer": city.a.school.code,
        "kind": "open_day",
        "title_zh": "开放日",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=3)).isoformat(),
        "capacity": 30,
        "site_id": str(city.a.site.public_id),
        "counts_for_credit": True,
        "credit_hours": "3",
    }

    refused = post(client, "/api/v1/events", body, **bearer(city.b.school_admin))
    made = post(client, "/api/v1/events", body, **bearer(city.a.school_admin))

    assert refused.status_code == 404
    assert made.status_code == 201
    assert made.json()["district"]["code"] == "310101"
    assert made.json()["credit_hours"] == "3.0"
    assert Event.objects.count() == 1


def test_a_bad_event_gets_field_messages_in_english(city: City, client: Client) -> None:
    starts = clock.now() + dt.timedelta(days=3)
    body = {
        "organizer": city.a.school.code,
        "kind": "lecture",
        "title_zh": "讲座",
        "starts_at": starts.isoformat(),
        "ends_at": (starts - dt.timedelta(hours=1)).isoformat(),
        "capacity": 30,
    }

    response = post(
        client, "/api/v1/events", body, **bearer(city.a.school_admin), **{"Accept-Language": "en"}
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"ends_at": ["The event must end after it starts."]}


def test_registrations_of_an_event_are_for_its_organizers(
    city: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    event = make_event(city, capacity=2)
    for _ in range(4):
        register(make_resident(city), event)
    path = f"/api/v1/events/{event.public_id}/registrations"
    headers = bearer(city.a.school_admin)

    with django_assert_max_num_queries(6):
        response = client.get(path, headers=headers)
    other = client.get(path, headers=bearer(city.b.school_admin))

    assert [r["position"] for r in response.json()["items"]] == [1, 2, 3, 4]
    assert [r["status"] for r in response.json()["items"]] == [
        "registered",
        "registered",
        "waitlisted",
        "waitlisted",
    ]
    assert other.status_code == 404


def test_participants_export_as_csv_for_organizers_only(city: City, client: Client) -> None:
    event = make_event(city)
    register(make_resident(city, name="=HYPERLINK(1)"), event)
    register(make_resident(city, name="李明"), event)
    path = f"/api/v1/events/{event.public_id}/participants.csv"

    response = client.get(path, headers=bearer(city.a.officer))
    refused = client.get(path, headers=bearer(city.b.officer))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 3
    assert lines[1].startswith("1,'=HYPERLINK(1),")
    assert lines[2].startswith("2,李明,")
    assert refused.status_code == 404


def test_check_in_by_the_api_is_idempotent(city: City, client: Client) -> None:
    event = make_event(city)
    registration = register(make_resident(city), event)
    body = {"code": services.ticket_token(registration), "event_id": str(event.public_id)}

    first = post(client, "/api/v1/events/checkins", body, **bearer(city.a.school_admin))
    again = post(client, "/api/v1/events/checkins", body, **bearer(city.a.school_admin))
    other = post(client, "/api/v1/events/checkins", body, **bearer(city.b.school_admin))

    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.json()["already"], again.json()["already"]) == (False, True)
    assert other.status_code == 404
    assert Registration.objects.get(pk=registration.pk).status == S.ATTENDED


def test_a_bad_ticket_is_a_field_error(city: City, client: Client) -> None:
    response = post(
        client,
        "/api/v1/events/checkins",
        {"code": "nonsense:signature"},
        **bearer(city.a.school_admin),
        **{"Accept-Language": "en"},
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"code": ["This is not a valid ticket."]}


def test_participation_is_counted_over_the_callers_scope(city: City, client: Client) -> None:
    edition = make_edition(city)
    came = register(make_resident(city), make_event(city, district="a", edition=edition))
    register(make_resident(city), make_event(city, district="b", edition=edition))
    services.checkin_record(actor=city.root, code=services.ticket_token(came))
    path = f"/api/v1/events/participation?edition={edition.year}"

    city_wide = client.get(path, headers=bearer(city.root)).json()
    huangpu = client.get(path, headers=bearer(city.a.officer)).json()
    anonymous = client.get(path)

    assert (city_wide["events"], city_wide["registered"], city_wide["attended"]) == (2, 2, 1)
    assert [d["code"] for d in huangpu["districts"]] == ["310101"]
    assert anonymous.status_code == 401
