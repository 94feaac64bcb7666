"""Bearer tokens for systems: shown once, stored as a digest, revocable, expiring."""

import datetime as dt
import hashlib
from typing import Any

from django.test import Client
from django.utils import translation

from learningcity.accounts.models import ApiToken, User
from learningcity.accounts.services import (
    api_token_create,
    api_token_revoke,
    user_create,
    user_for_token,
)
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


def test_the_stored_digest_is_keyed_not_a_plain_hash(db: None, settings: Any) -> None:
    issued = api_token_create(actor=None, user=make_user(), name="LMS")
    stored = ApiToken.objects.get()

    assert stored.digest != hashlib.sha256(issued.plaintext.encode()).hexdigest()
    assert user_for_token(issued.plaintext) == issued.token.user
    # Another key, another digest: a copied table is useless without the key
    settings.SECRET_KEY = "another-secret-key-for-this-test-" + "x" * 30
    assert user_for_token(issued.plaintext) is None


def test_a_token_expires_after_a_year_unless_told_otherwise(db: None) -> None:
    user = make_user()
    yearly = api_token_create(actor=None, user=user, name="LMS")
    forever = api_token_create(actor=None, user=user, name="archive", days=None)

    assert yearly.token.expires_at is not None
    assert (yearly.token.expires_at - clock.now()).days in (364, 365)
    assert forever.token.expires_at is None


def test_a_read_only_token_reads_but_may_not_write(db: None, client: Client) -> None:
    issued = api_token_create(actor=None, user=make_user(), name="dashboard", scope="read")
    headers = {"Authorization": f"Bearer {issued.plaintext}", "Accept-Language": "en"}

    read = client.get("/api/v1/me", headers=headers)
    with translation.override("en"):
        write = client.post(
            "/api/v1/applications",
            {"class_id": "00000000-0000-0000-0000-000000000000"},
            content_type="application/json",
            headers=headers,
        )

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json()["message"] == "This token may only read. Ask for a token that may write."
