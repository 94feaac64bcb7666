from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from learningcity.accounts.models import ApiToken, LoginThrottle, SecondFactor, TokenScope, User
from learningcity.core import clock, crypto, totp
from learningcity.core.errors import Conflict, PermissionDenied
from learningcity.core.prepared import PreparedQuery, column_sql, prepared_cursor, table_sql
from learningcity.core.services import audit_record

TOKEN_PREFIX = "lc_"  # noqa: S105 - a public prefix, not a secret


TOKEN_DAYS = 365  # a token's default life; systems renew theirs


def token_digest(token: str) -> str:
    """A keyed digest (HMAC-SHA-256 under the SECRET_KEY): tokens are 256 random bits, so a
    fast hash is as strong as a slow one, and a stolen table of digests is useless without the
    key. Rotating SECRET_KEY retires every token."""
    return salted_hmac("learningcity.accounts.token", token, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


@transaction.atomic
def api_token_create(
    *,
    actor: User | None,
    user: User,
    name: str,
    scope: str = TokenScope.WRITE,
    days: int | None = TOKEN_DAYS,
) -> IssuedToken:
    """Issue a token (read only or read and write, expiring after `days`; None: never); its
    plaintext is returned once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=plaintext[:10],
        digest=token_digest(plaintext),
        scope=TokenScope(scope),
        expires_at=clock.now() + dt.timedelta(days=days) if days else None,
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        subject=f"user:{user.pk}",
        data={"token": token.prefix, "name": name, "scope": token.scope, "days": days},
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


def token_for(plaintext: str, *, related: Sequence[str] = ()) -> ApiToken | None:
    """The live token (with its active user) for a bearer token's plaintext, or None. `related`
    names further relations to fetch in the same query (e.g. "user__learner")."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = _token_query(tuple(related)).first(token_digest(plaintext))
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= clock.now():
        return None
    return token


def token_holder(plaintext: str) -> tuple[int, str] | None:
    """The user id and scope of a bearer token, decided as token_for decides (a live token,
    not expired, of an active user), or None: one read of two columns and no model built, for
    the hottest write (a burst's applications), whose caller needs no more than who it is."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    connection = transaction.get_connection()
    sql = _HOLDER_SQL.get(connection.vendor) or _holder_sql(connection)
    now = ApiToken._meta.get_field("expires_at").get_db_prep_value(clock.now(), connection)
    with prepared_cursor(connection) as cursor:  # planned once per connection
        cursor.execute(sql, (token_digest(plaintext), now, True))
        row = cursor.fetchone()
    return (int(row[0]), str(row[1])) if row is not None else None


_HOLDER_SQL: dict[str, str] = {}


def _holder_sql(connection: Any) -> str:
    """token_holder's read, written from the models' names once per database vendor."""
    t, u = ApiToken, User

    def col(model: Any, name: str) -> str:
        return column_sql(model, name, connection)

    _HOLDER_SQL[connection.vendor] = (
        f"SELECT t.{col(t, 'user')}, t.{col(t, 'scope')} "  # noqa: S608 - names from the models, values as parameters
        f"FROM {table_sql(t, connection)} t JOIN {table_sql(u, connection)} u "
        f"ON u.{col(u, 'id')} = t.{col(t, 'user')} "
        f"WHERE t.{col(t, 'digest')} = %s AND t.{col(t, 'revoked_at')} IS NULL "
        f"AND (t.{col(t, 'expires_at')} IS NULL OR t.{col(t, 'expires_at')} > %s) "
        f"AND u.{col(u, 'is_active')} = %s"
    )
    return _HOLDER_SQL[connection.vendor]


def user_for_token(plaintext: str, *, related: Sequence[str] = ()) -> User | None:
    """The active user behind a bearer token, or None."""
    token = token_for(plaintext, related=related)
    return token.user if token is not None else None


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
        username=username,
        display_name=display_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
        requires_second_factor=is_superuser,
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
                ApiToken(
                    user=user,
                    name=name,
                    prefix=text[:10],
                    digest=token_digest(text),
                    expires_at=clock.now() + dt.timedelta(days=TOKEN_DAYS),
                )
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


# Failed logins: an account waits after ACCOUNT_FAILURES failures within FAILURE_WINDOW, each
# lockout twice as long as the one before (up to LOCK_MAX); an address after ADDRESS_FAILURES
# (high, because a community school's desk or an elder college's room shares one address).
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 50
FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCK_FIRST = dt.timedelta(minutes=5)
LOCK_MAX = dt.timedelta(hours=1)


def _throttle_keys(username: str, address: str) -> tuple[str, str]:
    """Keyed digests, so the table holds no usernames (people type passwords there too) and
    no addresses."""

    def digest(kind: str, value: str) -> str:
        salt = f"learningcity.accounts.login.{kind}"
        return salted_hmac(salt, value, algorithm="sha256").hexdigest()

    return (
        "user:" + digest("user", username.strip().casefold()),
        "addr:" + digest("addr", address),
    )


def login_wait(*, username: str, address: str) -> int:
    """Seconds before this username may try again from this address (0: now)."""
    now = clock.now()
    locked = (
        LoginThrottle.objects.filter(key__in=_throttle_keys(username, address))
        .exclude(locked_until__isnull=True)
        .filter(locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    return max(1, int((locked - now).total_seconds())) if locked else 0


def _locked(key: str) -> LoginThrottle:
    try:
        with transaction.atomic():
            LoginThrottle.objects.get_or_create(key=key)
    except IntegrityError:  # another request created it first
        pass
    return LoginThrottle.objects.select_for_update().get(key=key)


@transaction.atomic
def login_failed(*, username: str, address: str) -> int:
    """Count a failed login for the username and the address; the seconds the next attempt
    must wait if this failure locked either (0: none)."""
    now = clock.now()
    wait = 0
    account_key, address_key = _throttle_keys(username, address)
    for key, limit in ((account_key, ACCOUNT_FAILURES), (address_key, ADDRESS_FAILURES)):
        throttle = _locked(key)
        if throttle.first_failure_at is None or now - throttle.first_failure_at > FAILURE_WINDOW:
            throttle.failures, throttle.first_failure_at = 0, now
        throttle.failures += 1
        if throttle.failures >= limit:
            lock = min(LOCK_FIRST * (2**throttle.lockouts), LOCK_MAX)
            throttle.locked_until = now + lock
            throttle.lockouts += 1
            throttle.failures, throttle.first_failure_at = 0, None
            wait = max(wait, int(lock.total_seconds()))
            audit_record(
                actor=None,
                action="login.locked",
                subject=f"login:{key[:21]}",
                data={"minutes": int(lock.total_seconds() // 60), "lockouts": throttle.lockouts},
            )
        throttle.save()
    return wait


def login_succeeded(*, username: str) -> None:
    """A right password clears the account's count and back-off (not the address's)."""
    account_key, _address_key = _throttle_keys(username, "")
    LoginThrottle.objects.filter(key=account_key).delete()


SECOND_FACTOR_CONTEXT = "accounts.second_factor"
# The session key saying this session passed the second factor (set after a right code).
SECOND_FACTOR_SESSION_KEY = "lc_second_factor"
ISSUER = "Learning City"


def second_factor_require(*, user_ids: Iterable[int], required: bool) -> None:
    """Whether these logins must give a one-time code too (the network's role services decide:
    staff who can change records, credits or money)."""
    User.objects.filter(pk__in=list(user_ids)).update(requires_second_factor=required)


@transaction.atomic
def totp_enrol(*, user: User, secret: str | None = None) -> str:
    """Start (or restart) setting up an authenticator app; the secret is shown once, for the
    QR code. A confirmed app is replaced only through totp_reset."""
    if SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).exists():
        raise Conflict(_("An authenticator app is already set up for this login."))
    secret = secret or totp.new_secret()
    SecondFactor.objects.update_or_create(
        user=user,
        defaults={
            "secret_encrypted": crypto.encrypt(secret, context=SECOND_FACTOR_CONTEXT),
            "confirmed_at": None,
            "last_step": 0,
        },
    )
    return secret


@transaction.atomic
def totp_pending_secret(*, user: User) -> str:
    """The secret of the app being set up (the same one on every visit until a first right
    code confirms it, so reloading the page does not undo a scan)."""
    device = SecondFactor.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is not None:
        return crypto.decrypt(device.secret_encrypted, context=SECOND_FACTOR_CONTEXT)
    return totp_enrol(user=user)


def totp_uri(*, user: User, secret: str) -> str:
    return totp.provisioning_uri(secret, account=user.get_username(), issuer=ISSUER)


@transaction.atomic
def totp_check(*, user: User, code: str) -> bool:
    """Whether `code` is the app's current one-time code, used for the first time; the first
    right code confirms a new app. A code is never accepted twice (the step used is kept)."""
    device = SecondFactor.objects.select_for_update().filter(user=user).first()
    if device is None:
        return False
    secret = crypto.decrypt(device.secret_encrypted, context=SECOND_FACTOR_CONTEXT)
    step = totp.matching_step(secret, code, clock.now())
    if step is None or step <= device.last_step:
        return False
    device.last_step = step
    fields = ["last_step"]
    if device.confirmed_at is None:
        device.confirmed_at = clock.now()
        fields.append("confirmed_at")
        # A resident who chose to set one up is asked for it at every login from now on.
        second_factor_require(user_ids=[user.pk], required=True)
        audit_record(actor=user, action="second_factor.confirm", subject=f"user:{user.pk}")
    device.save(update_fields=fields)
    return True


def totp_confirmed(user: User) -> bool:
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


@transaction.atomic
def totp_reset(*, actor: User | None, user: User, reason: str) -> None:
    """Remove a login's authenticator app (a lost phone); the next login sets up a new one."""
    _require_superuser(actor, _("Only the platform administrators may reset a second factor."))
    SecondFactor.objects.filter(user=user).delete()
    audit_record(
        actor=actor, action="second_factor.reset", subject=f"user:{user.pk}", reason=reason
    )
