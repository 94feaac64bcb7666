"""Events services: registration with a waiting list, cancellation, check-in and the credit
bank, reminders, participation counts, and who may do what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from learningcity.core import clock
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.creditbank.choices import CreditCategory, RecordChannel, RecordStatus
from learningcity.creditbank.models import LearningRecord
from learningcity.creditbank.tests.factories import make_bank
from learningcity.events import selectors, services, tasks
from learningcity.events.choices import EventKind, EventLevel
from learningcity.events.choices import RegistrationStatus as S
from learningcity.events.models import CheckIn, Event, Registration, Reminder
from learningcity.events.tests.factories import (
    make_edition,
    make_event,
    make_resident,
    register,
)
from learningcity.network.tests.factories import City


def test_the_first_come_take_the_places_and_the_rest_wait_in_order(city: City) -> None:
    event = make_event(city, capacity=2)
    people = [make_resident(city) for _ in range(4)]

    registrations = [register(p, event) for p in people]

    assert [r.status for r in registrations] == [
        S.REGISTERED,
        S.REGISTERED,
        S.WAITLISTED,
        S.WAITLISTED,
    ]
    assert [r.position for r in registrations] == [1, 2, 3, 4]
    assert Event.objects.get(pk=event.pk).seats_taken == 2
    assert selectors.waitlist_place(registration=registrations[3]) == 2


def test_cancelling_a_place_gives_it_to_the_first_waiting(city: City) -> None:
    event = make_event(city, capacity=1)
    holder, first, second = (make_resident(city) for _ in range(3))
    held = register(holder, event)
    waiting_first = register(first, event)
    register(second, event)

    services.registration_cancel(actor=holder.user, public_id=held.public_id)

    assert Registration.objects.get(pk=held.pk).status == S.CANCELLED
    assert Registration.objects.get(pk=waiting_first.pk).status == S.REGISTERED
    assert Event.objects.get(pk=event.pk).seats_taken == 1
    assert Registration.objects.filter(event=event, status=S.WAITLISTED).count() == 1


def test_cancelling_twice_changes_nothing_more(city: City) -> None:
    event = make_event(city, capacity=1)
    holder, waiting = make_resident(city), make_resident(city)
    held = register(holder, event)
    register(waiting, event)

    services.registration_cancel(actor=holder.user, public_id=held.public_id)
    again = services.registration_cancel(actor=holder.user, public_id=held.public_id)

    assert again.status == S.CANCELLED
    assert Event.objects.get(pk=event.pk).seats_taken == 1


def test_leaving_the_waiting_list_frees_no_place(city: City) -> None:
    event = make_event(city, capacity=1)
    register(make_resident(city), event)
    waiter = make_resident(city)
    waiting = register(waiter, event)

    services.registration_cancel(actor=waiter.user, public_id=waiting.public_id)

    assert Event.objects.get(pk=event.pk).seats_taken == 1


def test_someone_else_cannot_cancel_a_registration(city: City) -> None:
    event = make_event(city)
    owner, other = make_resident(city), make_resident(city, district="b")
    registration = register(owner, event)

    with pytest.raises(NotFound):
        services.registration_cancel(actor=other.user, public_id=registration.public_id)

    assert Registration.objects.get(pk=registration.pk).status == S.REGISTERED


def test_a_retry_with_the_same_key_returns_the_first_registration(city: City) -> None:
    event = make_event(city)
    resident = make_resident(city)

    first = register(resident, event, key="tap-1")
    retry = register(resident, event, key="tap-1")

    assert retry.pk == first.pk
    assert Registration.objects.count() == 1
    assert Event.objects.get(pk=event.pk).seats_taken == 1


def test_registering_twice_without_a_key_is_refused(city: City) -> None:
    event = make_event(city)
    resident = make_resident(city)
    register(resident, event)

    with translation.override("en"), pytest.raises(Conflict) as refused:
        register(resident, event)

    assert refused.value.code == "already_registered"
    assert refused.value.message == "You are already registered for this event."
    assert Event.objects.get(pk=event.pk).seats_taken == 1


def test_a_key_used_for_another_event_is_refused(city: City) -> None:
    resident = make_resident(city)
    register(resident, make_event(city), key="k")

    with pytest.raises(Conflict) as refused:
        register(resident, make_event(city), key="k")

    assert refused.value.code == "idempotency_key_reused"


def test_registration_outside_its_window_is_refused(city: City) -> None:
    now = clock.now()
    event = make_event(
        city,
        registration_opens_at=now + dt.timedelta(hours=1),
        registration_closes_at=now + dt.timedelta(days=1),
    )

    with translation.override("en"), pytest.raises(Conflict) as refused:
        register(make_resident(city), event)

    assert refused.value.code == "registration_closed"
    assert Registration.objects.count() == 0


def test_staff_register_a_resident_only_in_their_scope(city: City) -> None:
    event = make_event(city)
    resident = make_resident(city, district="a")

    with pytest.raises(NotFound):
        services.registration_create(actor=city.b.officer, learner=resident, event=event)
    made = services.registration_create(actor=city.a.town_officer, learner=resident, event=event)

    assert made.status == S.REGISTERED


def test_check_in_by_the_signed_token_marks_attendance(city: City) -> None:
    event = make_event(city)
    resident = make_resident(city)
    registration = register(resident, event)

    result = services.checkin_record(
        actor=city.a.school_admin, code=services.ticket_token(registration), event=event
    )

    assert result.already is False
    assert result.learner_name == "王秀英"
    assert Registration.objects.get(pk=registration.pk).status == S.ATTENDED
    assert CheckIn.objects.get(registration=registration).checked_in_by == city.a.school_admin
    assert AuditEntry.objects.filter(
        action="events.check_in", subject=f"registration:{registration.public_id}"
    ).exists()


def test_a_second_scan_answers_with_the_first_check_in(city: City) -> None:
    event = make_event(city)
    registration = register(make_resident(city), event)
    token = services.ticket_token(registration)
    first = services.checkin_record(actor=city.a.school_admin, code=token)

    again = services.checkin_record(actor=city.a.school_admin, code=token)

    assert again.already is True
    assert again.checked_in_at == first.checked_in_at
    assert CheckIn.objects.count() == 1


def test_the_typed_ticket_code_checks_in_too(city: City) -> None:
    event = make_event(city)
    registration = register(make_resident(city), event)
    typed = registration.ticket_code.lower()[:5] + " " + registration.ticket_code.lower()[5:]

    services.checkin_record(actor=city.a.school_admin, code=typed)

    assert Registration.objects.get(pk=registration.pk).status == S.ATTENDED


def test_a_forged_token_is_refused(city: City) -> None:
    event = make_event(city)
    registration = register(make_resident(city), event)
    forged = f"{registration.public_id}:not-the-signature"

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        services.checkin_record(actor=city.a.school_admin, code=forged)

    assert refused.value.fields == {"code": ["This is not a valid ticket."]}
    assert Registration.objects.get(pk=registration.pk).status == S.REGISTERED


def test_a_waiting_ticket_cannot_be_checked_in(city: City) -> None:
    event = make_event(city, capacity=1)
    register(make_resident(city), event)
    waiting = register(make_resident(city), event)

    with pytest.raises(Conflict) as refused:
        services.checkin_record(actor=city.a.school_admin, code=services.ticket_token(waiting))

    assert refused.value.code == "not_registered"


def test_a_ticket_for_another_event_is_refused_at_this_door(city: City) -> None:
    here, there = make_event(city), make_event(city)
    registration = register(make_resident(city), there)

    with pytest.raises(Conflict) as refused:
        services.checkin_record(
            actor=city.a.school_admin, code=services.ticket_token(registration), event=here
        )

    assert refused.value.code == "not_this_event"


def test_another_districts_staff_cannot_check_in(city: City) -> None:
    event = make_event(city, district="a")
    registration = register(make_resident(city), event)

    with pytest.raises(NotFound):
        services.checkin_record(actor=city.b.school_admin, code=services.ticket_token(registration))

    assert Registration.objects.get(pk=registration.pk).status == S.REGISTERED


def test_attendance_that_counts_becomes_a_culture_and_leisure_record(city: City) -> None:
    make_bank(city)
    event = make_event(city, counts_for_credit=True)
    registration = register(make_resident(city), event)

    services.checkin_record(actor=city.a.school_admin, code=services.ticket_token(registration))

    record = LearningRecord.objects.get(source=f"events:{registration.public_id}")
    assert record.channel == RecordChannel.EVENT
    assert record.category == CreditCategory.CULTURE_LEISURE
    assert record.status == RecordStatus.VERIFIED
    assert record.hours == Decimal("2.0")
    assert record.provider == city.a.school
    assert CheckIn.objects.get(registration=registration).record_source == record.source


def test_attendance_that_does_not_count_writes_no_record(city: City) -> None:
    event = make_event(city, counts_for_credit=False)
    registration = register(make_resident(city), event)

    services.checkin_record(actor=city.a.school_admin, code=services.ticket_token(registration))

    assert LearningRecord.objects.count() == 0


def test_an_attended_registration_cannot_be_cancelled(city: City) -> None:
    event = make_event(city)
    resident = make_resident(city)
    registration = register(resident, event)
    services.checkin_record(actor=city.a.school_admin, code=services.ticket_token(registration))

    with pytest.raises(Conflict):
        services.registration_cancel(actor=resident.user, public_id=registration.public_id)


def test_reminders_go_once_to_the_registered_of_events_starting_within_a_day(city: City) -> None:
    soon = make_event(city, capacity=1, starts_in=dt.timedelta(hours=20))
    later = make_event(city, starts_in=dt.timedelta(days=3))
    registered = register(make_resident(city), soon)
    register(make_resident(city), soon)  # waiting: no place to be reminded of
    register(make_resident(city), later)

    first = services.reminders_send()
    second = services.reminders_send()

    assert first == 1
    assert second == 0
    assert list(Reminder.objects.values_list("registration_id", flat=True)) == [registered.pk]


def test_an_event_takes_its_area_district_level_and_access_from_the_site(city: City) -> None:
    event = make_event(city)

    assert event.area == city.a.neighbourhood
    assert event.district == city.a.area
    assert event.level == EventLevel.TOWN
    assert event.step_free is True
    assert event.hearing_loop is False


def test_an_organizer_out_of_scope_cannot_publish(city: City) -> None:
    starts = clock.now() + dt.timedelta(days=1)

    with pytest.raises(NotFound):
        services.event_create(
            actor=city.b.school_admin,
            organizer=city.a.school,
            kind=EventKind.LECTURE,
            title_zh="讲座",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            capacity=10,
        )

    assert Event.objects.count() == 0


def test_another_districts_office_cannot_hold_its_event_at_a_districts_site(city: City) -> None:
    starts = clock.now() + dt.timedelta(days=1)

    with pytest.raises(NotFound):
        services.event_create(
            actor=city.b.officer,
            organizer=city.b.office,
            site=city.a.site,
            kind=EventKind.LECTURE,
            title_zh="借场地的讲座",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            capacity=10,
        )

    assert Event.objects.count() == 0


def test_a_bad_event_is_refused_field_by_field(city: City) -> None:
    starts = clock.now() + dt.timedelta(days=1)

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        services.event_create(
            actor=city.a.school_admin,
            organizer=city.a.school,
            kind="karaoke",
            title_zh=" ",
            starts_at=starts,
            ends_at=starts,
            capacity=0,
            counts_for_credit=True,
        )

    assert refused.value.fields == {
        "title_zh": ["Give the title in Chinese."],
        "kind": ["Choose what kind of event this is."],
        "ends_at": ["The event must end after it starts."],
        "capacity": ["Give from 1 to 100,000 places."],
        "credit_hours": ["Give the learning hours (more than 0, at most 100)."],
    }


def test_a_learning_week_event_falls_within_its_week(city: City) -> None:
    edition = make_edition(city)

    with pytest.raises(ValidationFailed) as refused:
        make_event(city, edition=edition, starts_in=dt.timedelta(days=30))

    assert list(refused.value.fields) == ["starts_at"]


def test_only_the_municipal_administration_sets_a_learning_week(city: City) -> None:
    with pytest.raises(PermissionDenied):
        services.edition_create(
            actor=city.a.officer,
            year=2030,
            theme_zh="主题",
            theme_en="",
            starts_on=dt.date(2030, 10, 20),
            ends_on=dt.date(2030, 10, 27),
        )


def test_a_year_has_one_learning_week(city: City) -> None:
    make_edition(city, year=2031)

    with pytest.raises(Conflict) as refused:
        make_edition(city, year=2031)

    assert refused.value.code == "edition_exists"


def test_participation_counts_per_event_district_and_edition(city: City) -> None:
    edition = make_edition(city)
    in_a = make_event(city, district="a", edition=edition, capacity=3)
    in_b = make_event(city, district="b", edition=edition, capacity=1)
    make_event(city, district="a")  # not part of the week
    came = register(make_resident(city), in_a)
    register(make_resident(city), in_a)
    register(make_resident(city), in_b)
    register(make_resident(city), in_b)  # waiting
    services.checkin_record(actor=city.root, code=services.ticket_token(came))

    counts = selectors.participation(viewer=city.root, year=edition.year)
    huangpu_only = selectors.participation(viewer=city.a.officer, year=edition.year)

    assert (counts.events, counts.registered, counts.attended) == (2, 3, 1)
    assert [(d.code, d.events, d.registered, d.attended) for d in counts.districts] == [
        ("310101", 1, 2, 1),
        ("310104", 1, 1, 0),
    ]
    assert {e.public_id: e.waitlisted for e in counts.by_event} == {
        str(in_a.public_id): 0,
        str(in_b.public_id): 1,
    }
    assert [d.code for d in huangpu_only.districts] == ["310101"]


def test_the_events_organizer_may_cancel_a_registration_for_the_learner(city: City) -> None:
    event = make_event(city, district="a")
    registration = register(make_resident(city, district="b"), event)

    services.registration_cancel(actor=city.a.school_admin, public_id=registration.public_id)

    assert Registration.objects.get(pk=registration.pk).status == S.CANCELLED


def test_the_reminder_task_reminds_its_event(city: City) -> None:
    event = make_event(city, starts_in=dt.timedelta(hours=3))
    register(make_resident(city), event)

    reminded = tasks.send_reminders.call(event.pk)

    assert reminded == 1
    assert Reminder.objects.count() == 1


def test_after_cancelling_one_may_register_again_at_the_end_of_the_queue(city: City) -> None:
    event = make_event(city, capacity=1)
    resident = make_resident(city)
    first = register(resident, event)
    services.registration_cancel(actor=resident.user, public_id=first.public_id)

    again = register(resident, event)

    assert (again.status, again.position) == (S.REGISTERED, 2)
    assert Registration.objects.filter(learner=resident).count() == 2
