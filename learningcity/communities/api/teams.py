"""Learning teams: the public list and pages, founding, joining, the log, reviews."""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from learningcity.accounts.api import optional_auth
from learningcity.communities import selectors, services
from learningcity.communities.api.common import AnswerIn, key_of, router, team_of
from learningcity.communities.choices import (
    MemberRole,
    ReviewOutcome,
    TeamStatus,
    TeamTopic,
)
from learningcity.communities.services.common import leads, learner_of, oversees
from learningcity.core.errors import NotFound, ValidationFailed
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.network.choices import Action
from learningcity.network.models import Area, LearningSite

# Learning teams -------------------------------------------------------------------------------


class TeamOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    name_zh: str
    name_en: str
    topic: TeamTopic
    status: TeamStatus
    description: str
    town: str = Field(..., alias="area.code")
    town_name_zh: str = Field(..., alias="area.name_zh")
    district: str = Field(..., alias="area.parent.code")
    site_id: uuid.UUID | None = Field(None, alias="site.public_id")
    meeting_place: str
    schedule: str
    step_free: bool | None = Field(None, alias="site.step_free")
    members: int
    star: bool = Field(False, description="This year's star learning team")


class TeamFilters(Schema):
    district: str | None = Field(None, max_length=12)
    town: str | None = Field(None, max_length=12)
    topic: TeamTopic | None = None
    step_free: bool | None = None
    accessible_toilet: bool | None = None
    hearing_loop: bool | None = None
    q: str | None = Field(None, max_length=100)


@router.get(
    "/communities/teams",
    response=list[TeamOut],
    auth=optional_auth,
    summary="Approved learning teams, by district, town, topic, step-free site or words",
)
@paginate(LimitOffsetPagination)
def list_teams(request: HttpRequest, filters: Query[TeamFilters]) -> Any:
    return selectors.team_list(
        district_code=filters.district,
        town_code=filters.town,
        topic=filters.topic,
        step_free=filters.step_free,
        accessible_toilet=filters.accessible_toilet,
        hearing_loop=filters.hearing_loop,
        q=filters.q,
    )


@router.get(
    "/communities/teams/{team_id}",
    response=TeamOut,
    auth=optional_auth,
    summary="One learning team (a pending one only for its members and its school)",
)
def get_team(request: HttpRequest, team_id: uuid.UUID) -> Any:
    return selectors.access_team(viewer=request.user, public_id=team_id)


class TeamIn(Schema):
    name_zh: str = Field(..., max_length=100)
    name_en: str = Field("", max_length=150)
    topic: TeamTopic
    description: str = Field("", max_length=2000)
    town: str = Field(..., max_length=12, description="Code of the town / subdistrict")
    site_id: uuid.UUID | None = None
    meeting_place: str = Field("", max_length=200)
    schedule: str = Field(..., max_length=200)


@router.post(
    "/communities/teams",
    response={201: TeamOut},
    summary="Apply to found a learning team (residents); send an Idempotency-Key",
)
def apply_team(request: HttpRequest, data: TeamIn) -> Any:
    site = None
    if data.site_id is not None:
        site = LearningSite.objects.select_related("area").filter(public_id=data.site_id).first()
        if site is None:
            message = _("No such learning site.")
            raise ValidationFailed(message, fields={"site_id": [message]})
    team = services.team_apply(
        actor=request.user,
        name_zh=data.name_zh,
        name_en=data.name_en,
        topic=data.topic,
        description=data.description,
        town=Area.objects.filter(code=data.town).first(),
        site=site,
        meeting_place=data.meeting_place,
        schedule=data.schedule,
        idempotency_key=key_of(request),
    )
    return Status(201, selectors.access_team(viewer=request.user, public_id=team.public_id))


class DecisionIn(Schema):
    approve: bool
    reason: str = Field("", max_length=500)


@router.post(
    "/communities/teams/{team_id}/decision",
    response=TeamOut,
    summary="Approve or reject a team (its town's community school or office)",
)
def decide_team(request: HttpRequest, team_id: uuid.UUID, data: DecisionIn) -> Any:
    services.team_decide(
        actor=request.user, public_id=team_id, approve=data.approve, reason=data.reason
    )
    return selectors.access_team(viewer=request.user, public_id=team_id)


class StaffTeamFilters(Schema):
    status: TeamStatus | None = None


@router.get(
    "/communities/staff/teams",
    response=list[TeamOut],
    summary="Teams the caller oversees (e.g. status=pending: applications to decide)",
)
@paginate(LimitOffsetPagination)
def staff_teams(request: HttpRequest, filters: Query[StaffTeamFilters]) -> Any:
    return selectors.team_list_staff(viewer=request.user, status=filters.status)


class MembershipOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    team_id: uuid.UUID = Field(..., alias="team.public_id")
    team_name_zh: str = Field(..., alias="team.name_zh")
    role: str
    status: str


