"""Conversion toward a program: the learner applies, an assessor of the awarding institution
decides."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from learningcity.core.pagination import LimitOffsetPagination
from learningcity.creditbank import selectors, services
from learningcity.creditbank.api.common import (
    _my_account,
    _my_conversions,
    router,
)

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
