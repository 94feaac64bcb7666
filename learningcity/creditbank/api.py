"""The credit bank's JSON API under /api/v1/creditbank/.

Providers' systems send records in batches; residents read their account, transcript and
degree audit, convert credits, claim prior learning and share their transcript; assessors
decide; offices find and merge accounts. National ID numbers may arrive in a request body
and never leave in a response."""

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import AfterValidator

from learningcity.accounts.api import ActiveSessionAuth, BearerTokenAuth, optional_auth
from learningcity.core.errors import NotFound, ValidationFailed
from learningcity.core.services import idempotency_lookup, idempotency_record, request_fingerprint
from learningcity.creditbank import selectors, services
from learningcity.creditbank.choices import (
    CreditCategory,
    RecordChannel,
    RecordStatus,
    StandardKind,
)
from learningcity.creditbank.data import RecordRow, StandardTerms
from learningcity.creditbank.models import (
    Account,
    ConversionApplication,
    PriorLearningClaim,
    Program,
    StandardVersion,
    TranscriptShare,
)
from learningcity.creditbank.services.records import BATCH_MAX
from learningcity.network.choices import Action
from learningcity.network.selectors import access_organization

# A bearer token brings its user's learner record in the same query: residents act for
# themselves on the /me endpoints.
router = Router(
    tags=["credit bank"],
    auth=[BearerTokenAuth(related=("user__learner",)), ActiveSessionAuth()],
)

IDEMPOTENCY_NOTE = (
    "Send an `Idempotency-Key` header: a retry with the same key returns the first result."
)
T = TypeVar("T")

# Credits are shown with their one decimal place, whatever the database's sum returns.
Credits = Annotated[Decimal, AfterValidator(lambda value: value.quantize(Decimal("0.1")))]


# Helpers: the caller's own account, tiny reads the selectors do not have, retries -----------


def _my_account(request: HttpRequest) -> Account:
    account = selectors.account_of_user(request.user)
    if account is None:
        raise NotFound(_("You have no credit-bank account yet."))
    return account


def _program(code: str) -> Program:
    program = Program.objects.filter(code=code, is_active=True).first()
    if program is None:
        raise NotFound(_("No such program."))
    return program


def _my_conversions(account: Account) -> QuerySet[ConversionApplication]:
    return (
        ConversionApplication.objects.filter(account=account)
        .select_related("program", "account__learner")
        .prefetch_related("items__program_course", "items__record")
        .order_by("-id")
    )


def _my_claims(account: Account) -> QuerySet[PriorLearningClaim]:
    return (
        PriorLearningClaim.objects.filter(account=account)
        .select_related("assessor_org", "record", "account__learner")
        .order_by("-id")
    )


def _once(
    request: HttpRequest,
    *,
    action: str,
    payload: dict[str, Any],
    write: Callable[[], T],
    result_of: Callable[[T], str],
    replay: Callable[[str], T],
) -> T:
    """Run a write once per `Idempotency-Key`: a retry (or a copy that lost the race to the
    first) is answered from the first result. Without a key, the write simply runs."""
    key = request.headers.get("Idempotency-Key")
    if not key:
        return write()
    fingerprint = request_fingerprint(payload)
    try:
        with transaction.atomic():
            first = idempotency_lookup(
                actor=request.user, action=action, key=key, fingerprint=fingerprint
            )
            if first is not None:
                return replay(first)
            made = write()
            idempotency_record(
                actor=request.user,
                action=action,
                key=key,
                fingerprint=fingerprint,
                result=result_of(made),
            )
            return made
    except IntegrityError:
        first = idempotency_lookup(
            actor=request.user, action=action, key=key, fingerprint=fingerprint
        )
        if first is None:
            raise
        return replay(first)


# Schemas shared by several answers ----------------------------------------------------------


class BalanceOut(Schema):
    category: str
    level: int
    credits: Credits


