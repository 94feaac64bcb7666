"""The events app in the authorization matrix: the public calendar and event pages, residents'
registrations and tickets, and organizers' pages, exports and check-in.

Who may do what (learningcity/events: selectors, services and the README's Learning Week
section):
- the calendar, an event and the editions are public;
- a resident registers for any published event, and reads and cancels their own tickets;
- an event's organizers are the staff whose scope holds it (`Event.restrict`): the municipal
  office (the whole city), the offices of the area it takes place in, and its organizer's
  organization subtree. Every staff role may read its events, registrations and participants;
  admins and registrars (`change`) check tickets in and cancel registrations;
- staff may also act for residents they may change (`Learner.restrict`: the offices of the
  area the resident lives in): register them and cancel their registrations.

The world: events of town A1's community school at its learning site (district A) and of
district B's school; resident A and the other resident (of district B) hold tickets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from learningcity.core import clock
from learningcity.events.tests.factories import make_edition, make_event, register
from learningcity.network.tests.factories import City
from tests.authz.matrix import (
    LEVELS,
    NOBODY,
    OTHER_RESIDENT,
    PUBLIC,
    RESIDENT,
    RESIDENTS,
    SIGNED_IN,
    Actors,
    Op,
    Page,
    Route,
    run_matrix,
    staff,
)

RESIDENT_A = frozenset({RESIDENT})
THE_OTHER_RESIDENT = frozenset({OTHER_RESIDENT})

# Where district A's event (town A1's school, at its site) lies: the municipal office, district
# A's and town A1's offices by area, the school as its organizer.
EVENT_A_LEVELS = ("municipal", "district", "town", "provider")
EVENT_B_LEVELS = ("municipal", "other_district")
# Resident A lives in town A1: the offices above them may act for them; a provider may not.
RESIDENT_A_LEVELS = ("municipal", "district", "town")
OTHER_RESIDENT_LEVELS = ("municipal", "other_district")

EVENT_A_VIEW = staff("view", levels=EVENT_A_LEVELS)
EVENT_A_CHANGE = staff("change", levels=EVENT_A_LEVELS)
EVENT_B_VIEW = staff("view", levels=EVENT_B_LEVELS)
EVENT_B_CHANGE = staff("change", levels=EVENT_B_LEVELS)
ANY_STAFF_VIEW = staff("view", levels=LEVELS)
ANY_STAFF_CHANGE = staff("change", levels=LEVELS)
MUNICIPAL_CHANGE = staff("change", levels=("municipal",))


ROUTES: list[Route] = [
    # -- Public pages -----------------------------------------------------------------------
    Page("events:calendar", PUBLIC, shows="event_a_mark"),
    Page("events:event", PUBLIC, kwargs={"event_id": "{event_a}"}, shows="event_a_mark"),
    Page("events:event", PUBLIC, kwargs={"event_id": "{event_b}"}, shows="event_b_mark"),
    # -- Residents' pages -------------------------------------------------------------------
    # Staff and the platform administrator have no resident record: "not a resident" (403).
    Page(
        "events:register",
        RESIDENTS,
        kwargs={"event_id": "{event_a}"},
        method="POST",
        data={"idempotency_key": "{fresh_key}"},
    ),
    Page("events:tickets", RESIDENTS, shows="ticket_a", seers=RESIDENT_A),
    Page("events:tickets", RESIDENTS, shows="event_b_mark", seers=THE_OTHER_RESIDENT),
    # A ticket: its learner's, and the event's organizers' (who see its registrations anyway).
    Page(
        "events:ticket",
        RESIDENT_A | EVENT_A_VIEW,
        kwargs={"ticket_id": "{ticket_a}"},
        shows="ticket_a_code",
    ),
    Page(
        "events:ticket",
        THE_OTHER_RESIDENT | EVENT_A_VIEW,
        kwargs={"ticket_id": "{ticket_other_at_a}"},
        shows="ticket_other_at_a_code",
    ),
    Page(
        "events:ticket",
        THE_OTHER_RESIDENT | EVENT_B_VIEW,
        kwargs={"ticket_id": "{ticket_b}"},
        shows="ticket_b_code",
    ),
    Page("events:ticket_qr", RESIDENT_A | EVENT_A_VIEW, kwargs={"ticket_id": "{ticket_a}"}),
    # The confirmation page only shows the ticket, which these staff may read; the POST below
    # is what is guarded.
    Page("events:cancel", RESIDENT_A | EVENT_A_VIEW, kwargs={"ticket_id": "{ticket_a}"}),
    # Cancelling: the learner, the event's organizers who may change it, or staff acting for
    # the resident (their area's offices; here the same offices).
    Page(
        "events:cancel",
        RESIDENT_A | EVENT_A_CHANGE,
        kwargs={"ticket_id": "{ticket_a}"},
        method="POST",
        data={"confirm": "yes"},
    ),
    Page(
        "events:cancel",
        THE_OTHER_RESIDENT | EVENT_B_CHANGE,
        kwargs={"ticket_id": "{ticket_b}"},
        method="POST",
        data={"confirm": "yes"},
    ),
    # The other resident's place at district A's event: the page is the ticket holder's and
    # the event's organizers'; district B's office, which may act for its resident but does not
    # see event A's tickets, cancels through the API (row below).
    Page(
        "events:cancel",
        THE_OTHER_RESIDENT | EVENT_A_CHANGE,
        kwargs={"ticket_id": "{ticket_other_at_a}"},
        method="POST",
        data={"confirm": "yes"},
    ),
    # -- Organizers' pages ------------------------------------------------------------------
    Page("events:organize", ANY_STAFF_VIEW, shows="event_a_mark", seers=EVENT_A_VIEW),
    Page("events:organize", ANY_STAFF_VIEW, shows="event_b_mark", seers=EVENT_B_VIEW),
    Page("events:participation", ANY_STAFF_VIEW, shows="district_a_name", seers=EVENT_A_VIEW),
    Page("events:participation", ANY_STAFF_VIEW, shows="district_b_name", seers=EVENT_B_VIEW),
    Page("events:event_new", ANY_STAFF_CHANGE),
    # The form offers as organizers only the organizations where the caller is an admin or a
    # registrar in person (own_organizations): the school's own staff and the platform
    # administrator publish (302); any other admin or registrar is told on the form that the
    # choice is not theirs (400, nothing published). The API rows below check the organizer's
    # scope with a 404.
    Page(
        "events:event_new",
        ANY_STAFF_CHANGE,
        method="POST",
        data={
            "organizer": "{school_a_pk}",
            "site": "{site_a_pk}",
            "kind": "lecture",
            "title_zh": "新讲座",
            "starts_at": "{form_starts_at}",
            "ends_at": "{form_ends_at}",
            "capacity": "10",
        },
    ),
    Page("events:manage", EVENT_A_VIEW, kwargs={"event_id": "{event_a}"}, shows="resident_name"),
    Page(
        "events:manage",
        EVENT_B_VIEW,
        kwargs={"event_id": "{event_b}"},
        shows="other_resident_name",
    ),
    Page(
        "events:participants",
        EVENT_A_VIEW,
        kwargs={"event_id": "{event_a}"},
        shows="resident_name",
    ),
    Page(
        "events:participants",
        EVENT_B_VIEW,
        kwargs={"event_id": "{event_b}"},
        shows="other_resident_name",
    ),
    Page("events:scan", EVENT_A_CHANGE, kwargs={"event_id": "{event_a}"}),
    Page(
        "events:scan",
        EVENT_A_CHANGE,
        kwargs={"event_id": "{event_a}"},
        method="POST",
        data={"code": "{ticket_a_code}"},
    ),
    # Another event's ticket at event A's door: district A's staff do not manage event B, so
    # the code names no ticket of theirs (404); the city's staff hear it is for another event
    # (409).
    Page(
        "events:scan",
        MUNICIPAL_CHANGE,
        kwargs={"event_id": "{event_a}"},
        method="POST",
        data={"code": "{ticket_b_code}"},
    ),
    Page(
        "events:manage_check_in",
        EVENT_A_CHANGE,
        kwargs={"event_id": "{event_a}", "ticket_id": "{ticket_a}"},
        method="POST",
    ),
    Page(
        "events:manage_check_in",
        EVENT_B_CHANGE,
        kwargs={"event_id": "{event_b}", "ticket_id": "{ticket_b}"},
        method="POST",
    ),
    # A ticket of another event under event A's address reaches nobody.
    Page(
        "events:manage_check_in",
        NOBODY,
        kwargs={"event_id": "{event_a}", "ticket_id": "{ticket_b}"},
        method="POST",
    ),
    Page(
        "events:manage_cancel",
        EVENT_A_CHANGE,
        kwargs={"event_id": "{event_a}", "ticket_id": "{ticket_a}"},
        method="POST",
    ),
    Page(
        "events:manage_cancel",
        EVENT_A_CHANGE,
        kwargs={"event_id": "{event_a}", "ticket_id": "{ticket_other_at_a}"},
        method="POST",
    ),
    Page(
        "events:manage_cancel",
        NOBODY,
        kwargs={"event_id": "{event_a}", "ticket_id": "{ticket_b}"},
        method="POST",
    ),
    # -- Public API -------------------------------------------------------------------------
    Op("GET", "/api/v1/events", PUBLIC, shows="event_a"),
    Op("GET", "/api/v1/events", PUBLIC, query="edition={year}", shows="event_b"),
    Op("GET", "/api/v1/events/editions", PUBLIC, shows="year"),
    Op("GET", "/api/v1/events/{event_id}", PUBLIC, params={"event_id": "event_a"}, shows="event_a"),
    Op("GET", "/api/v1/events/{event_id}", PUBLIC, params={"event_id": "event_b"}, shows="event_b"),
    # -- Residents' API ---------------------------------------------------------------------
    Op("GET", "/api/v1/events/tickets", RESIDENTS, shows="ticket_a", seers=RESIDENT_A),
    Op(
        "GET",
        "/api/v1/events/tickets",
        RESIDENTS,
        shows="ticket_b",
        seers=THE_OTHER_RESIDENT,
    ),
    Op(
        "GET",
        "/api/v1/events/tickets/{ticket_id}",
        RESIDENT_A | EVENT_A_VIEW,
        params={"ticket_id": "ticket_a"},
        shows="ticket_a_code",
    ),
    Op(
        "GET",
        "/api/v1/events/tickets/{ticket_id}",
        THE_OTHER_RESIDENT | EVENT_A_VIEW,
        params={"ticket_id": "ticket_other_at_a"},
        shows="ticket_other_at_a_code",
    ),
    Op(
        "GET",
        "/api/v1/events/tickets/{ticket_id}",
        THE_OTHER_RESIDENT | EVENT_B_VIEW,
        params={"ticket_id": "ticket_b"},
        shows="ticket_b_code",
    ),
    Op(
        "POST",
        "/api/v1/events/tickets/{ticket_id}/cancel",
        RESIDENT_A | EVENT_A_CHANGE | staff("change", levels=RESIDENT_A_LEVELS),
        params={"ticket_id": "ticket_a"},
        body={},
    ),
    # The other resident's place at district A's event: event A's organizers, or district B's
    # office acting for its resident.
    Op(
        "POST",
        "/api/v1/events/tickets/{ticket_id}/cancel",
        THE_OTHER_RESIDENT | EVENT_A_CHANGE | staff("change", levels=OTHER_RESIDENT_LEVELS),
        params={"ticket_id": "ticket_other_at_a"},
        body={},
    ),
    Op(
        "POST",
        "/api/v1/events/tickets/{ticket_id}/cancel",
        THE_OTHER_RESIDENT | EVENT_B_CHANGE,
        params={"ticket_id": "ticket_b"},
        body={},
    ),
    # A resident registers themselves; staff must name the resident, and without learner_id
    # are asked for it (400: the request is incomplete, nothing is registered).
    Op(
        "POST",
        "/api/v1/events/{event_id}/registrations",
        RESIDENTS | ANY_STAFF_VIEW,
        params={"event_id": "event_a"},
        body={},
        headers={"Idempotency-Key": "{fresh_key}"},
    ),
    # Staff registering a resident they may act for, at any public event (here district B's).
    # learner_id is for staff: a resident sends none (naming even themselves is refused, since
    # no resident may act for another).
    Op(
        "POST",
        "/api/v1/events/{event_id}/registrations",
        staff("change", levels=RESIDENT_A_LEVELS),
        params={"event_id": "event_b"},
        body={"learner_id": "{resident}"},
    ),
    Op(
        "POST",
        "/api/v1/events/{event_id}/registrations",
        staff("change", levels=OTHER_RESIDENT_LEVELS),
        params={"event_id": "event_a"},
        body={"learner_id": "{other_resident}"},
    ),
    # -- Organizers' API --------------------------------------------------------------------
    # Scoped lists: anyone signed in may ask, and sees only what their scope holds (a resident:
    # nothing), as every scoped list here does.
    Op("GET", "/api/v1/events/organized", SIGNED_IN, shows="event_a", seers=EVENT_A_VIEW),
    Op("GET", "/api/v1/events/organized", SIGNED_IN, shows="event_b", seers=EVENT_B_VIEW),
    Op(
        "GET",
        "/api/v1/events/participation",
        SIGNED_IN,
        query="edition={year}",
        shows="event_a",
        seers=EVENT_A_VIEW,
    ),
    Op(
        "GET",
        "/api/v1/events/participation",
        SIGNED_IN,
        query="edition={year}",
        shows="event_b",
        seers=EVENT_B_VIEW,
    ),
    Op(
        "GET",
        "/api/v1/events/{event_id}/registrations",
        EVENT_A_VIEW,
        params={"event_id": "event_a"},
        shows="ticket_a",
    ),
    Op(
        "GET",
        "/api/v1/events/{event_id}/registrations",
        EVENT_B_VIEW,
        params={"event_id": "event_b"},
        shows="ticket_b",
    ),
    Op(
        "GET",
        "/api/v1/events/{event_id}/participants.csv",
        EVENT_A_VIEW,
        params={"event_id": "event_a"},
        shows="resident_name",
    ),
    Op(
        "GET",
        "/api/v1/events/{event_id}/participants.csv",
        EVENT_B_VIEW,
        params={"event_id": "event_b"},
        shows="other_resident_name",
    ),
    # Publishing: in the name of an organization the caller may change.
    Op(
        "POST",
        "/api/v1/events",
        EVENT_A_CHANGE,
        body={
            "organizer": "{school_a_code}",
            "site_id": "{site_a}",
            "kind": "lecture",
            "title_zh": "新讲座",
            "starts_at": "{starts_at}",
            "ends_at": "{ends_at}",
            "capacity": 10,
        },
    ),
    Op(
        "POST",
        "/api/v1/events",
        EVENT_B_CHANGE,
        body={
            "organizer": "{school_b_code}",
            "kind": "online_talk",
            "title_zh": "网上讲座",
            "starts_at": "{starts_at}",
            "ends_at": "{ends_at}",
            "capacity": 10,
        },
    ),
    # District B's office publishing its own event at district A's learning site: the site is
    # not B's to use. The city may hold any organizer's event at any site.
    Op(
        "POST",
        "/api/v1/events",
        MUNICIPAL_CHANGE,
        body={
            "organizer": "{office_b_code}",
            "site_id": "{site_a}",
            "kind": "lecture",
            "title_zh": "借场地的讲座",
            "starts_at": "{starts_at}",
            "ends_at": "{ends_at}",
            "capacity": 10,
        },
    ),
    # Check-in: staff who may change the ticket's event.
    Op(
        "POST",
        "/api/v1/events/checkins",
        EVENT_A_CHANGE,
        body={"code": "{ticket_a_code}", "event_id": "{event_a}"},
    ),
    Op("POST", "/api/v1/events/checkins", EVENT_A_CHANGE, body={"code": "{ticket_a_token}"}),
    Op("POST", "/api/v1/events/checkins", EVENT_B_CHANGE, body={"code": "{ticket_b_code}"}),
    # Event B's ticket at event A's door: only the city's staff manage both (409, wrong event).
    Op(
        "POST",
        "/api/v1/events/checkins",
        MUNICIPAL_CHANGE,
        body={"code": "{ticket_b_code}", "event_id": "{event_a}"},
    ),
]


def build_world(city: City, actors: Actors) -> dict[str, str]:
    """District A's event (town A1's school, at its site) with resident A's and the other
    resident's tickets, and district B's event with the other resident's ticket."""
    from learningcity.events.services import ticket_token

    edition = make_edition(city)
    event_a = make_event(
        city,
        district="a",
        edition=edition,
        capacity=5,
        title_zh="黄浦讲座 MX-ALPHA",
        title_en="Huangpu lecture MX-ALPHA",
    )
    event_b = make_event(
        city,
        district="b",
        edition=edition,
        capacity=5,
        title_zh="徐汇讲座 MX-BRAVO",
        title_en="Xuhui lecture MX-BRAVO",
    )
    ticket_a = register(actors.resident, event_a)
    ticket_other_at_a = register(actors.other_resident, event_a)
    ticket_b = register(actors.other_resident, event_b)
    starts = clock.now() + dt.timedelta(days=5)
    ends = starts + dt.timedelta(hours=2)
    form_format = "%Y-%m-%dT%H:%M"
    return {
        "year": str(edition.year),
        "event_a": str(event_a.public_id),
        "event_b": str(event_b.public_id),
        "event_a_mark": "MX-ALPHA",
        "event_b_mark": "MX-BRAVO",
        "ticket_a": str(ticket_a.public_id),
        "ticket_a_code": ticket_a.ticket_code,
        "ticket_a_token": ticket_token(ticket_a),
        "ticket_other_at_a": str(ticket_other_at_a.public_id),
        "ticket_other_at_a_code": ticket_other_at_a.ticket_code,
        "ticket_b": str(ticket_b.public_id),
        "ticket_b_code": ticket_b.ticket_code,
        "resident": str(actors.resident.public_id),
        "other_resident": str(actors.other_resident.public_id),
        "resident_name": actors.resident.name,
        "other_resident_name": actors.other_resident.name,
        "district_a_name": city.a.area.name_en,
        "district_b_name": city.b.area.name_en,
        "school_a_code": city.a.school.code,
        "school_b_code": city.b.school.code,
        "office_b_code": city.b.office.code,
        "school_a_pk": str(city.a.school.pk),
        "site_a_pk": str(city.a.site.pk),
        "site_a": str(city.a.site.public_id),
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "form_starts_at": timezone.localtime(starts).strftime(form_format),
        "form_ends_at": timezone.localtime(ends).strftime(form_format),
        "fresh_key": "9a3c6e1e-5b1d-4c53-9f4a-2f1f0b7d7e11",
    }


def test_events_matrix(city: City, actors: Actors) -> None:
    world: dict[str, Any] = build_world(city, actors)
    run_matrix(ROUTES, world, actors)
