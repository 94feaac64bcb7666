"""Learning organizations (criteria, applications, scores, results) and awards."""

import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from learningcity.accounts.api import optional_auth
from learningcity.communities import selectors, services
from learningcity.communities.api.common import key_of, router, team_of
from learningcity.communities.choices import (
    OrganizationType,
    RecognitionStatus,
)
from learningcity.communities.models import Award, LearningTeam
from learningcity.core.errors import NotFound, ValidationFailed
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.learners.models import Learner
from learningcity.learners.selectors import access_learner
from learningcity.network.choices import Action
from learningcity.network.models import Area, Organization

# Learning organizations -----------------------------------------------------------------------


class CriterionOut(Schema):
    year: int
    organization_type: str
    code: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    max_score: int
    weight: int


@router.get(
    "/communities/criteria",
    response=list[CriterionOut],
    auth=optional_auth,
    summary="Published criteria for learning organizations",
)
@paginate(LimitOffsetPagination)
def list_criteria(
    request: HttpRequest, year: int, organization_type: OrganizationType | None = None
) -> Any:
    return selectors.criteria(year=year, organization_type=organization_type)


class CriterionIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    organization_type: OrganizationType
    code: str = Field(..., max_length=20)
    name_zh: str = Field(..., max_length=100)
    name_en: str = Field("", max_length=150)
    description_zh: str = Field("", max_length=500)
    description_en: str = Field("", max_length=500)
    max_score: int = Field(..., ge=1, le=100)
    weight: int = Field(..., ge=1, le=100)


@router.post(
    "/communities/criteria",
    response={201: CriterionOut},
    summary="Publish a criterion for learning organizations (the municipal administration)",
)
def publish_criterion(request: HttpRequest, data: CriterionIn) -> Any:
    return Status(201, services.criterion_create(actor=request.user, **data.dict()))


class RecognitionOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    year: int
    organization_type: str
    name_zh: str
    name_en: str
    area: str = Field(..., alias="area.code")
    status: str
    total_score: Decimal | None


@router.get(
    "/communities/organizations",
    response=list[RecognitionOut],
    auth=optional_auth,
    summary="Organizations recognised as learning organizations in a year (public)",
)
@paginate(LimitOffsetPagination)
def recognised(
    request: HttpRequest, year: int, organization_type: OrganizationType | None = None
) -> Any:
    return selectors.recognised_organizations(year=year, organization_type=organization_type)


class RecognitionIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    organization_type: OrganizationType
    name_zh: str = Field(..., max_length=150)
    name_en: str = Field("", max_length=200)
    area: str = Field(..., max_length=12, description="Code of the district or town")
    statement: str = Field(..., max_length=4000)


@router.post(
    "/communities/recognition",
    response={201: RecognitionOut},
    summary="Apply for recognition as a learning organization; send an Idempotency-Key",
)
def apply_recognition(request: HttpRequest, data: RecognitionIn) -> Any:
    application = services.recognition_apply(
        actor=request.user,
        year=data.year,
        organization_type=data.organization_type,
        name_zh=data.name_zh,
        name_en=data.name_en,
        area=Area.objects.filter(code=data.area).first(),
        statement=data.statement,
        idempotency_key=key_of(request),
    )
    return Status(201, application)


class RecognitionFilters(Schema):
    status: RecognitionStatus | None = None
    year: int | None = None


@router.get(
    "/communities/recognition",
    response=list[RecognitionOut],
    summary="Applications in the reviewer's area",
)
@paginate(LimitOffsetPagination)
def recognition_list(request: HttpRequest, filters: Query[RecognitionFilters]) -> Any:
    return selectors.recognition_list_staff(
        viewer=request.user, status=filters.status, year=filters.year
    )


class ScoreIn(Schema):
    criterion: str = Field(..., max_length=20)
    score: int = Field(..., ge=0, le=100)
    comment: str = Field("", max_length=500)


class ScoreOut(Schema):
    criterion: str = Field(..., alias="criterion.code")
    score: int
    comment: str


@router.post(
    "/communities/recognition/{application_id}/scores",
    response=ScoreOut,
    summary="Score one criterion (reviewers); scoring again replaces your score (audited)",
)
def score(request: HttpRequest, application_id: uuid.UUID, data: ScoreIn) -> Any:
    return services.criterion_score(
        actor=request.user,
        public_id=application_id,
        criterion_code=data.criterion,
        score=data.score,
        comment=data.comment,
    )


class PublishIn(Schema):
    reason: str = Field("", max_length=500)


