import datetime as dt
import json
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import NinjaJSONEncoder

from learningcity.accounts.api import (
    ActiveSessionAuth,
    BearerTokenAuth,
    TokenHolderAuth,
    caller,
    optional_auth,
)
from learningcity.catalog.models import Class, Term
from learningcity.core.errors import NotFound, ValidationFailed
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.core.ratelimit import api_limit
from learningcity.enrollment import selectors, services
from learningcity.enrollment.choices import APPLY_PER_MINUTE
from learningcity.enrollment.models import Application
from learningcity.learners.models import Learner
from learningcity.learners.selectors import access_learner, own_learner
from learningcity.network.choices import Action

# A bearer token brings its user's learner record in the same query: residents act for
# themselves on most of these endpoints.
router = Router(
    tags=["enrollment"],
    auth=[BearerTokenAuth(related=("user__learner",)), ActiveSessionAuth()],
)


def _learner(request: HttpRequest, learner_id: uuid.UUID | None, action: str) -> Learner:
    """The caller's own learner record, or (for staff) the one named, if in scope."""
    if learner_id is not None:
        return access_learner(viewer=request.user, public_id=learner_id, action=action)
    # Fetched with the token, or now; None when the login has no learner.
    learner = own_learner(request.user)
    if learner is None:
        message = _("Name the learner (learner_id): this login is not a resident's.")
        raise ValidationFailed(message, fields={"learner_id": [message]})
    return learner


def _class(public_id: uuid.UUID) -> Class:
    klass = Class.objects.select_related("term").filter(public_id=public_id).first()
    if klass is None:
        raise NotFound(_("No such class."))
    return klass


class ApplicationIn(Schema):
    class_id: uuid.UUID
    rank: int = Field(1, ge=1, le=20)
    learner_id: uuid.UUID | None = Field(None, description="Staff applying for a resident")


class ApplicationOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    class_id: uuid.UUID = Field(..., alias="klass.public_id")
    course_title_zh: str = Field(..., alias="klass.course.title_zh")
    course_title_en: str = Field(..., alias="klass.course.title_en")
    term: str = Field(..., alias="term.code")
    rank: int
    status: str
    offer_expires_at: dt.datetime | None
    decided_at: dt.datetime | None


def _application_answer(application: Application) -> HttpResponse:
    """The 201 answer to an application, rendered as ApplicationOut renders it (the same
    names, and ninja's own JSON encoder for the uuids and times), from the application's
    fields directly: the hottest answer of a burst, where validating it through the schema
    took 28 µs and this takes 12. `test_api` pins that it equals what the schema renders."""
    klass = application.klass
    answer = {
        "id": application.public_id,
        "class_id": klass.public_id,
        "course_title_zh": klass.course.title_zh,
        "course_title_en": klass.course.title_en,
        "term": application.term.code,
        "rank": application.rank,
        "status": application.status,
        "offer_expires_at": application.offer_expires_at,
        "decided_at": application.decided_at,
    }
    return HttpResponse(
        json.dumps(answer, cls=NinjaJSONEncoder),
        status=201,
        content_type="application/json; charset=utf-8",
    )


@router.post(
    "/applications",
    response={201: ApplicationOut},
    # The token alone, without its user: a resident's own lottery application finds her
    # learner record in its INSERT; every other case reads the whole caller first.
    auth=[TokenHolderAuth(), ActiveSessionAuth()],
    summary="Apply for a class (one ranked choice)",
    description="Send an `Idempotency-Key` header: a retry returns the first application.",
)
@api_limit("enrollment.apply", limit=APPLY_PER_MINUTE, window=60)
def submit_application(request: HttpRequest, data: ApplicationIn) -> Any:
    key = request.headers.get("Idempotency-Key") or None
    application = None
    if data.learner_id is None:
        application = services.lottery_application_submit(
            actor=request.user, class_public_id=data.class_id, rank=data.rank, idempotency_key=key
        )
    if application is None:
        actor = caller(request)
        application = services.application_submit(
            actor=actor,
            learner=_learner(request, data.learner_id, Action.CHANGE),
            klass=selectors.class_for_application(public_id=data.class_id),
            rank=data.rank,
            idempotency_key=key,
        )
    return _application_answer(application)


class ApplicationFilters(Schema):
    learner_id: uuid.UUID | None = None
    term: str | None = Field(None, max_length=20)


@router.get(
    "/applications",
    response=list[ApplicationOut],
    summary="A learner's applications (your own, or for staff a resident's)",
)
@paginate(LimitOffsetPagination)
def list_applications(request: HttpRequest, filters: Query[ApplicationFilters]) -> Any:
    learner = _learner(request, filters.learner_id, Action.VIEW)
    applications = selectors.applications_of(viewer=request.user, learner=learner)
    if filters.term:
        applications = applications.filter(term__code=filters.term)
    return applications


class ExplanationOut(Schema):
    status: str
    rationing: str
    round: int | None
    reason: str | None
    tier: int | None
    in_group: bool
    lottery_number: str | None
    waitlist_position: int | None
    seats: int
    reserved: int
    applicants_in_round: int
    offered_in_round: int
    commitment: str | None
    seed: str | None


class ApplicationDetailOut(ApplicationOut):
    explanation: ExplanationOut


