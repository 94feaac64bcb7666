from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client
from django.utils import translation

from learningcity.accounts.services import SECOND_FACTOR_SESSION_KEY
from learningcity.core.ratelimit import CACHE as RATE_LIMIT_CACHE
from learningcity.network.tests.factories import City, make_city

# The SQLite test database is a file under var/ (see settings.DATABASES).
django_settings.VAR_DIR.mkdir(parents=True, exist_ok=True)


@pytest.fixture(autouse=True)
def _fast_test_settings(settings: Any) -> None:
    """Static files straight from the apps (no collectstatic manifest); a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's default language: a request handled earlier in the same
    worker (say in English) leaves its language active in the thread."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Each test starts with no requests counted (the counts live in process memory)."""
    caches[RATE_LIMIT_CACHE].clear()


@pytest.fixture(autouse=True)
def _force_login_passes_both_factors(monkeypatch: pytest.MonkeyPatch) -> None:
    """`Client.force_login` skips the password; here it skips the one-time code as well, as if
    the person had typed both. Tests of the code itself log in through the pages."""
    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        session = self.session
        session[SECOND_FACTOR_SESSION_KEY] = True
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def city(db: None) -> City:
    """Shanghai in miniature: two districts, each with offices, a college, a school, a site
    and staff at every level."""
    return make_city()
