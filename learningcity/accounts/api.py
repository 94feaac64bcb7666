from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security import HttpBearer, SessionAuth

from learningcity.accounts.models import TokenScope, User
from learningcity.accounts.services import token_for, token_holder
from learningcity.core.errors import PermissionDenied
from learningcity.core.prepared import instance

READING = frozenset({"GET", "HEAD", "OPTIONS"})


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer lc_…` for providers' and agencies' systems.

    `related`: relations of the token to fetch in the same query (e.g. "user__learner" for a
    router whose endpoints need the caller's learner record)."""

    def __init__(self, *, related: Sequence[str] = ()) -> None:
        super().__init__()
        self.related = tuple(related)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_for(token, related=self.related)
        if found is None:
            return None
        if found.scope == TokenScope.READ and request.method not in READING:
            raise PermissionDenied(_("This token may only read. Ask for a token that may write."))
        request.user = found.user
        return found.user


class TokenHolderAuth(HttpBearer):
    """`Authorization: Bearer lc_…`, checked as BearerTokenAuth checks it, without reading the
    user: `request.user` is the token's User holding its id alone (its other fields deferred).
    For the hottest write, whose common case needs no more than who calls; the endpoint calls
    `caller(request)` before anything that needs the whole user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        holder = token_holder(token)
        if holder is None:
            return None
        user_id, scope = holder
        if scope == TokenScope.READ and request.method not in READING:
            raise PermissionDenied(_("This token may only read. Ask for a token that may write."))
        request.user = instance(User, transaction.get_connection().alias, id=user_id)
        return request.user


def caller(request: HttpRequest) -> Any:
    """The caller's whole user: TokenHolderAuth's is read now (once), any other as it is."""
    user = request.user
    if isinstance(user, User) and user.get_deferred_fields():
        request.user = User.objects.get(pk=user.pk)
    return request.user


class ActiveSessionAuth(SessionAuth):
    """A logged-in browser session (CSRF-checked on writes)."""


def anonymous(request: HttpRequest) -> bool:
    """Lets a public endpoint answer anyone, after a token or session had its chance."""
    return True


api_auth = [BearerTokenAuth(), ActiveSessionAuth()]
# Public reads still recognise the caller, so `mine=true` can answer for them.
optional_auth = [BearerTokenAuth(), ActiveSessionAuth(), anonymous]

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    display_name: str
    is_staff: bool


@router.get("/me", response=MeOut, auth=api_auth, summary="Who the caller is")
def me(request: HttpRequest) -> Any:
    user = request.user
    return {
        "username": user.get_username(),
        "display_name": getattr(user, "display_name", ""),
        "is_staff": user.is_staff,
    }
