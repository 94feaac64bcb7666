"""Events pages: the calendar and event pages for anyone, tickets for their owners,
organizer pages within scope; every URL checked for who may and who may not."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.test import Client

from learningcity.core import clock
from learningcity.events import services
from learningcity.events.choices import RegistrationStatus as S
from learningcity.events.models import Event, Registration
from learningcity.events.tests.factories import make_edition, make_event, make_resident, register
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import City, make_staff


def logged_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    client.cookies["lc_language"] = "en"
    return client


def test_the_calendar_lists_upcoming_events_and_filters(city: City, en: Client) -> None:
    make_edition(city)
    walk = make_event(city, district="b", title_zh="城市行走", title_en="City walk")
    make_event(city, district="a", title_zh="读书节", title_en="Reading festival")

    everything = en.get("/events/")
    in_b = en.get("/events/?district=310104")
    searched = en.get("/events/?q=walk&step_free=on")

    assert everything.status_code == 200
    assert everything.context["page"].paginator.count == 2
    assert [e.pk for e in in_b.context["page"].object_list] == [walk.pk]
    assert [e.pk for e in searched.context["page"].object_list] == [walk.pk]
    assert "Lifelong Learning Week" in everything.content.decode()


def test_a_bad_calendar_date_is_a_400_with_a_message(city: City, en: Client) -> None:
    response = en.get("/events/?on=soon")

    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()


def test_the_event_page_is_public(city: City, en: Client) -> None:
    event = make_event(city)

    response = en.get(f"/events/{event.public_id}/")
    missing = en.get(f"/events/{uuid.uuid4()}/")

    assert response.status_code == 200
    assert "Log in to register" in response.content.decode()
    assert missing.status_code == 404


def test_a_resident_registers_from_the_event_page(city: City, client: Client) -> None:
    event = make_event(city)
    resident = make_resident(city)
    logged_in(client, resident.user)
    key = str(uuid.uuid4())

    first = client.post(f"/events/{event.public_id}/register/", {"idempotency_key": key})
    again = client.post(f"/events/{event.public_id}/register/", {"idempotency_key": key})

    registration = Registration.objects.get()
    assert first.status_code == 302
    assert first["Location"] == f"/events/tickets/{registration.public_id}/"
    assert again["Location"] == first["Location"]
    assert registration.status == S.REGISTERED


def test_a_staff_login_cannot_register_itself(city: City, client: Client) -> None:
    event = make_event(city)
    logged_in(client, city.a.school_admin)

    response = client.post(
        f"/events/{event.public_id}/register/", {"idempotency_key": str(uuid.uuid4())}
    )

    assert response.status_code == 403
    assert Registration.objects.count() == 0


def test_the_ticket_page_and_qr_code_are_for_the_owner(city: City, client: Client) -> None:
    resident, other = make_resident(city), make_resident(city)
    registration = register(resident, make_event(city))
    page = f"/events/tickets/{registration.public_id}/"

    logged_in(client, resident.user)
    own = client.get(page)
    qr = client.get(f"{page}qr.svg")
    listed = client.get("/events/tickets/")
    logged_in(client, other.user)
    refused = client.get(page)
    refused_qr = client.get(f"{page}qr.svg")

    assert own.status_code == 200
    assert registration.ticket_code in own.content.decode()
    assert qr.status_code == 200
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg")
    assert [r.pk for r in listed.context["upcoming"]] == [registration.pk]
    assert (refused.status_code, refused_qr.status_code) == (404, 404)


def test_the_ticket_pages_need_a_login(city: City, client: Client) -> None:
    registration = register(make_resident(city), make_event(city))

    response = client.get(f"/events/tickets/{registration.public_id}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_resident_cancels_after_confirming(city: City, client: Client) -> None:
    resident = make_resident(city)
    registration = register(resident, make_event(city))
    logged_in(client, resident.user)
    path = f"/events/tickets/{registration.public_id}/cancel/"

    asked = client.get(path)
    unconfirmed = client.post(path)
    confirmed = client.post(path, {"confirm": "yes"})

    assert (asked.status_code, unconfirmed.status_code) == (200, 200)
    assert confirmed.status_code == 302
    assert Registration.objects.get(pk=registration.pk).status == S.CANCELLED


def test_staff_who_may_only_read_a_ticket_cannot_cancel_it(city: City, client: Client) -> None:
    registration = register(make_resident(city), make_event(city))
    viewer = make_staff(actor=city.root, organization=city.a.office, role=StaffRoleKind.VIEWER)
    logged_in(client, viewer)
    path = f"/events/tickets/{registration.public_id}/cancel/"

    refused = client.post(path, {"confirm": "yes"})

    assert refused.status_code == 404
    assert Registration.objects.get(pk=registration.pk).status == S.REGISTERED


def test_organizer_pages_show_only_the_subtrees_events(city: City, client: Client) -> None:
    in_a = make_event(city, district="a")
    register(make_resident(city, name="李明"), in_a)

    logged_in(client, city.a.school_admin)
    listing = client.get("/events/organize/")
    manage = client.get(f"/events/organize/{in_a.public_id}/")
    csv = client.get(f"/events/organize/{in_a.public_id}/participants.csv")
    logged_in(client, city.b.school_admin)
    other_listing = client.get("/events/organize/")
    other_manage = client.get(f"/events/organize/{in_a.public_id}/")
    other_csv = client.get(f"/events/organize/{in_a.public_id}/participants.csv")
    logged_in(client, make_resident(city).user)
    resident = client.get("/events/organize/")

    assert [e.pk for e in listing.context["page"].object_list] == [in_a.pk]
    assert manage.status_code == 200
    assert "李明" in manage.content.decode()
    assert "李明" in csv.content.decode("utf-8-sig")
    assert other_listing.context["page"].paginator.count == 0
    assert (other_manage.status_code, other_csv.status_code) == (404, 404)
    assert resident.status_code == 404


def test_an_organizer_publishes_an_event_from_the_form(city: City, client: Client) -> None:
    logged_in(client, city.a.school_admin)
    starts = (clock.now() + dt.timedelta(days=5)).astimezone().replace(tzinfo=None)
    form = {
        "organizer": city.a.school.pk,
        "kind": "learning_walk",
        "title_zh": "老城厢行走",
        "title_en": "Old town walk",
        "site": city.a.site.pk,
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "25",
        "counts_for_credit": "on",
        "credit_hours": "2",
    }

    shown = client.get("/events/organize/new/")
    made = client.post("/events/organize/new/", form)

    event = Event.objects.get()
    assert shown.status_code == 200
    assert made.status_code == 302
    assert made["Location"] == f"/events/organize/{event.public_id}/"
    assert (event.title_zh, event.capacity, event.counts_for_credit) == ("老城厢行走", 25, True)


def test_a_refused_event_form_shows_the_services_message(city: City, client: Client) -> None:
    logged_in(client, city.a.school_admin)
    starts = (clock.now() + dt.timedelta(days=5)).astimezone().replace(tzinfo=None)
    form = {
        "organizer": city.a.school.pk,
        "kind": "lecture",
        "title_zh": "讲座",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "25",
    }

    response = client.post("/events/organize/new/", form)

    assert response.status_code == 400
    assert response.context["form"].errors == {"ends_at": ["The event must end after it starts."]}
    assert Event.objects.count() == 0


def test_the_new_event_page_is_for_staff_who_may_change(city: City, client: Client) -> None:
    logged_in(client, make_resident(city).user)

    response = client.get("/events/organize/new/")

    assert response.status_code == 404


def test_the_scan_page_checks_a_typed_code_in(city: City, client: Client) -> None:
    event = make_event(city)
    registration = register(make_resident(city, name="张伟"), event)
    logged_in(client, city.a.school_admin)
    path = f"/events/organize/{event.public_id}/scan/"

    shown = client.get(path)
    checked = client.post(path, {"code": registration.ticket_code})
    bad = client.post(path, {"code": "NOPE"})

    assert shown.status_code == 200
    assert 'src="/static/events/scan.js"' in shown.content.decode()
    assert checked.status_code == 200
    assert "Checked in: 张伟" in checked.content.decode()
    assert bad.status_code == 400
    assert Registration.objects.get(pk=registration.pk).status == S.ATTENDED


def test_the_scan_page_is_for_the_events_organizers(city: City, client: Client) -> None:
    event = make_event(city, district="a")
    registration = register(make_resident(city), event)
    path = f"/events/organize/{event.public_id}/scan/"
    logged_in(client, city.b.school_admin)

    shown = client.get(path)
    posted = client.post(path, {"code": services.ticket_token(registration)})

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert Registration.objects.get(pk=registration.pk).status == S.REGISTERED


def test_an_organizer_checks_in_and_cancels_from_the_list(city: City, client: Client) -> None:
    event = make_event(city, capacity=2)
    came = register(make_resident(city, name="张伟"), event)
    phoned = register(make_resident(city), event)
    waiting = register(make_resident(city), event)
    logged_in(client, city.a.school_admin)
    base = f"/events/organize/{event.public_id}/registrations"

    checked = client.post(f"{base}/{came.public_id}/check-in/")
    cancelled = client.post(f"{base}/{phoned.public_id}/cancel/")

    assert (checked.status_code, cancelled.status_code) == (302, 302)
    assert Registration.objects.get(pk=came.pk).status == S.ATTENDED
    assert Registration.objects.get(pk=phoned.pk).status == S.CANCELLED
    assert Registration.objects.get(pk=waiting.pk).status == S.REGISTERED


def test_another_districts_staff_cannot_manage_the_list(city: City, client: Client) -> None:
    event = make_event(city, district="a")
    registration = register(make_resident(city), event)
    logged_in(client, city.b.school_admin)
    base = f"/events/organize/{event.public_id}/registrations/{registration.public_id}"

    checked = client.post(f"{base}/check-in/")
    cancelled = client.post(f"{base}/cancel/")

    assert (checked.status_code, cancelled.status_code) == (404, 404)
    assert Registration.objects.get(pk=registration.pk).status == S.REGISTERED


def test_the_ticket_shows_its_reminder(city: City, client: Client) -> None:
    resident = make_resident(city)
    registration = register(resident, make_event(city, starts_in=dt.timedelta(hours=5)))
    services.reminders_send()
    logged_in(client, resident.user)

    response = client.get(f"/events/tickets/{registration.public_id}/")

    assert len(response.context["reminders"]) == 1
    assert "a reminder that this event starts on" in response.content.decode()


def test_participation_page_counts_over_the_viewers_scope(city: City, client: Client) -> None:
    edition = make_edition(city)
    register(make_resident(city), make_event(city, district="a", edition=edition))
    register(make_resident(city), make_event(city, district="b", edition=edition))

    logged_in(client, city.a.officer)
    huangpu = client.get("/events/organize/participation/")
    logged_in(client, city.root)
    everywhere = client.get(f"/events/organize/participation/?year={edition.year}")
    missing = client.get("/events/organize/participation/?year=1999")
    logged_in(client, make_resident(city).user)
    resident = client.get("/events/organize/participation/")

    assert [d.code for d in huangpu.context["counts"].districts] == ["310101"]
    assert everywhere.context["counts"].registered == 2
    assert missing.status_code == 404
    assert resident.status_code == 404


def test_the_calendar_and_organizer_list_take_few_queries(
    city: City, client: Client, django_assert_max_num_queries: Any
) -> None:
    make_edition(city)
    for district in ("a", "b", "a", "b", "a"):
        make_event(city, district=district)
    logged_in(client, city.root)

    with django_assert_max_num_queries(6):
        calendar = client.get("/events/")
    with django_assert_max_num_queries(4):
        organize = client.get("/events/organize/")

    assert calendar.context["page"].paginator.count == 5
    assert organize.context["page"].paginator.count == 5
