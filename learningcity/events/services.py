"""Every change in the events app: editions, events, registration with a waiting list,
cancellation, check-in (which may write a credit-bank record) and reminders.

Places are counted on the event row and taken only by a conditional UPDATE
(`seats_taken < capacity`), with a check constraint behind it, so an event never overfills
however many people register at once. Registrations are kept from duplicates by unique
constraints and idempotency keys, never by a check beforehand."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record, idempotency_key_check
from learningcity.creditbank.choices import CreditCategory, RecordChannel
from learningcity.creditbank.services import record_from_completion
from learningcity.events.choices import (
    EventKind,
    EventLevel,
    EventStatus,
    RegistrationStatus,
    ReminderKind,
)
from learningcity.events.data import CheckInResult
from learningcity.events.errors import EventsErrorCode as Code
from learningcity.events.models import CheckIn, Edition, Event, Registration, Reminder
from learningcity.learners.models import Learner
from learningcity.network.choices import Action, AreaLevel
from learningcity.network.models import Area, LearningSite, Organization, actor_scope

TICKET_SALT = "learningcity.events.ticket"
# No 0/O, 1/I/L: staff read the code off a printed ticket to a 75-year-old's face.
TICKET_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TICKET_LENGTH = 10
CAPACITY_MAX = 100_000
REMIND_BEFORE = dt.timedelta(days=1)


def _fields(**messages: str) -> dict[str, list[str]]:
    return {name: [message] for name, message in messages.items()}


def _may_act_for(actor: Any, learner: Learner) -> bool:
    """A resident acts for themselves; staff for residents in their scope."""
    if getattr(actor, "pk", None) is not None and learner.user_id == actor.pk:
        return True
    return Learner.objects.restrict(actor, Action.CHANGE).filter(pk=learner.pk).exists()


# Editions -------------------------------------------------------------------------------------


@transaction.atomic
def edition_create(
    *, actor: Any, year: int, theme_zh: str, theme_en: str, starts_on: dt.date, ends_on: dt.date
) -> Edition:
    """A year's Lifelong Learning Week; the municipal administration sets it."""
    if not actor_scope(actor, Action.CHANGE).everything:
        raise PermissionDenied(_("Only the municipal administration sets a Learning Week."))
    errors: dict[str, list[str]] = {}
    if not theme_zh.strip():
        errors.update(_fields(theme_zh=_("Give the theme in Chinese.")))
    if ends_on < starts_on:
        errors.update(_fields(ends_on=_("The last day cannot be before the first.")))
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    try:
        with transaction.atomic():
            edition = Edition.objects.create(
                year=year,
                theme_zh=theme_zh.strip(),
                theme_en=theme_en.strip(),
                starts_on=starts_on,
                ends_on=ends_on,
            )
    except IntegrityError:
        message = _("There is already a Learning Week in %(year)s.") % {"year": year}
        raise Conflict(message, code=Code.EDITION_EXISTS, fields=_fields(year=message)) from None
    audit_record(actor=actor, action="events.edition_create", subject=f"edition:{year}")
    return edition


# Events ---------------------------------------------------------------------------------------


def _district_of(area: Area) -> Area | None:
    """The district an area lies in: the second segment of its path."""
    if area.level == AreaLevel.DISTRICT:
        return area
    parts = [p for p in area.path.split("/") if p]
    if len(parts) < 2:
        return None
    return Area.objects.filter(code=parts[1]).first()


def _level_of(organizer: Organization) -> str:
    levels: dict[str, str] = {
        AreaLevel.CITY: EventLevel.MUNICIPAL,
        AreaLevel.DISTRICT: EventLevel.DISTRICT,
        AreaLevel.TOWN: EventLevel.TOWN,
    }
    return levels.get(organizer.area.level, EventLevel.SITE)


