"""A one-time code after the password for staff who can change records, credits or money:
set up once with an authenticator app, asked at every login, never accepted twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from learningcity.accounts.models import SecondFactor, User
from learningcity.accounts.services import (
    SECOND_FACTOR_CONTEXT,
    api_token_create,
    totp_enrol,
    totp_reset,
    user_create,
)
from learningcity.core import clock, crypto, totp
from learningcity.core.errors import PermissionDenied

# Accounts sit below the network: the `city` fixture (conftest.py) is taken untyped.
City = Any

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
CODE = reverse("accounts:two_factor")
PASSWORD = "a-long-test-passphrase"


def code_for(user: User, moment: dt.datetime | None = None) -> str:
    device = SecondFactor.objects.get(user=user)
    secret = crypto.decrypt(device.secret_encrypted, context=SECOND_FACTOR_CONTEXT)
    return totp.code_at(secret, totp.step_at(moment or clock.now()))


def log_in(client: Client, username: str, next_url: str = "/network/") -> Any:
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": next_url})


def test_staff_who_can_change_records_need_a_second_factor_and_viewers_do_not(
    city: City,
) -> None:
    assert city.a.officer.requires_second_factor is True  # a district office's administrator
    assert city.municipal_officer.requires_second_factor is False  # a viewer
    assert city.root.requires_second_factor is True  # the platform administrator


def test_the_first_login_sets_up_the_app_and_then_lets_her_in(city: City) -> None:
    client = Client()
    client.cookies["lc_language"] = "en"

    after_password = log_in(client, "officer-310101")
    blocked = client.get(after_password["Location"])
    page = client.get(blocked["Location"]).content.decode()
    done = client.post(CODE, {"code": code_for(city.a.officer), "next": "/network/"})
    inside = client.get("/network/")

    assert after_password["Location"] == "/network/"
    # the page she asked for sends her to the code page, which sets the app up
    assert blocked["Location"] == f"{CODE}?next=%2Fnetwork%2F"
    assert "Set up your authenticator app" in page
    assert 'src="data:image/svg+xml' in page
    assert done["Location"] == "/network/"
    assert inside.status_code == 200
    assert SecondFactor.objects.get(user=city.a.officer).confirmed_at is not None


def test_every_later_login_asks_for_the_code_and_a_code_works_only_once(city: City) -> None:
    officer = city.a.officer
    totp_enrol(user=officer)
    first = Client()
    log_in(first, "officer-310101")
    code = code_for(officer)
    assert first.post(CODE, {"code": code})["Location"] == "/"

    second = Client()
    second.cookies["lc_language"] = "en"
    log_in(second, "officer-310101")
    page = second.get(CODE).content.decode()
    replay = second.post(CODE, {"code": code})

    assert "Type your one-time code" in page
    assert replay.status_code == 200
    assert "That code is not right." in replay.content.decode()
    assert second.get("/network/").status_code == 302


def test_the_api_refuses_a_session_that_has_not_given_its_code(city: City) -> None:
    client = Client()
    log_in(client, "officer-310101")
    token = api_token_create(actor=None, user=city.a.officer, name="sync").plaintext

    with translation.override("en"):
        by_session = client.get("/api/v1/me")
    by_token = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert by_session.status_code == 403
    assert by_session.json()["code"] == "second_factor_required"
    assert by_token.status_code == 200  # systems' tokens carry no session


def test_guessing_codes_locks_the_code_page(city: City) -> None:
    client = Client()
    client.cookies["lc_language"] = "en"
    totp_enrol(user=city.a.officer)
    log_in(client, "officer-310101")

    answers = [client.post(CODE, {"code": "000000"}).content.decode() for _ in range(5)]
    right = client.post(CODE, {"code": code_for(city.a.officer)})

    assert "That code is not right." in answers[0]
    assert "Too many failed attempts" in answers[-1]
    assert right.status_code == 200  # still waiting, even with the right code


def test_a_resident_logs_in_without_a_code_but_may_choose_one(city: City) -> None:
    resident = user_create(actor=None, username="lin", password=PASSWORD)
    client = Client()

    assert log_in(client, "lin")["Location"] == "/network/"
    assert client.get("/network/").status_code == 200

    client.get(CODE)
    client.post(CODE, {"code": code_for(resident)})
    resident.refresh_from_db()
    assert resident.requires_second_factor is True
    later = Client()
    log_in(later, "lin")
    assert later.get("/network/")["Location"].startswith(CODE)


def test_only_platform_administrators_reset_a_lost_phone(city: City) -> None:
    totp_enrol(user=city.a.officer)

    with pytest.raises(PermissionDenied):
        totp_reset(actor=city.a.officer, user=city.a.officer, reason="lost phone")
    totp_reset(actor=city.root, user=city.a.officer, reason="lost phone")

    assert not SecondFactor.objects.filter(user=city.a.officer).exists()


def test_the_secret_is_encrypted_at_rest(city: City) -> None:
    secret = totp_enrol(user=city.a.officer)

    stored = bytes(SecondFactor.objects.get(user=city.a.officer).secret_encrypted)

    assert secret.encode() not in stored


def test_the_code_page_is_only_for_someone_who_gave_a_password(client: Client) -> None:
    response = client.get(CODE)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
