"""Recognition of prior learning: claims with evidence, the assessors' queue, decisions and
one appeal."""

import datetime as dt
import hashlib
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Schema, Status, UploadedFile
from ninja.pagination import paginate

from learningcity.core.pagination import LimitOffsetPagination
from learningcity.creditbank import selectors, services
from learningcity.creditbank.api.common import (
    IDEMPOTENCY_NOTE,
    _my_account,
    _my_claims,
    _once,
    router,
)
from learningcity.creditbank.choices import (
    CreditCategory,
)
from learningcity.creditbank.models import (
    PriorLearningClaim,
)

# Recognition of prior learning --------------------------------------------------------------


class ClaimOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    account_number: str = Field(..., alias="account.number")
    learner_name: str = Field(..., alias="account.learner.name")
    assessor_code: str = Field(..., alias="assessor_org.code")
    assessor_name: str = Field(..., alias="assessor_org.name")
    title: str
    description: str
    category: str
    hours: Decimal
    certificate_code: str
    evidence_name: str
    due_on: dt.date
    status: str
    decided_at: dt.datetime | None
    decision_reason: str
    appeal_reason: str
    appealed_at: dt.datetime | None
    record_id: uuid.UUID | None
    credits: Decimal | None = Field(..., description="Credits granted, once approved")

    @staticmethod
    def resolve_record_id(obj: PriorLearningClaim) -> uuid.UUID | None:
        return obj.record.public_id if obj.record else None

    @staticmethod
    def resolve_credits(obj: PriorLearningClaim) -> Decimal | None:
        return obj.record.credits if obj.record else None


class ClaimIn(Schema):
    assessor_code: str = Field(..., max_length=32, description="The organization to assess it")
    title: str = Field(..., max_length=200)
    description: str = Field(..., max_length=4000)
    category: CreditCategory
    hours: Decimal = Field(..., max_digits=7, decimal_places=1)
    certificate_code: str = Field("", max_length=40)


def _file_digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@router.post(
    "/creditbank/me/claims",
    response={201: ClaimOut},
    summary="Claim recognition of prior learning, with evidence (multipart form)",
    description=IDEMPOTENCY_NOTE + " Evidence is a PDF, PNG or JPEG file.",
)
def submit_claim(request: HttpRequest, data: Form[ClaimIn], evidence: File[UploadedFile]) -> Any:
    account = _my_account(request)
    claims = _my_claims(account)
    claim = _once(
        request,
        action="creditbank.claim_submit",
        payload={**data.dict(), "evidence": _file_digest(evidence)},
        write=lambda: services.claim_submit(
            actor=request.user,
            account=account,
            assessor_code=data.assessor_code,
            title=data.title,
            description=data.description,
            category=data.category,
            hours=data.hours,
            evidence=evidence,
            certificate_code=data.certificate_code,
        ),
        result_of=lambda made: str(made.public_id),
        replay=lambda first: claims.get(public_id=first),
    )
    return Status(201, claims.get(pk=claim.pk))


@router.get("/creditbank/me/claims", response=list[ClaimOut], summary="Your prior-learning claims")
@paginate(LimitOffsetPagination)
def my_claims(request: HttpRequest) -> Any:
    return _my_claims(_my_account(request))


class AppealIn(Schema):
    reason: str = Field(..., max_length=1000)


@router.post(
    "/creditbank/me/claims/{claim_id}/appeal",
    response=ClaimOut,
    summary="Appeal a rejected claim (once)",
    description=IDEMPOTENCY_NOTE,
)
def appeal_claim(request: HttpRequest, claim_id: uuid.UUID, data: AppealIn) -> Any:
    claims = _my_claims(_my_account(request))
    claim = _once(
        request,
        action="creditbank.claim_appeal",
        payload={"claim": str(claim_id), "reason": data.reason},
        write=lambda: services.claim_appeal(
            actor=request.user, public_id=claim_id, reason=data.reason
        ),
        result_of=lambda made: str(made.public_id),
        replay=lambda first: claims.get(public_id=first),
    )
    return claims.get(pk=claim.pk)


@router.get(
    "/creditbank/claims",
    response=list[ClaimOut],
    summary="Open prior-learning claims for your organizations, by due date (assessors)",
)
@paginate(LimitOffsetPagination)
def claim_queue(request: HttpRequest) -> Any:
    return selectors.claim_queue(viewer=request.user).select_related("record")


class ClaimDecisionIn(Schema):
    approve: bool
    reason: str = Field(..., max_length=500)


@router.post(
    "/creditbank/claims/{claim_id}/decide",
    response=ClaimOut,
    summary="Decide a claim or its appeal (assessors)",
    description=IDEMPOTENCY_NOTE,
)
def decide_claim(request: HttpRequest, claim_id: uuid.UUID, data: ClaimDecisionIn) -> Any:
    claim = _once(
        request,
        action="creditbank.claim_decide",
        payload={"claim": str(claim_id), "approve": data.approve, "reason": data.reason},
        write=lambda: services.claim_decide(
            actor=request.user, public_id=claim_id, approve=data.approve, reason=data.reason
        ),
        result_of=lambda made: str(made.public_id),
        replay=lambda first: PriorLearningClaim.objects.get(public_id=first),
    )
    return _my_claims(claim.account).get(pk=claim.pk)
