import datetime as dt
import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from learningcity.accounts.api import api_auth
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.learners import selectors, services
from learningcity.learners.choices import AccessibilityNeed, Gender, Household, TargetGroup
from learningcity.network.choices import Action

router = Router(tags=["learners"], auth=api_auth)

Language = Literal["zh-hans", "en"]


class LearnerOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    name: str
    birth_date: dt.date
    gender: str
    residence_area_code: str = Field(..., alias="residence_area.code")
    household: str
    phone: str
    preferred_language: str
    accessibility_needs: list[str]
    id_number_masked: str = Field(..., description="Never the full number: 3101**********123X")


class LearnerIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    birth_date: dt.date
    gender: Gender
    residence_area_code: str = Field(..., max_length=12)
    household: Household
    id_number: str | None = Field(None, max_length=32, description="Stored encrypted only")
    phone: str = Field("", max_length=20)
    preferred_language: Language = "zh-hans"
    accessibility_needs: list[AccessibilityNeed] = []


class LearnerFilters(Schema):
    area: str | None = Field(None, description="Residence area code (its whole subtree)")
    q: str | None = Field(None, max_length=100, description="Part of the name")
    aged: bool | None = None


@router.get("/learners", response=list[LearnerOut], summary="Residents in the caller's scope")
@paginate(LimitOffsetPagination)
def list_learners(request: HttpRequest, filters: Query[LearnerFilters]) -> Any:
    return selectors.learner_list(
        viewer=request.user, area_code=filters.area, q=filters.q, aged=filters.aged
    )


@router.post(
    "/learners",
    response={201: LearnerOut},
    summary="Register a resident",
    description="Send an `Idempotency-Key` header: a retry with the same key returns "
    "the first result instead of registering twice.",
)
def create_learner(request: HttpRequest, data: LearnerIn) -> Any:
    learner = services.learner_register(
        idempotency_key=request.headers.get("Idempotency-Key") or None,
        actor=request.user,
        name=data.name,
        birth_date=data.birth_date,
        gender=data.gender,
        residence_area_code=data.residence_area_code,
        household=data.household,
        id_number=data.id_number,
        phone=data.phone,
        preferred_language=data.preferred_language,
        accessibility_needs=[str(n) for n in data.accessibility_needs],
    )
    return Status(201, learner)


class LookupIn(Schema):
    id_number: str = Field(..., max_length=32)


@router.post(
    "/learners/lookup",
    response=LearnerOut,
    summary="Find a resident by ID number (sent in the body, never in the URL)",
)
def lookup_learner(request: HttpRequest, data: LookupIn) -> Any:
    return selectors.learner_find_by_id_number(viewer=request.user, id_number=data.id_number)


@router.get("/learners/{learner_id}", response=LearnerOut, summary="One resident")
def get_learner(request: HttpRequest, learner_id: uuid.UUID) -> Any:
    return selectors.access_learner(viewer=request.user, public_id=learner_id)


class LearnerPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    phone: str | None = Field(None, max_length=20)
    household: Household | None = None
    preferred_language: Language | None = None
    accessibility_needs: list[AccessibilityNeed] | None = None


@router.patch("/learners/{learner_id}", response=LearnerOut, summary="Change a resident")
def patch_learner(request: HttpRequest, learner_id: uuid.UUID, data: LearnerPatch) -> Any:
    changes = data.dict(exclude_unset=True)
    if "accessibility_needs" in changes:
        changes["accessibility_needs"] = [str(n) for n in changes["accessibility_needs"] or []]
    return services.learner_update(actor=request.user, public_id=learner_id, changes=changes)


class TargetGroupOut(Schema):
    group: str
    since: dt.date | None
    until: dt.date | None
    derived: bool


@router.get(
    "/learners/{learner_id}/target-groups",
    response=list[TargetGroupOut],
    summary="Target groups the resident belongs to today",
)
def learner_target_groups(request: HttpRequest, learner_id: uuid.UUID) -> Any:
    learner = selectors.access_learner(viewer=request.user, public_id=learner_id)
    return selectors.learner_target_groups(learner=learner)


class MembershipIn(Schema):
    group: TargetGroup
    valid_from: dt.date
    valid_until: dt.date | None = None
    evidence: str = Field("", max_length=200)


class MembershipOut(Schema):
    id: int
    group: str
    valid_from: dt.date
    valid_until: dt.date | None
    evidence: str
    status: str


@router.post(
    "/learners/{learner_id}/memberships",
    response={201: MembershipOut},
    summary="Record a claim to a target group (verified later by the town office)",
)
def add_membership(request: HttpRequest, learner_id: uuid.UUID, data: MembershipIn) -> Any:
    learner = selectors.access_learner(
        viewer=request.user, public_id=learner_id, action=Action.CHANGE
    )
    membership = services.membership_add(
        actor=request.user,
        learner=learner,
        group=data.group,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        evidence=data.evidence,
    )
    return Status(201, membership)


class VerifyIn(Schema):
    approve: bool
    reason: str = Field("", max_length=500)


@router.post(
    "/memberships/{membership_id}/decision",
    response=MembershipOut,
    summary="Verify or reject a target-group claim",
)
def decide_membership(request: HttpRequest, membership_id: int, data: VerifyIn) -> Any:
    return services.membership_verify(
        actor=request.user, membership_id=membership_id, approve=data.approve, reason=data.reason
    )