@router.get(
    "/applications/{application_id}",
    response=ApplicationDetailOut,
    summary="One application, with why it got what it got",
)
def get_application(request: HttpRequest, application_id: uuid.UUID) -> Any:
    application = selectors.access_application(viewer=request.user, public_id=application_id)
    application.explanation = selectors.application_explanation(  # type: ignore[attr-defined]
        application=application
    )
    return application


@router.post(
    "/applications/{application_id}/accept",
    response=ApplicationOut,
    summary="Accept an offered place",
)
def accept(request: HttpRequest, application_id: uuid.UUID) -> Any:
    return services.offer_accept(actor=request.user, public_id=application_id)


@router.post(
    "/applications/{application_id}/decline",
    response=ApplicationOut,
    summary="Decline an offered place (it goes to the waiting list)",
)
def decline(request: HttpRequest, application_id: uuid.UUID) -> Any:
    return services.offer_decline(actor=request.user, public_id=application_id)


@router.post(
    "/applications/{application_id}/withdraw",
    response=ApplicationOut,
    summary="Withdraw an application or give up a place",
)
def withdraw(request: HttpRequest, application_id: uuid.UUID) -> Any:
    return services.application_withdraw(actor=request.user, public_id=application_id)


class ApplicantOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    learner_name: str = Field(..., alias="learner.name")
    rank: int
    status: str
    tier: int | None = Field(..., description="Decided by the draw; empty until then")
    in_target_group: bool | None = Field(..., description="Decided by the draw; empty until then")


@router.get(
    "/classes/{class_id}/applicants",
    response=list[ApplicantOut],
    summary="Applicants to a class your organization runs",
)
@paginate(LimitOffsetPagination)
def applicants(request: HttpRequest, class_id: uuid.UUID) -> Any:
    return selectors.class_applicants(viewer=request.user, klass=_class(class_id))


class DrawOut(Schema):
    term: str
    applications: int
    offered: int
    waitlisted: int
    seconds: float
    results_digest: str


@router.post(
    "/terms/{term_code}/draw",
    response=DrawOut,
    summary="Run and publish a term's lottery (municipal administration)",
)
def run_draw(request: HttpRequest, term_code: str) -> Any:
    term = Term.objects.filter(code=term_code).first()
    if term is None:
        raise NotFound(_("No such term."))
    return services.lottery_draw(actor=request.user, term=term)


@router.get(
    "/draws/{term_code}",
    auth=optional_auth,
    summary="A term's draw as published: the commitment before, everything after",
    description="Verify it offline with `learningcity lottery verify --file FILE`.",
)
def published_draw(request: HttpRequest, term_code: str) -> Any:
    term = Term.objects.filter(code=term_code).first()
    if term is None:
        raise NotFound(_("No such term."))
    return selectors.draw_publication(draw=selectors.draw_for(term=term))


class SessionOut(Schema):
    id: int
    number: int
    on: dt.date


@router.post(
    "/classes/{class_id}/sessions",
    response=list[SessionOut],
    summary="Schedule the class's sessions and enrol its accepted learners",
)
def schedule_sessions(request: HttpRequest, class_id: uuid.UUID) -> Any:
    return services.sessions_schedule(actor=request.user, klass=_class(class_id))


@router.get(
    "/classes/{class_id}/sessions", response=list[SessionOut], summary="The class's sessions"
)
def list_sessions(request: HttpRequest, class_id: uuid.UUID) -> Any:
    return selectors.class_sessions(viewer=request.user, klass=_class(class_id))


class MarkIn(Schema):
    application_id: uuid.UUID
    present: bool


class AttendanceIn(Schema):
    marks: list[MarkIn] = Field(..., max_length=1000)


class AttendanceOut(Schema):
    recorded: int


@router.post(
    "/sessions/{session_id}/attendance",
    response=AttendanceOut,
    summary="Take the roll for a session",
)
def take_attendance(request: HttpRequest, session_id: int, data: AttendanceIn) -> Any:
    # The session first, through the caller's scope: another provider's session is 'not
    # found' before anything is said about the marks sent for it.
    session = selectors.access_session(
        viewer=request.user, session_id=session_id, action=Action.CHANGE
    )
    ids = dict(
        session.klass.applications.filter(
            public_id__in=[m.application_id for m in data.marks]
        ).values_list("public_id", "pk")
    )
    missing = [str(m.application_id) for m in data.marks if m.application_id not in ids]
    if missing:
        message = _("Some learners are not enrolled in this class.")
        raise ValidationFailed(message, fields={"marks": [message]})
    recorded = services.attendance_record(
        actor=request.user,
        session=session,
        marks={ids[m.application_id]: m.present for m in data.marks},
    )
    return {"recorded": recorded}


class CompletionOut(Schema):
    source: str
    completed: bool
    attendance_rate: str
    hours: str


@router.post(
    "/classes/{class_id}/complete",
    response=list[CompletionOut],
    summary="Close the class and decide who completed it",
)
def complete(request: HttpRequest, class_id: uuid.UUID) -> Any:
    events = services.class_complete(actor=request.user, klass=_class(class_id))
    return [
        {
            "source": e.source,
            "completed": e.completed,
            "attendance_rate": str(e.attendance_rate),
            "hours": str(e.hours),
        }
        for e in events
    ]
