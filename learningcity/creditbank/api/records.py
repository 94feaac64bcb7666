"""Providers send records in batches (idempotent on their record ids); staff list them;
assessors verify, reject and revoke."""

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.pagination import paginate

from learningcity.core.errors import ValidationFailed
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.creditbank import selectors, services
from learningcity.creditbank.api.common import (
    RecordOut,
    router,
)
from learningcity.creditbank.choices import (
    CreditCategory,
    RecordChannel,
    RecordStatus,
)
from learningcity.creditbank.data import RecordRow
from learningcity.creditbank.services.records import BATCH_MAX
from learningcity.network.choices import Action
from learningcity.network.selectors import access_organization

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