@router.post(
    "/communities/recognition/{application_id}/publish",
    response=RecognitionOut,
    summary="Publish the result from the weighted scores (publishing twice changes nothing)",
)
def publish(request: HttpRequest, application_id: uuid.UUID, data: PublishIn) -> Any:
    return services.recognition_publish(
        actor=request.user, public_id=application_id, reason=data.reason
    )


# Awards ---------------------------------------------------------------------------------------


class ShowcaseOut(Schema):
    award: str
    year: int
    district: str
    name: str | None
    story: str | None


@router.get(
    "/communities/showcase",
    response=list[ShowcaseOut],
    auth=optional_auth,
    summary="Awarded residents: only the name and story each consented to show",
)
@paginate(LimitOffsetPagination)
def list_showcase(request: HttpRequest, year: int | None = None) -> Any:
    return selectors.showcase(year=year)


class AwardIn(Schema):
    code: str = Field(..., max_length=40)
    year: int = Field(..., ge=2000, le=2100)
    name_zh: str = Field(..., max_length=100)
    name_en: str = Field("", max_length=150)
    description_zh: str = Field("", max_length=500)
    description_en: str = Field("", max_length=500)
    owner: str = Field(..., max_length=32, description="Code of the organization running it")


class AwardOut(Schema):
    code: str
    year: int
    name_zh: str
    name_en: str
    owner: str = Field(..., alias="owner.code")


@router.post(
    "/communities/awards",
    response={201: AwardOut},
    summary="Set up an award your organization runs (e.g. this year's learning star)",
)
def create_award(request: HttpRequest, data: AwardIn) -> Any:
    owner = Organization.objects.filter(code=data.owner).first()
    if owner is None:
        raise NotFound(_("No such organization."))
    fields = data.dict(exclude={"owner"})
    return Status(201, services.award_create(actor=request.user, owner=owner, **fields))


@router.get("/communities/awards", response=list[AwardOut], auth=optional_auth, summary="Awards")
@paginate(LimitOffsetPagination)
def list_awards(request: HttpRequest) -> Any:
    return selectors.award_list()


class NominationIn(Schema):
    award: str = Field(..., max_length=40)
    learner_id: uuid.UUID
    story: str = Field(..., max_length=4000)
    team_id: uuid.UUID | None = None


class NominationOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    award: str = Field(..., alias="award.code")
    status: str
    show_name: bool
    show_story: bool


def _nominee(request: HttpRequest, learner_id: uuid.UUID, team: LearningTeam | None) -> Learner:
    if team is None:
        return access_learner(viewer=request.user, public_id=learner_id, action=Action.CHANGE)
    learner = Learner.objects.filter(public_id=learner_id).first()
    if learner is None:
        raise NotFound(_("No such learner."))
    return learner


@router.post(
    "/communities/nominations",
    response={201: NominationOut},
    summary="Nominate a resident (staff, or a team's leader for a member)",
)
def nominate(request: HttpRequest, data: NominationIn) -> Any:
    award = Award.objects.select_related("owner").filter(code=data.award).first()
    if award is None:
        message = _("No such award.")
        raise ValidationFailed(message, fields={"award": [message]})
    team = team_of(data.team_id) if data.team_id else None
    nomination = services.nomination_create(
        actor=request.user,
        award=award,
        learner=_nominee(request, data.learner_id, team),
        story=data.story,
        team=team,
    )
    return Status(201, nomination)


class ConsentIn(Schema):
    show_name: bool
    show_story: bool


@router.post(
    "/communities/nominations/{nomination_id}/consent",
    response=NominationOut,
    summary="What the showcase may show of you (the nominee)",
)
def consent(request: HttpRequest, nomination_id: uuid.UUID, data: ConsentIn) -> Any:
    return services.nomination_consent(
        actor=request.user,
        public_id=nomination_id,
        show_name=data.show_name,
        show_story=data.show_story,
    )


class NominationReviewIn(Schema):
    award: bool
    reason: str = Field(..., max_length=500)


@router.post(
    "/communities/nominations/{nomination_id}/review",
    response=NominationOut,
    summary="Award or not, with a reason (staff over the nominee's area)",
)
def review_nomination(
    request: HttpRequest, nomination_id: uuid.UUID, data: NominationReviewIn
) -> Any:
    return services.nomination_review(
        actor=request.user, public_id=nomination_id, award=data.award, reason=data.reason
    )


@router.get(
    "/communities/nominations",
    response=list[NominationOut],
    summary="Nominations in the caller's scope",
)
@paginate(LimitOffsetPagination)
def list_nominations(request: HttpRequest, status: str | None = None) -> Any:
    return selectors.nomination_list_staff(viewer=request.user, status=status)
