"""Offices find the accounts of their area's residents and merge a duplicate learner's account."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema
from ninja.pagination import paginate

from learningcity.core.pagination import LimitOffsetPagination
from learningcity.creditbank import selectors, services
from learningcity.creditbank.api.common import (
    IDEMPOTENCY_NOTE,
    AccountOut,
    _account_body,
    _once,
    router,
)

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
