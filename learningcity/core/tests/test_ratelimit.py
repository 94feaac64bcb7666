"""Rate limits answer 429 with Retry-After beyond the limit, per requester and per scope."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from learningcity.core.ratelimit import wait_seconds

pytestmark = pytest.mark.django_db


def test_the_limit_counts_per_key_and_scope() -> None:
    waits = [wait_seconds("test", "a", limit=3, window=60) for _ in range(4)]

    assert waits[:3] == [0, 0, 0]
    assert 1 <= waits[3] <= 60
    assert wait_seconds("test", "b", limit=3, window=60) == 0
    assert wait_seconds("other", "a", limit=3, window=60) == 0


def test_the_verification_api_answers_429_with_retry_after() -> None:
    client = Client()

    with translation.override("en"):
        answers = [
            client.post(
                "/api/v1/credentials/verify",
                {"a": 1},
                content_type="application/json",
                headers={"Accept-Language": "en"},
            )
            for _ in range(61)
        ]

    statuses = [a.status_code for a in answers]
    assert 429 not in statuses[:60]
    last = answers[-1]
    assert last.status_code == 429
    assert 1 <= int(last["Retry-After"]) <= 60
    assert last.json()["code"] == "rate_limited"
    assert last.json()["message"].startswith("Too many requests. Please wait")


def test_the_verification_page_answers_429_after_sixty_posts_in_a_minute() -> None:
    client = Client()
    client.cookies["lc_language"] = "en"

    for _ in range(60):
        client.post("/credentials/verify/", {"text": "{}"})
    refused = client.post("/credentials/verify/", {"text": "{}"})
    still_readable = client.get("/credentials/verify/")

    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert refused["Retry-After"].isdigit()
    assert still_readable.status_code == 200