@transaction.atomic
def event_create(
    *,
    actor: Any,
    organizer: Organization,
    kind: str,
    title_zh: str,
    title_en: str = "",
    description_zh: str = "",
    description_en: str = "",
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    site: LearningSite | None = None,
    edition: Edition | None = None,
    level: str | None = None,
    registration_opens_at: dt.datetime | None = None,
    registration_closes_at: dt.datetime | None = None,
    counts_for_credit: bool = False,
    credit_hours: Decimal = Decimal("0"),
    credit_category: str = CreditCategory.CULTURE_LEISURE,
) -> Event:
    """Publish an event of an organization the actor may change. Its area is the site's (or
    the organizer's when it has no site); its accessibility is the site's. Registration
    opens now and closes when it starts, unless told otherwise."""
    if not Organization.objects.restrict(actor, Action.CHANGE).filter(pk=organizer.pk).exists():
        raise NotFound(_("No such organization."))
    # A site is used only by those who may change it: another district's office may not put
    # its events in a district's learning site.
    if (
        site is not None
        and not LearningSite.objects.restrict(actor, Action.CHANGE).filter(pk=site.pk).exists()
    ):
        no_site = _("No such learning site.")
        raise NotFound(no_site, fields=_fields(site=no_site))
    opens = registration_opens_at or clock.now()
    closes = registration_closes_at or starts_at
    errors: dict[str, list[str]] = {}
    if not title_zh.strip():
        errors.update(_fields(title_zh=_("Give the title in Chinese.")))
    if kind not in EventKind.values:
        errors.update(_fields(kind=_("Choose what kind of event this is.")))
    if level is not None and level not in EventLevel.values:
        errors.update(_fields(level=_("Choose the event's level.")))
    if ends_at <= starts_at:
        errors.update(_fields(ends_at=_("The event must end after it starts.")))
    if not 1 <= capacity <= CAPACITY_MAX:
        errors.update(
            _fields(capacity=_("Give from 1 to %(max)s places.") % {"max": f"{CAPACITY_MAX:,}"})
        )
    if closes <= opens:
        errors.update(_fields(registration_closes_at=_("Registration must close after it opens.")))
    elif closes > ends_at > starts_at:
        errors.update(
            _fields(registration_closes_at=_("Registration must close before the event ends."))
        )
    if counts_for_credit and not Decimal("0") < credit_hours <= Decimal("100"):
        errors.update(
            _fields(credit_hours=_("Give the learning hours (more than 0, at most 100)."))
        )
    if credit_category not in CreditCategory.values:
        errors.update(_fields(credit_category=_("Choose a credit-bank category.")))
    if site is not None and not site.is_active:
        errors.update(_fields(site=_("This learning site is closed.")))
    if edition is not None:
        day = timezone.localtime(starts_at).date()
        if not edition.starts_on <= day <= edition.ends_on:
            errors.update(
                _fields(
                    starts_at=_("A Learning Week event takes place between %(first)s and %(last)s.")
                    % {"first": edition.starts_on.isoformat(), "last": edition.ends_on.isoformat()}
                )
            )
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    area = site.area if site is not None else organizer.area
    event = Event.objects.create(
        edition=edition,
        level=level or _level_of(organizer),
        kind=kind,
        organizer=organizer,
        area=area,
        district=_district_of(area),
        site=site,
        title_zh=title_zh.strip(),
        title_en=title_en.strip(),
        description_zh=description_zh.strip(),
        description_en=description_en.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        registration_opens_at=opens,
        registration_closes_at=closes,
        step_free=bool(site and site.step_free),
        accessible_toilet=bool(site and site.accessible_toilet),
        hearing_loop=bool(site and site.hearing_loop),
        counts_for_credit=counts_for_credit,
        credit_hours=credit_hours if counts_for_credit else Decimal("0"),
        credit_category=credit_category,
        created_by_id=getattr(actor, "pk", None),
    )
    audit_record(
        actor=actor,
        action="events.event_create",
        subject=f"event:{event.public_id}",
        data={"organizer": organizer.code, "capacity": capacity, "credit": counts_for_credit},
    )
    _schedule_reminders(event)
    return event


def _schedule_reminders(event: Event) -> None:
    from learningcity.events.tasks import send_reminders  # the task calls these services

    when = max(event.starts_at - REMIND_BEFORE, clock.now())
    event_id = event.pk
    transaction.on_commit(lambda: send_reminders.using(run_after=when).enqueue(event_id))


# Registration -------------------------------------------------------------------------------


def registration_create(
    *, actor: Any, learner: Learner, event: Event, idempotency_key: str | None = None
) -> Registration:
    """Register for an event: a place if one is left, else the end of the waiting list. A
    retry with the same key returns the first registration, even when the copies race."""
    if idempotency_key:
        idempotency_key_check(idempotency_key)
    try:
        return _register(actor=actor, learner=learner, event=event, key=idempotency_key)
    except (Conflict, ValidationFailed):
        if not idempotency_key:
            raise
        first = Registration.objects.filter(
            learner_id=learner.pk, idempotency_key=idempotency_key
        ).first()
        if first is None:
            raise
        if first.event_id != event.pk:
            message = _("This idempotency key was already used for a different request.")
            raise Conflict(
                message, code="idempotency_key_reused", fields=_fields(idempotency_key=message)
            ) from None
        return first


