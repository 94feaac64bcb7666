"""Fixtures the events tests share."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def en(client: Client) -> Client:
    client.cookies["lc_language"] = "en"
    return client