class AccountOut(Schema):
    number: str
    status: str
    learner_name: str
    opened_at: dt.datetime
    balances: list[BalanceOut] = Field(..., description="Credits by category and level")
    by_category: dict[str, Credits]
    total: Credits


def _account_body(account: Account) -> dict[str, Any]:
    by_category = selectors.balance_by_category(account)
    return {
        "number": account.number,
        "status": account.status,
        "learner_name": account.learner.name,
        "opened_at": account.created_at,
        "balances": selectors.balances(account),
        "by_category": by_category,
        "total": sum(by_category.values(), Decimal(0)),
    }


class RecordOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    account_number: str = Field(..., alias="account.number")
    provider_code: str = Field(..., alias="provider.code")
    provider_name: str = Field(..., alias="provider.name")
    external_id: str
    category: str
    title: str
    completed_on: dt.date
    course_code: str
    certificate_code: str
    certificate_number: str
    passed: bool | None
    score: Decimal | None
    grade: str
    hours: Decimal
    attendance_rate: Decimal | None
    statement_id: uuid.UUID | None
    channel: str
    status: str
    credits: Decimal
    recognition_note: str
    decided_at: dt.datetime | None
    decision_reason: str


# Batch submission ---------------------------------------------------------------------------

Number = Decimal | str | None


class BatchRecordIn(Schema):
    """One record. Values are checked row by row: a bad row is reported, the others kept."""

    external_id: str = Field("", max_length=200, description="The record's id in your system")
    account_number: str | None = Field(None, max_length=20)
    id_number: str | None = Field(
        None, max_length=32, description="Used to find the learner; never stored or returned"
    )
    category: str = Field("", max_length=40, description="degree, vocational, …")
    title: str = Field("", max_length=1000)
    completed_on: str | None = Field(None, max_length=40, description="YYYY-MM-DD")
    course_code: str | None = Field(None, max_length=200)
    certificate_code: str | None = Field(None, max_length=200)
    certificate_number: str | None = Field(None, max_length=200)
    passed: bool | None = None
    score: Number = None
    grade: str | None = Field(None, max_length=200)
    hours: Number = None
    attendance_rate: Number = Field(None, description="Percent, 0–100")
    statement_id: str | None = Field(None, max_length=100, description="xAPI statement UUID")


class BatchIn(Schema):
    provider: str = Field(..., min_length=1, max_length=32, description="The provider's code")
    records: list[BatchRecordIn] = Field(..., min_length=1)


class RowOut(Schema):
    line: int
    external_id: str
    outcome: str = Field(..., description="created | existing | error")
    record_id: uuid.UUID | None
    errors: dict[str, list[str]]


class BatchOut(Schema):
    provider: str
    created: int
    existing: int
    errors: int
    rows: list[RowOut]