def _register(*, actor: Any, learner: Learner, event: Event, key: str | None) -> Registration:
    if not _may_act_for(actor, learner):
        raise NotFound(_("No such learner."))
    now = clock.now()
    if event.status != EventStatus.PUBLISHED:
        raise Conflict(_("This event has been cancelled."), code=Code.EVENT_CANCELLED)
    if not event.registration_opens_at <= now < event.registration_closes_at:
        raise Conflict(
            _("Registration for this event is not open now."), code=Code.REGISTRATION_CLOSED
        )
    try:
        with transaction.atomic():
            # Takes the event row's lock until commit: the queue number below is ours.
            Event.objects.filter(pk=event.pk).update(registrations_made=F("registrations_made") + 1)
            position = (
                Event.objects.filter(pk=event.pk).values_list("registrations_made", flat=True).get()
            )
            took_place = Event.objects.filter(pk=event.pk, seats_taken__lt=F("capacity")).update(
                seats_taken=F("seats_taken") + 1
            )
            registration = Registration(
                event=event,
                learner=learner,
                status=RegistrationStatus.REGISTERED
                if took_place
                else RegistrationStatus.WAITLISTED,
                position=position,
                ticket_code=_new_ticket_code(),
                registered_by_id=getattr(actor, "pk", None),
                idempotency_key=key,
            )
            registration.save(force_insert=True)
            audit_record(
                actor=actor,
                action=f"events.registration_{registration.status}",
                subject=f"event:{event.public_id}",
                data={"registration": str(registration.public_id)},
            )
    except IntegrityError:
        message = _("You are already registered for this event.")
        raise Conflict(message, code=Code.ALREADY_REGISTERED) from None
    return registration


def _new_ticket_code() -> str:
    return "".join(secrets.choice(TICKET_ALPHABET) for _i in range(TICKET_LENGTH))


@transaction.atomic
def registration_cancel(*, actor: Any, public_id: Any) -> Registration:
    """Give up a place (or leave the waiting list): the learner, staff acting for them, or the
    event's organizers. A freed place goes at once to the first on the waiting list.
    Cancelling twice changes nothing."""
    found = Registration.objects.filter(public_id=public_id).values_list("event_id").first()
    if found is None:
        raise NotFound(_("No such registration."))
    # The event row first, then the registration: the order every writer here locks in.
    Event.objects.select_for_update().filter(pk=found[0]).values_list("pk").get()
    registration = (
        Registration.objects.select_for_update()
        .select_related("event", "learner")
        .get(public_id=public_id)
    )
    organizer = Event.objects.restrict(actor, Action.CHANGE).filter(pk=registration.event_id)
    if not (_may_act_for(actor, registration.learner) or organizer.exists()):
        raise NotFound(_("No such registration."))
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    if registration.status == RegistrationStatus.ATTENDED:
        raise Conflict(
            _("You have already attended this event; it cannot be cancelled."),
            code=Code.WRONG_STATUS,
        )
    held_place = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = clock.now()
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    audit_record(
        actor=actor,
        action="events.registration_cancelled",
        subject=f"event:{registration.event.public_id}",
        data={"registration": str(registration.public_id), "held_place": held_place},
    )
    if held_place:
        Event.objects.filter(pk=registration.event_id, seats_taken__gt=0).update(
            seats_taken=F("seats_taken") - 1
        )
        waitlist_promote(event_id=registration.event_id)
    return registration


@transaction.atomic
def waitlist_promote(*, event_id: int) -> list[Registration]:
    """Give free places to the waiting list, first come first served. Safe to run twice or
    at once: the event row is locked, and each place is taken conditionally."""
    Event.objects.select_for_update().filter(pk=event_id).values_list("pk").get()
    promoted: list[Registration] = []
    waiting = Registration.objects.select_for_update().filter(
        event_id=event_id, status=RegistrationStatus.WAITLISTED
    )
    for registration in waiting.order_by("position"):
        took_place = Event.objects.filter(pk=event_id, seats_taken__lt=F("capacity")).update(
            seats_taken=F("seats_taken") + 1
        )
        if not took_place:
            break
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = clock.now()
        registration.save(update_fields=["status", "promoted_at", "updated_at"])
        audit_record(
            actor=None,
            action="events.registration_promoted",
            subject=f"registration:{registration.public_id}",
        )
        promoted.append(registration)
    return promoted


# Tickets and check-in -----------------------------------------------------------------------


def ticket_token(registration: Registration) -> str:
    """What the ticket's QR code holds: the registration's id, signed, so a code cannot be
    made up or altered."""
    return signing.Signer(salt=TICKET_SALT).sign(str(registration.public_id))


