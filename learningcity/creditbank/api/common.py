"""What the credit bank's endpoints share: the router, the caller's account, retries, the
answers several endpoints give."""

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import AfterValidator

from learningcity.accounts.api import ActiveSessionAuth, BearerTokenAuth
from learningcity.core.errors import NotFound
from learningcity.core.services import idempotency_lookup, idempotency_record, request_fingerprint
from learningcity.creditbank import selectors
from learningcity.creditbank.models import (
    Account,
    ConversionApplication,
    PriorLearningClaim,
    Program,
)

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
