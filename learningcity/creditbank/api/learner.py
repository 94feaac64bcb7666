"""The resident's own account: balances, records, transcript, degree audit."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.pagination import paginate

from learningcity.core.errors import NotFound
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.creditbank import selectors, services
from learningcity.creditbank.api.common import (
    AccountOut,
    BalanceOut,
    Credits,
    RecordOut,
    _account_body,
    _my_account,
    _program,
    router,
)
from learningcity.creditbank.choices import (
    CreditCategory,
    RecordStatus,
)

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
