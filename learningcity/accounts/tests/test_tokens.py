"""Bearer tokens for systems: shown once, stored as a digest, revocable, expiring."""

import datetime as dt

from django.test import Client

from learningcity.accounts.models import ApiToken, User
from learningcity.accounts.services import api_token_create, api_token_revoke, user_create
from learningcity.core import clock


def make_user(username: str = "") -> User:
    return user_create(
        actor=None, username=username or f"u{User.objects.count() + 1}", password=None
    )


def test_token_authenticates_and_only_its_digest_is_stored(db: None, client: Client) -> None:
    user = make_user(username="provider-system")
    issued = api_token_create(actor=None, user=user, name="LMS")

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.plaintext}"})

    assert response.json()["username"] == "provider-system"
    stored = ApiToken.objects.get()
    assert issued.plaintext not in (stored.digest, stored.prefix)


def test_revoked_token_is_refused(db: None, client: Client) -> None:
    issued = api_token_create(actor=None, user=make_user(), name="LMS")
    api_token_revoke(actor=None, token=issued.token)

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.plaintext}"})

    assert response.status_code == 401


def test_expired_token_is_refused(db: None, client: Client) -> None:
    issued = api_token_create(actor=None, user=make_user(), name="LMS")
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=clock.now() - dt.timedelta(seconds=1)
    )

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.plaintext}"})

    assert response.status_code == 401


def test_token_of_a_deactivated_user_is_refused(db: None, client: Client) -> None:
    user = make_user()
    issued = api_token_create(actor=None, user=user, name="LMS")
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.plaintext}"})

    assert response.status_code == 401


def test_garbage_token_is_refused(db: None, client: Client) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer lc_nope"})

    assert response.status_code == 401