def _ticket_registration(code: str) -> Registration | None:
    """The registration a scanned token or a typed ticket code names, or None."""
    code = code.strip()
    if ":" in code:
        try:
            public_id = signing.Signer(salt=TICKET_SALT).unsign(code)
        except signing.BadSignature:
            return None
        return Registration.objects.filter(public_id=public_id).first()
    typed = code.upper().replace(" ", "").replace("-", "")
    if len(typed) != TICKET_LENGTH:
        return None
    return Registration.objects.filter(ticket_code=typed).first()


def checkin_record(
    *,
    actor: Any,
    code: str,
    event: Event | None = None,
    scanned_at: dt.datetime | None = None,
) -> CheckInResult:
    """Check a ticket in at the door (scanned QR token or typed ticket code), by staff who
    may change the event. Idempotent: a second scan (or a queued copy synced later) answers
    with the first check-in. Where the organizer said so, attendance becomes a verified
    learning record in the credit bank, in the same transaction."""
    found = _ticket_registration(code)
    refused = _("This is not a valid ticket.")
    if found is None:
        raise ValidationFailed(refused, code=Code.BAD_TICKET, fields=_fields(code=refused))
    if not Event.objects.restrict(actor, Action.CHANGE).filter(pk=found.event_id).exists():
        raise NotFound(_("No such ticket among the events you manage."))
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update()
            .select_related("event__organizer", "learner")
            .get(pk=found.pk)
        )
        title = registration.event.title
        if event is not None and registration.event_id != event.pk:
            message = _("This ticket is for another event: %(title)s.") % {"title": title}
            raise Conflict(message, code=Code.NOT_THIS_EVENT, fields=_fields(code=message))
        if registration.status == RegistrationStatus.ATTENDED:
            first = CheckIn.objects.get(registration=registration)
            return _result(registration, first, already=True)
        if registration.status != RegistrationStatus.REGISTERED:
            if registration.status == RegistrationStatus.WAITLISTED:
                message = _("This ticket is still on the waiting list: no place yet.")
            else:
                message = _("This registration was cancelled.")
            raise Conflict(message, code=Code.NOT_REGISTERED, fields=_fields(code=message))
        now = clock.now()
        check_in = CheckIn(
            registration=registration,
            checked_in_at=now,
            scanned_at=min(scanned_at, now) if scanned_at else None,
            checked_in_by_id=getattr(actor, "pk", None),
        )
        registration.status = RegistrationStatus.ATTENDED
        registration.save(update_fields=["status", "updated_at"])
        if registration.event.counts_for_credit:
            check_in.record_source = _bank(registration)
        check_in.save(force_insert=True)
        audit_record(
            actor=actor,
            action="events.check_in",
            subject=f"registration:{registration.public_id}",
            data={"event": str(registration.event.public_id), "record": check_in.record_source},
        )
        return _result(registration, check_in, already=False)


def _result(registration: Registration, check_in: CheckIn, *, already: bool) -> CheckInResult:
    return CheckInResult(
        registration_id=str(registration.public_id),
        learner_name=registration.learner.name,
        event_title=registration.event.title,
        already=already,
        checked_in_at=check_in.checked_in_at.isoformat(),
    )


def _bank(registration: Registration) -> str:
    """The attendance as a verified learning record: the credit bank's standard for its
    category and the organizer's provider system decides the credits (and audits them)."""
    event = registration.event
    source = f"events:{registration.public_id}"
    record_from_completion(
        source=source,
        learner_id=registration.learner_id,
        provider_code=event.organizer.code,
        category=event.credit_category,
        title=event.title_zh or event.title_en,
        course_code=f"EVENT-{event.pk}",
        completed=True,
        attendance_rate=Decimal("100"),
        hours=event.credit_hours,
        completed_on=timezone.localtime(event.starts_at).date(),
        channel=RecordChannel.EVENT,
    )
    return source


# Reminders ------------------------------------------------------------------------------------


def reminders_send(*, event_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Remind everyone registered for an event starting within a day (of one event, or all).
    There is no notification outbox yet: the reminder is a row the resident reads on their
    ticket. Running it again reminds no one twice."""
    now = now or clock.now()
    events = Event.objects.published().filter(starts_at__gt=now, starts_at__lte=now + REMIND_BEFORE)
    if event_id is not None:
        events = events.filter(pk=event_id)
    due = Registration.objects.filter(
        event__in=events, status=RegistrationStatus.REGISTERED
    ).exclude(reminders__kind=ReminderKind.DAY_BEFORE)
    rows = [
        Reminder(registration_id=pk, kind=ReminderKind.DAY_BEFORE)
        for pk in due.values_list("pk", flat=True)
    ]
    made = Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(made)
