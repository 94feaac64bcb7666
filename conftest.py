from typing import Any

import pytest
from django.conf import settings as django_settings

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


@pytest.fixture
def city(db: None) -> City:
    """Shanghai in miniature: two districts, each with offices, a college, a school, a site
    and staff at every level."""
    return make_city()
