"""Requests carrying a NUL character are refused at the door with a 400 that says why."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_nul_in_the_address_or_a_json_or_form_body_is_refused(client: Client) -> None:
    english = {"Accept-Language": "en"}

    in_query = client.get("/api/v1/areas", {"q": "a\x00b"}, headers=english)
    in_json = client.post(
        "/api/v1/credentials/verify",
        '{"name": "a\\u0000b"}',
        content_type="application/json",
        headers=english,
    )
    in_form = client.post(
        "/accounts/login/",
        "username=a%00b&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    in_cookie = Client(HTTP_COOKIE="sessionid=abcdefgh\x00ijk").get("/api/v1/communities/teams")
    clean = client.get("/api/v1/areas", {"q": "ab"})

    assert {in_query.status_code, in_json.status_code, in_form.status_code} == {400}
    assert in_cookie.status_code == 400
    assert in_json.json()["message"] == "Text may not contain the NUL character (\\u0000)."
    assert clean.status_code == 200
