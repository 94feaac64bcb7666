"""Misconfiguration is refused by system checks before it can leak data."""

from django.conf import settings
from django.test import override_settings

from learningcity.core.checks import check_secrets


@override_settings(DEBUG=False, LEARNINGCITY_DEV_KEYS_OK=False)
def test_development_keys_are_refused_in_production() -> None:
    ids = {error.id for error in check_secrets()}

    assert ids == {"core.E001", "core.E004", "core.E005"}


@override_settings(
    DEBUG=False,
    LEARNINGCITY_DEV_KEYS_OK=False,
    SECRET_KEY="s" * 50,
    FIELD_ENCRYPTION_KEYS=["1:" + "QUFB" * 11],
    BLIND_INDEX_KEY="QkJC" * 11,
)
def test_malformed_encryption_key_is_reported() -> None:
    ids = {error.id for error in check_secrets()}

    assert ids == {"core.E003"}


@override_settings(LEARNINGCITY_DEV_KEYS_OK=True)
def test_demo_and_tests_may_use_development_keys() -> None:
    assert settings.FIELD_ENCRYPTION_KEYS
    assert check_secrets() == []