def _number(value: Number, name: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite():
        errors[name] = [_("Enter a number.")]
        return None
    return number


def _parse_row(item: BatchRecordIn) -> tuple[RecordRow | None, dict[str, list[str]]]:
    """The wire row as a typed RecordRow, or what could not be read in it."""
    errors: dict[str, list[str]] = {}
    completed_on = None
    if not item.completed_on:
        errors["completed_on"] = [_("This field is required.")]
    else:
        try:
            completed_on = dt.date.fromisoformat(item.completed_on.strip())
        except ValueError:
            errors["completed_on"] = [_("Enter a valid date (YYYY-MM-DD).")]
    score = _number(item.score, "score", errors)
    hours = _number(item.hours, "hours", errors)
    attendance_rate = _number(item.attendance_rate, "attendance_rate", errors)
    if errors or completed_on is None:
        return None, errors
    return (
        RecordRow(
            external_id=item.external_id,
            category=item.category,
            title=item.title,
            completed_on=completed_on,
            account_number=(item.account_number or "").strip().upper(),
            id_number=(item.id_number or "").strip(),
            course_code=item.course_code or "",
            certificate_code=item.certificate_code or "",
            certificate_number=item.certificate_number or "",
            passed=item.passed,
            score=score,
            grade=item.grade or "",
            hours=hours if hours is not None else Decimal(0),
            attendance_rate=attendance_rate,
            statement_id=(item.statement_id or "").strip(),
        ),
        {},
    )


@router.post(
    "/creditbank/records/batch",
    response=BatchOut,
    summary="Submit up to 1,000 learning records for a provider",
    description=(
        "Idempotent on (provider, external_id): resending a batch changes nothing and answers "
        "the same record ids. Each row is reported: created, existing, or error with field "
        "messages. Name the learner by `account_number` or `id_number`; an ID number is never "
        "returned."
    ),
)
def submit_batch(request: HttpRequest, data: BatchIn) -> Any:
    provider = access_organization(viewer=request.user, code=data.provider, action=Action.CHANGE)
    if len(data.records) > BATCH_MAX:
        message = _("Send at most %(n)d records at a time.") % {"n": BATCH_MAX}
        raise ValidationFailed(message, fields={"records": [message]})
    parsed = [_parse_row(item) for item in data.records]
    report = services.records_submit(
        actor=request.user,
        provider=provider,
        rows=[row for row, _errors in parsed if row is not None],
        channel=RecordChannel.API,
    )
    # The service numbers the rows it was given; the answer numbers the rows as sent.
    results = iter(report.rows)
    rows = []
    for line, ((row, errors), item) in enumerate(zip(parsed, data.records, strict=True), 1):
        if row is None:
            rows.append(
                {
                    "line": line,
                    "external_id": item.external_id,
                    "outcome": "error",
                    "record_id": None,
                    "errors": errors,
                }
            )
            continue
        result = next(results)
        rows.append(
            {
                "line": line,
                "external_id": result.external_id,
                "outcome": result.outcome,
                "record_id": result.record_id or None,
                "errors": result.errors,
            }
        )
    return {
        "provider": provider.code,
        "created": report.created,
        "existing": report.existing,
        "errors": report.errors + sum(1 for row, _errors in parsed if row is None),
        "rows": rows,
    }


# Records: staff and assessors ---------------------------------------------------------------


class RecordFilters(Schema):
    provider: str | None = Field(None, max_length=32, description="Provider code")
    status: RecordStatus | None = None
    category: CreditCategory | None = None


@router.get(
    "/creditbank/records",
    response=list[RecordOut],
    summary="Learning records in the caller's scope",
)
@paginate(LimitOffsetPagination)
def list_records(request: HttpRequest, filters: Query[RecordFilters]) -> Any:
    return selectors.record_list(
        viewer=request.user,
        provider_code=filters.provider or "",
        status=filters.status or "",
        category=filters.category or "",
    )


@router.get("/creditbank/records/{record_id}", response=RecordOut, summary="One learning record")
def get_record(request: HttpRequest, record_id: uuid.UUID) -> Any:
    return selectors.access_record(viewer=request.user, public_id=record_id)


class VerifyIn(Schema):
    standard_code: str = Field("", max_length=40, description="Apply this standard (optional)")
    reason: str = Field("", max_length=500)


@router.post(
    "/creditbank/records/{record_id}/verify",
    response=RecordOut,
    summary="Verify a record and grant its credits (assessors)",
    description="A retry of the same decision returns the record unchanged.",
)
def verify_record(request: HttpRequest, record_id: uuid.UUID, data: VerifyIn) -> Any:
    return services.record_verify(
        actor=request.user,
        public_id=record_id,
        standard_code=data.standard_code,
        reason=data.reason,
    )


class RejectIn(Schema):
    reason: str = Field(..., max_length=500)


@router.post(
    "/creditbank/records/{record_id}/reject",
    response=RecordOut,
    summary="Reject a submitted record, with a reason (assessors)",
)
def reject_record(request: HttpRequest, record_id: uuid.UUID, data: RejectIn) -> Any:
    return services.record_reject(actor=request.user, public_id=record_id, reason=data.reason)


class RevokeIn(Schema):
    reason: str = Field(..., max_length=500)


@router.post(
    "/creditbank/records/{record_id}/revoke",
    response=RecordOut,
    summary="Revoke a verified record; its credits are reversed (assessors)",
)
def revoke_record(request: HttpRequest, record_id: uuid.UUID, data: RevokeIn) -> Any:
    return services.record_revoke(actor=request.user, public_id=record_id, reason=data.reason)


# The resident's own account -----------------------------------------------------------------


@router.get("/creditbank/me", response=AccountOut, summary="Your credit-bank account")
def my_account(request: HttpRequest) -> Any:
    return _account_body(_my_account(request))


@router.post(
    "/creditbank/me/open",
    response=AccountOut,
    summary="Open your account (or return it, if it is open)",
)
def open_my_account(request: HttpRequest) -> Any:
    learner = getattr(request.user, "learner", None)
    if learner is None:
        raise NotFound(_("This login is not a resident's."))
    return _account_body(services.account_open(actor=request.user, learner=learner))


class MyRecordFilters(Schema):
    status: RecordStatus | None = None
    category: CreditCategory | None = None


@router.get("/creditbank/me/records", response=list[RecordOut], summary="Your learning records")
@paginate(LimitOffsetPagination)
def my_records(request: HttpRequest, filters: Query[MyRecordFilters]) -> Any:
    return selectors.record_list(
        viewer=request.user,
        account=_my_account(request),
        status=filters.status or "",
        category=filters.category or "",
    )


class TranscriptRecordOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    title: str
    category: str
    provider_name: str
    completed_on: dt.date
    course_code: str
    certificate_code: str
    grade: str
    hours: Decimal
    credits: Decimal


class TranscriptConversionOut(Schema):
    program_code: str = Field(..., alias="program_course.program.code")
    course_code: str = Field(..., alias="program_course.code")
    course_name: str = Field(..., alias="program_course.name")
    credits: Decimal
    record_title: str = Field(..., alias="record.title")


class TranscriptOut(Schema):
    account_number: str = Field(..., alias="account.number")
    learner_name: str
    issued_at: dt.datetime
    balances: list[BalanceOut]
    by_category: dict[str, Credits]
    total: Credits
    records: list[TranscriptRecordOut] = Field(..., description="Verified records only")
    conversions: list[TranscriptConversionOut] = Field(..., description="Approved conversions")


@router.get("/creditbank/me/transcript", response=TranscriptOut, summary="Your transcript")
def my_transcript(request: HttpRequest) -> Any:
    return selectors.transcript(_my_account(request))


class CourseLineOut(Schema):
    code: str
    name: str
    area: str
    credits: Decimal
    met_by: str = Field(..., description='"program", "conversion" or "" (not met)')
    record_title: str
    candidate_record_id: str
    candidate_title: str
    candidate_via: str = Field(..., description='"transfer" or "equivalence:<certificate>"')


class DegreeAuditOut(Schema):
    program_code: str
    program_name: str
    total_required: Decimal
    counted: Decimal
    earned_in_program: Decimal
    converted: Decimal
    convertible: Decimal
    major: Decimal
    major_required: Decimal
    general: Decimal
    general_required: Decimal
    in_program_required: Decimal
    converted_max: Decimal
    missing: Decimal
    complete: bool
    courses: list[CourseLineOut]
    never_convert: list[str] = Field(..., description="Titles of records that never convert")


@router.get(
    "/creditbank/me/audit/{program_code}",
    response=DegreeAuditOut,
    summary="Your degree audit: what counts toward a program, what could be converted",
)
def my_audit(request: HttpRequest, program_code: str) -> Any:
    return selectors.degree_audit(_my_account(request), _program(program_code))


# Conversion ---------------------------------------------------------------------------------


class ConversionItemOut(Schema):
    course_code: str = Field(..., alias="program_course.code")
    course_name: str = Field(..., alias="program_course.name")
    record_id: uuid.UUID = Field(..., alias="record.public_id")
    record_title: str = Field(..., alias="record.title")
    credits: Decimal
    approved: bool


class ConversionOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    program_code: str = Field(..., alias="program.code")
    program_name: str = Field(..., alias="program.name")
    account_number: str = Field(..., alias="account.number")
    learner_name: str = Field(..., alias="account.learner.name")
    status: str
    submitted_at: dt.datetime = Field(..., alias="created_at")
    decided_at: dt.datetime | None
    decision_reason: str
    items: list[ConversionItemOut]


class ConversionIn(Schema):
    program_code: str = Field(..., min_length=1, max_length=40)
    course_codes: list[str] = Field(
        [], max_length=100, description="Only these program courses (all convertible if empty)"
    )


@router.post(
    "/creditbank/me/conversions",
    response={201: ConversionOut},
    summary="Apply to convert credits toward a program",
    description="While an application for the program waits, applying again returns it.",
)
def apply_conversion(request: HttpRequest, data: ConversionIn) -> Any:
    application = services.conversion_apply(
        actor=request.user,
        account=_my_account(request),
        program_code=data.program_code,
        course_codes=data.course_codes,
    )
    return Status(201, _my_conversions(application.account).get(pk=application.pk))


@router.get(
    "/creditbank/me/conversions",
    response=list[ConversionOut],
    summary="Your conversion applications",
)
@paginate(LimitOffsetPagination)
def my_conversions(request: HttpRequest) -> Any:
    return _my_conversions(_my_account(request))


@router.get(
    "/creditbank/conversions",
    response=list[ConversionOut],
    summary="Conversion applications waiting for you (assessors of the awarding institution)",
)
@paginate(LimitOffsetPagination)
def conversion_queue(request: HttpRequest) -> Any:
    return selectors.conversion_queue(viewer=request.user).prefetch_related(
        "items__program_course", "items__record"
    )


class ConversionDecisionIn(Schema):
    approve: bool
    reason: str = Field(..., max_length=500)


@router.post(
    "/creditbank/conversions/{application_id}/decide",
    response=ConversionOut,
    summary="Approve or reject a conversion application, with a reason",
    description="A retry of the same decision returns the application unchanged.",
)
def decide_conversion(
    request: HttpRequest, application_id: uuid.UUID, data: ConversionDecisionIn
) -> Any:
    application = services.conversion_decide(
        actor=request.user, public_id=application_id, approve=data.approve, reason=data.reason
    )
    return _my_conversions(application.account).get(pk=application.pk)


# Transcript links ---------------------------------------------------------------------------


class ShareIn(Schema):
    days: int = Field(..., ge=1, le=3650)


class ShareOut(Schema):
    id: uuid.UUID
    expires_at: dt.datetime
    token: str | None = Field(
        ..., description="Shown once; empty when a retry is answered from its Idempotency-Key"
    )
    url: str | None


@router.post(
    "/creditbank/me/shares",
    response={201: ShareOut},
    summary="Make a link that shows your transcript until it expires",
    description=IDEMPOTENCY_NOTE + " The token is shown only in the first answer.",
)
def create_share(request: HttpRequest, data: ShareIn) -> Any:
    account = _my_account(request)

    def write() -> tuple[TranscriptShare, str | None]:
        return services.share_create(actor=request.user, account=account, days=data.days)

    def replay(first: str) -> tuple[TranscriptShare, str | None]:
        return TranscriptShare.objects.get(account=account, public_id=first), None

    share, token = _once(
        request,
        action="creditbank.share_create",
        payload={"account": account.pk, "days": data.days},
        write=write,
        result_of=lambda made: str(made[0].public_id),
        replay=replay,
    )
    # The page a holder of the link opens (creditbank.urls: "t/<token>/").
    url = request.build_absolute_uri(reverse("creditbank:shared", args=[token])) if token else None
    return Status(
        201, {"id": share.public_id, "expires_at": share.expires_at, "token": token, "url": url}
    )


@router.get(
    "/creditbank/shared/{token}",
    response=TranscriptOut,
    auth=optional_auth,
    summary="The transcript a link shows (public while the link is valid)",
)
def shared_transcript(request: HttpRequest, token: str) -> Any:
    return selectors.transcript(services.share_resolve(token))


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


# Recognition standards and programs ---------------------------------------------------------


class VersionOut(Schema):
    version: int
    effective_from: dt.date
    kind: str
    match_category: str
    match_certificate_code: str
    match_provider_system: str
    credit_category: str
    level: int
    credits_fixed: Decimal | None
    hours_per_credit: Decimal | None
    max_credits_per_record: Decimal | None
    validity_years: int | None
    requires_pass: bool
    min_attendance: Decimal | None
    min_score: Decimal | None
    cap_per_year: Decimal | None
    cap_per_term: Decimal | None
    cap_per_institution: Decimal | None
    cap_certificates: int | None
    change_note: str
    created_at: dt.datetime


class StandardOut(Schema):
    code: str
    name_zh: str
    name_en: str
    owner_code: str = Field(..., alias="owner.code")
    is_active: bool
    versions: list[VersionOut] = Field(..., description="Newest first")


@router.get(
    "/creditbank/standards",
    response=list[StandardOut],
    auth=optional_auth,
    summary="Recognition standards, with every version's rules (public)",
)
@paginate(LimitOffsetPagination)
def list_standards(request: HttpRequest) -> Any:
    return selectors.standard_list()


class TermsIn(Schema):
    kind: StandardKind
    match_category: CreditCategory
    credit_category: CreditCategory
    level: int = Field(..., ge=0, le=100)
    effective_from: dt.date
    match_certificate_code: str = Field("", max_length=40)
    match_provider_system: str = Field("", max_length=20)
    credits_fixed: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    hours_per_credit: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    max_credits_per_record: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    validity_years: int | None = Field(None, ge=0, le=1000)
    requires_pass: bool = False
    min_attendance: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    min_score: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    cap_per_year: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    cap_per_term: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    cap_per_institution: Decimal | None = Field(None, max_digits=7, decimal_places=1)
    cap_certificates: int | None = Field(None, ge=0, le=32767)

    def terms(self) -> StandardTerms:
        return StandardTerms(**self.dict(include=set(StandardTerms.__dataclass_fields__)))


class StandardIn(TermsIn):
    owner: str = Field(..., max_length=32, description="Code of the organization that keeps it")
    code: str = Field(..., max_length=40)
    name_zh: str = Field(..., max_length=150)
    name_en: str = Field("", max_length=200)


@router.post(
    "/creditbank/standards",
    response={201: StandardOut},
    summary="Create a recognition standard with its first version (assessors)",
    description=IDEMPOTENCY_NOTE,
)
def create_standard(request: HttpRequest, data: StandardIn) -> Any:
    owner = access_organization(viewer=request.user, code=data.owner, action=Action.ASSESS)
    standard = _once(
        request,
        action="creditbank.standard_create",
        payload=data.dict(),
        write=lambda: services.standard_create(
            actor=request.user,
            owner=owner,
            code=data.code,
            name_zh=data.name_zh,
            name_en=data.name_en,
            terms=data.terms(),
        ),
        result_of=lambda made: made.code,
        replay=lambda first: selectors.standard_list().get(code=first),
    )
    return Status(201, selectors.standard_list().get(pk=standard.pk))


class RevisionIn(TermsIn):
    change_note: str = Field(..., max_length=300)


@router.post(
    "/creditbank/standards/{code}/versions",
    response={201: StandardOut},
    summary="Revise a standard: a new version; past decisions keep theirs (assessors)",
    description=IDEMPOTENCY_NOTE,
)
def revise_standard(request: HttpRequest, code: str, data: RevisionIn) -> Any:
    _once(
        request,
        action="creditbank.standard_revise",
        payload={"code": code, **data.dict()},
        write=lambda: services.standard_revise(
            actor=request.user, code=code, terms=data.terms(), change_note=data.change_note
        ),
        result_of=lambda made: str(made.pk),
        replay=lambda first: StandardVersion.objects.get(pk=int(first)),
    )
    return Status(201, selectors.standard_list().get(code=code))


class ProgramCourseOut(Schema):
    code: str
    name_zh: str
    name_en: str
    credits: Decimal
    area: str


class EquivalenceOut(Schema):
    certificate_code: str
    name_zh: str
    name_en: str
    course_codes: list[str] = Field(..., description="The program courses it exempts")

    @staticmethod
    def resolve_course_codes(obj: Any) -> list[str]:
        return [course.code for course in obj.courses.all()]


class ProgramOut(Schema):
    code: str
    name_zh: str
    name_en: str
    institution_code: str = Field(..., alias="institution.code")
    level: str
    total_credits: Decimal
    major_min: Decimal
    general_min: Decimal
    in_program_min: Decimal
    max_converted_share: Decimal = Field(..., description="Percent of the total")
    courses: list[ProgramCourseOut]
    equivalences: list[EquivalenceOut]


@router.get(
    "/creditbank/programs",
    response=list[ProgramOut],
    auth=optional_auth,
    summary="Programs credits can count toward, with courses and equivalences (public)",
)
@paginate(LimitOffsetPagination)
def list_programs(request: HttpRequest) -> Any:
    return selectors.program_list().prefetch_related("courses", "equivalences__courses")


# Accounts: offices --------------------------------------------------------------------------


class AccountFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Account number or part of a name")


class AccountListOut(Schema):
    number: str
    status: str
    learner_name: str = Field(..., alias="learner.name")
    opened_at: dt.datetime = Field(..., alias="created_at")


@router.get(
    "/creditbank/accounts",
    response=list[AccountListOut],
    summary="Credit-bank accounts of residents in the caller's area",
)
@paginate(LimitOffsetPagination)
def list_accounts(request: HttpRequest, filters: Query[AccountFilters]) -> Any:
    return selectors.account_list(viewer=request.user, q=filters.q or "")


class MergeIn(Schema):
    keep: str = Field(..., max_length=20, description="Number of the account to keep")
    duplicate: str = Field(..., max_length=20, description="Number of the duplicate account")
    reason: str = Field(..., max_length=500)
    id_number: str = Field(
        "", max_length=32, description="From the resident's ID card, to confirm; never returned"
    )


@router.post(
    "/creditbank/accounts/merge",
    response=AccountOut,
    summary="Merge a duplicate account into the one to keep (offices)",
    description=IDEMPOTENCY_NOTE,
)
def merge_accounts(request: HttpRequest, data: MergeIn) -> Any:
    kept = _once(
        request,
        action="creditbank.account_merge",
        # The ID number stays out of the fingerprint: a hash of one is guessable.
        payload={"keep": data.keep, "duplicate": data.duplicate, "reason": data.reason},
        write=lambda: services.account_merge(
            actor=request.user,
            keep_number=data.keep,
            duplicate_number=data.duplicate,
            reason=data.reason,
            id_number=data.id_number,
        ),
        result_of=lambda made: made.number,
        replay=lambda first: selectors.access_account(viewer=request.user, number=first),
    )
    return _account_body(kept)


# After /accounts/merge, which its pattern would otherwise answer (with 405).
@router.get(
    "/creditbank/accounts/{number}",
    response=AccountOut,
    summary="One account with its balances (the holder, or offices in scope)",
)
def get_account(request: HttpRequest, number: str) -> Any:
    return _account_body(selectors.access_account(viewer=request.user, number=number))
