from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction

from learningcity.accounts.models import ApiToken, User
from learningcity.core import clock
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


def user_for_token(plaintext: str) -> User | None:
    """The active user behind a bearer token, or None."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(plaintext), revoked_at__isnull=True)
        .first()
    )
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
