"""Volunteer teachers: offers, the pool, invitations, hours."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from learningcity.communities import selectors, services
from learningcity.communities.api.common import AnswerIn, key_of, router, team_of
from learningcity.communities.choices import (
    Availability,
    TeachingLanguage,
)
from learningcity.communities.services.common import learner_of
from learningcity.core.errors import NotFound
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.network.models import Organization

# Volunteer teachers ---------------------------------------------------------------------------


class VolunteerIn(Schema):
    display_name: str = Field(..., max_length=60)
    skills: str = Field(..., max_length=300)
    bio: str = Field("", max_length=1000)
    languages: list[TeachingLanguage]
    availability: list[Availability]
    districts: list[str] = Field(..., description="District codes")
    is_active: bool = True


class VolunteerOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    display_name: str
    skills: str
    bio: str
    languages: list[str] = Field(..., alias="language_list")
    availability: list[str] = Field(..., alias="availability_list")
    districts: list[str]
    is_active: bool

    @staticmethod
    def resolve_districts(obj: Any) -> list[str]:
        return [area.code for area in obj.districts.all()]


@router.put(
    "/communities/me/volunteer",
    response=VolunteerOut,
    summary="Offer to teach, or change the offer (residents; repeatable)",
)
def offer(request: HttpRequest, data: VolunteerIn) -> Any:
    return services.volunteer_offer(
        actor=request.user,
        display_name=data.display_name,
        skills=data.skills,
        bio=data.bio,
        languages=[str(c) for c in data.languages],
        availability=[str(c) for c in data.availability],
        district_codes=data.districts,
        is_active=data.is_active,
    )


class VolunteerFilters(Schema):
    q: str | None = Field(None, max_length=100)
    language: TeachingLanguage | None = None
    availability: Availability | None = None
    district: str | None = Field(None, max_length=12)


@router.get(
    "/communities/volunteers",
    response=list[VolunteerOut],
    summary="Search the volunteer pool (schools' staff and team leaders)",
)
@paginate(LimitOffsetPagination)
def volunteers(request: HttpRequest, filters: Query[VolunteerFilters]) -> Any:
    return selectors.volunteer_search(
        viewer=request.user,
        q=filters.q,
        language=filters.language,
        availability=filters.availability,
        district_code=filters.district,
    )


class InvitationIn(Schema):
    subject: str = Field(..., max_length=150)
    message: str = Field("", max_length=1000)
    organization: str | None = Field(None, max_length=32, description="Inviting organization")
    team_id: uuid.UUID | None = Field(None, description="Inviting team")


class InvitationOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    volunteer_id: uuid.UUID = Field(..., alias="volunteer.public_id")
    inviter: str = Field(..., alias="inviter_name")
    subject: str
    status: str
    hours_taught: Decimal | None = None


@router.post(
    "/communities/volunteers/{volunteer_id}/invitations",
    response={201: InvitationOut},
    summary="Invite a volunteer (for your organization or your team); send an Idempotency-Key",
)
def invite(request: HttpRequest, volunteer_id: uuid.UUID, data: InvitationIn) -> Any:
    organization = None
    if data.organization:
        organization = Organization.objects.filter(code=data.organization).first()
        if organization is None:
            raise NotFound(_("No such organization."))
    team = team_of(data.team_id) if data.team_id else None
    invitation = services.volunteer_invite(
        actor=request.user,
        volunteer_id=volunteer_id,
        subject=data.subject,
        message=data.message,
        organization=organization,
        team=team,
        idempotency_key=key_of(request),
    )
    return Status(201, invitation)


@router.get(
    "/communities/me/invitations",
    response=list[InvitationOut],
    summary="Invitations to the caller as a volunteer",
)
@paginate(LimitOffsetPagination)
def my_invitations(request: HttpRequest) -> Any:
    return selectors.invitations_of(learner=learner_of(request.user))


@router.get(
    "/communities/invitations",
    response=list[InvitationOut],
    summary="Invitations sent by the caller's organizations or teams",
)
@paginate(LimitOffsetPagination)
def sent_invitations(request: HttpRequest, status: str | None = None) -> Any:
    return selectors.invitation_list_staff(viewer=request.user, status=status)


@router.post(
    "/communities/invitations/{invitation_id}/answer",
    response=InvitationOut,
    summary="Accept or decline an invitation (the volunteer)",
)
def answer(request: HttpRequest, invitation_id: uuid.UUID, data: AnswerIn) -> Any:
    return services.invitation_respond(
        actor=request.user, public_id=invitation_id, accept=data.accept
    )


class HoursIn(Schema):
    taught_on: dt.date
    hours: Decimal = Field(..., gt=0, le=12, decimal_places=1)
    note: str = Field("", max_length=300)


class HoursOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    invitation_id: uuid.UUID = Field(..., alias="invitation.public_id")
    taught_on: dt.date
    hours: Decimal
    note: str


@router.post(
    "/communities/invitations/{invitation_id}/hours",
    response={201: HoursOut},
    summary="Record hours taught (the inviter; audited); send an Idempotency-Key",
)
def record_hours(request: HttpRequest, invitation_id: uuid.UUID, data: HoursIn) -> Any:
    row = services.hours_record(
        actor=request.user,
        public_id=invitation_id,
        taught_on=data.taught_on,
        hours=data.hours,
        note=data.note,
        idempotency_key=key_of(request),
    )
    return Status(201, row)
