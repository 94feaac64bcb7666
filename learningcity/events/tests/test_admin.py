"""Events in the admin: read-only, and scoped like every other staff list."""

from __future__ import annotations

from django.test import Client

from learningcity.events.models import Event
from learningcity.events.tests.factories import make_event, make_resident, register
from learningcity.network.tests.factories import City


def test_an_officer_lists_only_their_districts_events_and_registrations(
    city: City, client: Client
) -> None:
    mine = make_event(city, district="a")
    theirs = make_event(city, district="b")
    registration = register(make_resident(city), mine)
    register(make_resident(city, district="b"), theirs)
    client.force_login(city.a.officer)

    events = client.get("/admin/events/event/")
    registrations = client.get("/admin/events/registration/")
    other = client.get(f"/admin/events/event/{theirs.pk}/change/")

    assert [e.pk for e in events.context["cl"].result_list] == [mine.pk]
    assert [r.pk for r in registrations.context["cl"].result_list] == [registration.pk]
    assert other.status_code == 302


def test_nothing_changes_through_the_admin(city: City, client: Client) -> None:
    event = make_event(city, district="a", capacity=5)
    client.force_login(city.a.officer)

    posted = client.post(f"/admin/events/event/{event.pk}/change/", {"capacity": 500})

    assert posted.status_code == 403
    assert Event.objects.get(pk=event.pk).capacity == 5
