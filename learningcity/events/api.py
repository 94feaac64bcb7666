"""The events API: the public calendar; residents register, cancel and read their tickets;
organizers publish events, manage registrations, export participants and check tickets in."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from learningcity.accounts.api import ActiveSessionAuth, BearerTokenAuth, optional_auth
from learningcity.core.errors import NotFound, PermissionDenied, ValidationFailed
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.events import selectors, services
from learningcity.events.views import participants_csv
from learningcity.learners.models import Learner
from learningcity.learners.selectors import access_learner
from learningcity.network.choices import Action
from learningcity.network.models import LearningSite

router = Router(
    tags=["events"],
    auth=[BearerTokenAuth(related=("user__learner",)), ActiveSessionAuth()],
)


def _learner(request: HttpRequest, learner_id: uuid.UUID | None) -> Learner:
    """The caller's own learner record, or (for staff) the one named, if in scope."""
    if learner_id is not None:
        return access_learner(viewer=request.user, public_id=learner_id, action=Action.CHANGE)
    learner: Learner | None = getattr(request.user, "learner", None) if request.user.pk else None
    if learner is None:
        message = _("Name the learner (learner_id): this login is not a resident's.")
        raise ValidationFailed(message, fields={"learner_id": [message]})
    return learner


class DistrictOut(Schema):
    code: str
    name_zh: str
    name_en: str


class OrganizerOut(Schema):
    code: str
    name_zh: str
    name_en: str


class SiteOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    name_zh: str
    name_en: str
    address_zh: str


class EventOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    edition: int | None = Field(None, alias="edition.year")
    level: str
    kind: str
    title_zh: str
    title_en: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    district: DistrictOut | None
    organizer: OrganizerOut
    site: SiteOut | None
    capacity: int
    places_left: int
    registration_opens_at: dt.datetime
    registration_closes_at: dt.datetime
    step_free: bool
    accessible_toilet: bool
    hearing_loop: bool
    counts_for_credit: bool
    credit_hours: Decimal
    status: str


class EventDetailOut(EventOut):
    description_zh: str
    description_en: str


class CalendarQuery(Schema):
    edition: int | None = Field(None, description="Learning Week year", ge=2000, le=2100)
    district: str | None = Field(None, max_length=12, description="District code")
    on: dt.date | None = Field(None, description="Events starting on this day")
    from_date: dt.date | None = Field(None, description="Events starting on or after this day")
    kind: str | None = Field(None, max_length=20)
    step_free: bool = False
    hearing_loop: bool = False
    q: str = Field("", max_length=100, description="Words in the title, description or place")


@router.get(
    "/events",
    response=list[EventOut],
    auth=optional_auth,
    summary="The city calendar: events, e.g. a Learning Week's (?edition=YEAR), with districts",
)
@paginate(LimitOffsetPagination)
def list_events(request: HttpRequest, filters: Query[CalendarQuery]) -> Any:
    return selectors.event_calendar(filters=selectors.CalendarFilters(**filters.dict()))


class EditionOut(Schema):
    year: int
    theme_zh: str
    theme_en: str
    starts_on: dt.date
    ends_on: dt.date


@router.get(
    "/events/editions", response=list[EditionOut], auth=optional_auth, summary="Learning Weeks"
)
def list_editions(request: HttpRequest) -> Any:
    return selectors.editions()


class DistrictCountOut(Schema):
    code: str
    name: str
    events: int
    registered: int
    attended: int


class EventCountOut(Schema):
    public_id: str
    title: str
    district_code: str
    registered: int
    waitlisted: int
    attended: int


class ParticipationOut(Schema):
    year: int
    events: int
    registered: int
    attended: int
    districts: list[DistrictCountOut]
    by_event: list[EventCountOut]


@router.get(
    "/events/participation",
    response=ParticipationOut,
    summary="A Learning Week's participation per event and district, over your scope",
)
def participation(request: HttpRequest, edition: int = Query(..., ge=2000, le=2100)) -> Any:
    return selectors.participation(viewer=request.user, year=edition)


# Residents --------------------------------------------------------------------------------------


class TicketOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    event_id: uuid.UUID = Field(..., alias="event.public_id")
    event_title_zh: str = Field(..., alias="event.title_zh")
    event_title_en: str = Field(..., alias="event.title_en")
    starts_at: dt.datetime = Field(..., alias="event.starts_at")
    status: str
    position: int
    ticket_code: str


class TicketDetailOut(TicketOut):
    token: str = Field(..., description="What the ticket's QR code holds (signed)")
    waitlist_place: int | None


@router.get("/events/tickets", response=list[TicketOut], summary="Your event tickets")
@paginate(LimitOffsetPagination)
def my_tickets(request: HttpRequest) -> Any:
    learner: Learner | None = getattr(request.user, "learner", None) if request.user.pk else None
    if learner is None:
        raise PermissionDenied(_("This login is not a resident's."))
    return selectors.tickets_of(learner=learner)


def _detail(registration: Any) -> Any:
    registration.token = services.ticket_token(registration)
    registration.waitlist_place = selectors.waitlist_place(registration=registration)
    return registration


@router.get("/events/tickets/{ticket_id}", response=TicketDetailOut, summary="One ticket")
def get_ticket(request: HttpRequest, ticket_id: uuid.UUID) -> Any:
    return _detail(selectors.access_ticket(viewer=request.user, public_id=ticket_id))


