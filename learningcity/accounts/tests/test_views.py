from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

# The `city` fixture (conftest.py) builds users through the network's factories; accounts sits
# below network, so these tests take it untyped rather than import from there.
City = Any

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
PASSWORD = "a-long-test-passphrase"


def test_login_page_has_labelled_fields_in_chinese(client: Client) -> None:
    response = client.get(LOGIN)

    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="zh-Hans"' in content
    assert '<label for="id_username">' in content
    assert '<label for="id_password">' in content
    assert 'autocomplete="current-password"' in content


def test_login_page_in_english(client: Client) -> None:
    client.cookies["lc_language"] = "en"

    response = client.get(LOGIN)

    content = response.content.decode()
    assert '<label for="id_username">Username</label>' in content
    assert '<label for="id_password">Password</label>' in content


def test_login_with_the_right_password_goes_home(client: Client, city: City) -> None:
    response = client.post(LOGIN, {"username": "officer-310101", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert client.session["_auth_user_id"] == str(city.a.officer.pk)


def test_login_follows_a_safe_next(client: Client, city: City) -> None:
    response = client.post(
        LOGIN, {"username": "officer-310101", "password": PASSWORD, "next": "/network/"}
    )

    assert response["Location"] == "/network/"


def test_login_refuses_an_off_site_next(client: Client, city: City) -> None:
    response = client.post(
        LOGIN,
        {"username": "officer-310101", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("portal:home")


def test_wrong_password_is_an_error_in_chinese(client: Client, city: City) -> None:
    response = client.post(LOGIN, {"username": "officer-310101", "password": "wrong"})

    assert response.status_code == 200
    content = response.content.decode()
    assert 'role="alert"' in content
    assert "请输入一个正确的" in content
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_an_error_in_english(client: Client, city: City) -> None:
    client.cookies["lc_language"] = "en"

    response = client.post(LOGIN, {"username": "officer-310101", "password": "wrong"})

    assert "Please enter a correct username and password." in response.content.decode()


def test_empty_login_marks_both_fields_invalid(client: Client) -> None:
    response = client.post(LOGIN, {"username": "", "password": ""})

    content = response.content.decode()
    assert content.count('aria-invalid="true"') == 2
    assert 'id="id_username_error"' in content


def test_logged_in_page_offers_log_out(client: Client, city: City) -> None:
    client.force_login(city.a.officer)

    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en")

    assert "Log out (officer-310101)" in response.content.decode()
