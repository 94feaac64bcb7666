from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from learningcity.accounts.models import ApiToken, User
from learningcity.core import clock
from learningcity.core.errors import Conflict, PermissionDenied
from learningcity.core.prepared import PreparedQuery
from learningcity.core.services import audit_record

TOKEN_PREFIX = "lc_"  # noqa: S105 - a public prefix, not a secret


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str) -> IssuedToken:
    """Issue a token; its plaintext is returned once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=plaintext[:10], digest=token_digest(plaintext)
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        subject=f"user:{user.pk}",
        data={"token": token.prefix, "name": name},
    )
    return IssuedToken(token=token, plaintext=plaintext)


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
    audit_record(
        actor=actor,
        action="api_token.revoke",
        subject=f"user:{token.user_id}",
        data={"token": token.prefix},
    )


_TOKEN_QUERIES: dict[tuple[str, ...], PreparedQuery] = {}


def _token_query(related: tuple[str, ...]) -> PreparedQuery:
    """Every API request looks its token up; the query is compiled once per connection."""
    if related not in _TOKEN_QUERIES:
        _TOKEN_QUERIES[related] = PreparedQuery(
            f"accounts.token:{','.join(related)}",
            ApiToken,
            "digest",
            lambda digest: (
                ApiToken.objects.select_related("user", *related)
                .filter(digest=digest, revoked_at__isnull=True)
                .order_by()[:1]
            ),
            sentinel="0" * 64,
        )
    return _TOKEN_QUERIES[related]


def user_for_token(plaintext: str, *, related: Sequence[str] = ()) -> User | None:
    """The active user behind a bearer token, or None. `related` names further relations
    to fetch in the same query (e.g. "user__learner")."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = _token_query(tuple(related)).first(token_digest(plaintext))
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= clock.now():
        return None
    return token.user


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    display_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    user = User(
        username=username, display_name=display_name, is_staff=is_staff, is_superuser=is_superuser
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        subject=f"user:{user.pk}",
        data={"username": username, "is_staff": is_staff},
    )
    return user


BULK_BATCH = 2000


def _require_superuser(actor: User | None, message: str) -> None:
    # Accounts sit below the network, so "the municipal administration" is the platform
    # administrator here: the one actor whose scope (network.actor_scope) is everything.
    if actor is None or not actor.is_active or not actor.is_superuser:
        raise PermissionDenied(message)


@transaction.atomic
def users_bulk_create(
    *, actor: User | None, rows: Iterable[tuple[str, str]], batch_size: int = BULK_BATCH
) -> list[User]:
    """Create many logins at once (a city's residents moving online, an imported staff list).

    Each row is (username, display name). None gets a usable password: they sign in by a token
    or set one later. A username already taken refuses the whole import (409), nothing saved.
    One audit row records how many were created."""
    _require_superuser(actor, _("Only the municipal administration may create logins in bulk."))
    created: list[User] = []
    batch: list[User] = []

    def flush() -> None:
        taken = list(
            User.objects.filter(username__in=[u.username for u in batch]).values_list(
                "username", flat=True
            )[:5]
        )
        if taken or len({u.username for u in batch}) != len(batch):
            message = _("Some usernames are already taken or repeated: %(names)s.") % {
                "names": ", ".join(taken)
            }
            raise Conflict(message, code="username_taken", fields={"username": [message]})
        created.extend(User.objects.bulk_create(batch, batch_size=batch_size))
        batch.clear()

    for username, display_name in rows:
        user = User(username=username, display_name=display_name)
        user.set_unusable_password()
        batch.append(user)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    audit_record(
        actor=actor, action="user.bulk_create", subject="users", data={"count": len(created)}
    )
    return created


@transaction.atomic
def api_tokens_bulk_create(
    *, actor: User | None, users: Sequence[User], name: str, batch_size: int = BULK_BATCH
) -> list[IssuedToken]:
    """Issue one token to each user; the plaintexts are returned once and never stored.
    One audit row records how many were issued."""
    _require_superuser(actor, _("Only the municipal administration may issue tokens in bulk."))
    issued: list[IssuedToken] = []
    for start in range(0, len(users), batch_size):
        chunk = users[start : start + batch_size]
        plaintexts = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _user in chunk]
        tokens = ApiToken.objects.bulk_create(
            [
                ApiToken(user=user, name=name, prefix=text[:10], digest=token_digest(text))
                for user, text in zip(chunk, plaintexts, strict=True)
            ]
        )
        issued.extend(
            IssuedToken(token=t, plaintext=p) for t, p in zip(tokens, plaintexts, strict=True)
        )
    audit_record(
        actor=actor,
        action="api_token.bulk_create",
        subject="users",
        data={"count": len(issued), "name": name},
    )
    return issued