@router.post(
    "/events/tickets/{ticket_id}/cancel",
    response=TicketOut,
    summary="Cancel a registration (a freed place goes to the waiting list); idempotent",
)
def cancel_ticket(request: HttpRequest, ticket_id: uuid.UUID) -> Any:
    return services.registration_cancel(actor=request.user, public_id=ticket_id)


class CheckInIn(Schema):
    code: str = Field(..., min_length=1, max_length=200, description="Scanned token or ticket code")
    event_id: uuid.UUID | None = Field(None, description="Refuse tickets of other events")
    scanned_at: dt.datetime | None = Field(None, description="When a queued scan was made")


class CheckInOut(Schema):
    registration_id: str
    learner_name: str
    event_title: str
    already: bool
    checked_in_at: str


@router.post(
    "/events/checkins",
    response=CheckInOut,
    summary="Check a ticket in (staff); a repeat answers with the first check-in",
)
def check_in(request: HttpRequest, data: CheckInIn) -> Any:
    event = None
    if data.event_id is not None:
        event = selectors.access_event(
            viewer=request.user, public_id=data.event_id, action=Action.CHANGE
        )
    return services.checkin_record(
        actor=request.user, code=data.code, event=event, scanned_at=data.scanned_at
    )


# Organizers -------------------------------------------------------------------------------------


@router.get(
    "/events/organized",
    response=list[EventOut],
    summary="Events of your organization subtree (or your office's area)",
)
@paginate(LimitOffsetPagination)
def organized(request: HttpRequest) -> Any:
    return selectors.events_managed(viewer=request.user)


class EventIn(Schema):
    organizer: str = Field(..., max_length=32, description="Organizer's code")
    kind: str = Field(..., max_length=20)
    level: str | None = Field(None, max_length=12)
    title_zh: str = Field(..., max_length=200)
    title_en: str = Field("", max_length=200)
    description_zh: str = Field("", max_length=5000)
    description_en: str = Field("", max_length=5000)
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int = Field(..., ge=1, le=100_000)
    site_id: uuid.UUID | None = None
    edition: int | None = Field(None, ge=2000, le=2100)
    registration_opens_at: dt.datetime | None = None
    registration_closes_at: dt.datetime | None = None
    counts_for_credit: bool = False
    credit_hours: Decimal = Field(Decimal("0"), ge=0, le=100, decimal_places=1)


@router.post("/events", response={201: EventDetailOut}, summary="Publish an event")
def create_event(request: HttpRequest, data: EventIn) -> Any:
    organizer = selectors.organizers_for(viewer=request.user).filter(code=data.organizer).first()
    if organizer is None:
        raise NotFound(_("No such organization."))
    site = None
    if data.site_id is not None:
        site = LearningSite.objects.filter(public_id=data.site_id).select_related("area").first()
        if site is None:
            raise NotFound(_("No such learning site."))
    edition = selectors.edition_get(year=data.edition) if data.edition else None
    event = services.event_create(
        actor=request.user,
        organizer=organizer,
        kind=data.kind,
        level=data.level,
        title_zh=data.title_zh,
        title_en=data.title_en,
        description_zh=data.description_zh,
        description_en=data.description_en,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        capacity=data.capacity,
        site=site,
        edition=edition,
        registration_opens_at=data.registration_opens_at,
        registration_closes_at=data.registration_closes_at,
        counts_for_credit=data.counts_for_credit,
        credit_hours=data.credit_hours,
    )
    return Status(201, selectors.event_public(public_id=event.public_id))


@router.get("/events/{event_id}", response=EventDetailOut, auth=optional_auth, summary="One event")
def get_event(request: HttpRequest, event_id: uuid.UUID) -> Any:
    return selectors.event_public(public_id=event_id)


class RegisterIn(Schema):
    learner_id: uuid.UUID | None = Field(None, description="Staff registering a resident")


@router.post(
    "/events/{event_id}/registrations",
    response={201: TicketOut},
    summary="Register for an event (a place, or the waiting list)",
    description="Send an `Idempotency-Key` header: a retry returns the first registration.",
)
def register(request: HttpRequest, event_id: uuid.UUID, data: RegisterIn) -> Any:
    registration = services.registration_create(
        actor=request.user,
        learner=_learner(request, data.learner_id),
        event=selectors.event_public(public_id=event_id),
        idempotency_key=request.headers.get("Idempotency-Key") or None,
    )
    return Status(201, registration)


class RegistrationOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    learner_name: str = Field(..., alias="learner.name")
    status: str
    position: int
    created_at: dt.datetime


@router.get(
    "/events/{event_id}/registrations",
    response=list[RegistrationOut],
    summary="An event's registrations, in queue order (organizers)",
)
@paginate(LimitOffsetPagination)
def registrations(request: HttpRequest, event_id: uuid.UUID) -> Any:
    event = selectors.access_event(viewer=request.user, public_id=event_id)
    return selectors.event_registrations(viewer=request.user, event=event)


@router.get(
    "/events/{event_id}/participants.csv",
    summary="An event's participants as CSV (organizers)",
    response={200: None},
)
def participants(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    event = selectors.access_event(viewer=request.user, public_id=event_id)
    return participants_csv(event, selectors.event_registrations(viewer=request.user, event=event))