@router.post(
    "/communities/teams/{team_id}/join",
    response={201: MembershipOut},
    summary="Ask to join a team (asking again returns the same request)",
)
def join_team(request: HttpRequest, team_id: uuid.UUID) -> Any:
    return Status(201, services.team_join(actor=request.user, public_id=team_id))


@router.post("/communities/teams/{team_id}/leave", response=MembershipOut, summary="Leave a team")
def leave_team(request: HttpRequest, team_id: uuid.UUID) -> Any:
    return services.team_leave(actor=request.user, public_id=team_id)


@router.get("/communities/me/teams", response=list[MembershipOut], summary="The caller's teams")
@paginate(LimitOffsetPagination)
def my_teams(request: HttpRequest) -> Any:
    return selectors.teams_of(learner=learner_of(request.user))


class MemberOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    name: str = Field(..., alias="learner.name")
    role: str
    status: str


@router.get(
    "/communities/teams/{team_id}/requests",
    response=list[MemberOut],
    summary="Requests to join (the leader, deputies and the school)",
)
@paginate(LimitOffsetPagination)
def team_requests(request: HttpRequest, team_id: uuid.UUID) -> Any:
    team = team_of(team_id)
    if not (leads(request.user, team) or oversees(request.user, team, Action.VIEW)):
        raise NotFound(_("No such learning team."))
    return selectors.join_requests(team=team)


@router.post(
    "/communities/memberships/{membership_id}/decision",
    response=MemberOut,
    summary="Let a resident in, or not (leader, deputy, school)",
)
def decide_membership(request: HttpRequest, membership_id: uuid.UUID, data: AnswerIn) -> Any:
    return services.membership_decide(
        actor=request.user, public_id=membership_id, accept=data.accept
    )


class RoleIn(Schema):
    role: MemberRole


@router.post(
    "/communities/memberships/{membership_id}/role",
    response=MemberOut,
    summary="Make a member deputy, member again, or the new leader (the leader or the school)",
)
def set_role(request: HttpRequest, membership_id: uuid.UUID, data: RoleIn) -> Any:
    return services.member_role_set(actor=request.user, public_id=membership_id, role=data.role)


class ActivityOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    held_on: dt.date
    title: str
    description: str
    attendees: int
    photos: int


class ActivityIn(Schema):
    held_on: dt.date
    title: str = Field(..., max_length=150)
    description: str = Field("", max_length=4000)
    attendees: int = Field(0, ge=0, le=10000)


def _activity_out(activity: Any) -> dict[str, Any]:
    return {
        "public_id": activity.public_id,
        "held_on": activity.held_on,
        "title": activity.title,
        "description": activity.description,
        "attendees": activity.attendees,
        "photos": activity.photos.count(),
    }


@router.post(
    "/communities/teams/{team_id}/activities",
    response={201: ActivityOut},
    summary="Log an activity (members); multipart with up to 6 photos; send an Idempotency-Key",
)
def log_activity(
    request: HttpRequest,
    team_id: uuid.UUID,
    data: Form[ActivityIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    photo_descriptions: Form[list[str]] = None,  # type: ignore[assignment]
) -> Any:
    uploads = list(photos or [])
    captions = list(photo_descriptions or [])
    captions += [""] * (len(uploads) - len(captions))
    activity = services.activity_log(
        actor=request.user,
        public_id=team_id,
        held_on=data.held_on,
        title=data.title,
        description=data.description,
        attendees=data.attendees,
        photos=list(zip(uploads, captions, strict=False)),
        idempotency_key=key_of(request),
    )
    return Status(201, _activity_out(activity))


@router.get(
    "/communities/teams/{team_id}/activities",
    response=list[ActivityOut],
    auth=optional_auth,
    summary="A team's activity log",
)
@paginate(LimitOffsetPagination)
def list_activities(request: HttpRequest, team_id: uuid.UUID) -> Any:
    team = selectors.access_team(viewer=request.user, public_id=team_id)
    return [_activity_out(a) for a in selectors.activity_list(team=team)[:500]]


class ReviewIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    outcome: ReviewOutcome
    comments: str = Field(..., max_length=1000)


class ReviewOut(Schema):
    team_id: uuid.UUID = Field(..., alias="team.public_id")
    year: int
    outcome: str
    comments: str


@router.post(
    "/communities/teams/{team_id}/reviews",
    response={201: ReviewOut},
    summary="Review a team's year (the school); outcome star = star learning team",
)
def review_team(request: HttpRequest, team_id: uuid.UUID, data: ReviewIn) -> Any:
    review = services.team_review(
        actor=request.user,
        public_id=team_id,
        year=data.year,
        outcome=data.outcome,
        comments=data.comments,
    )
    return Status(201, review)


@router.get(
    "/communities/star-teams",
    response=list[TeamOut],
    auth=optional_auth,
    summary="The year's star learning teams",
)
@paginate(LimitOffsetPagination)
def list_star_teams(request: HttpRequest, year: int) -> Any:
    return selectors.star_teams(year=year).annotate(
        members=selectors.ACTIVE_MEMBERS, star=selectors.star_this_year()
    )
