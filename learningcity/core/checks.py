"""System checks for misconfiguration that would otherwise surface as a breach or a 500."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_secrets(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    dev_ok = settings.DEBUG or settings.LEARNINGCITY_DEV_KEYS_OK
    if not dev_ok and settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        errors.append(Error("SECRET_KEY is the development default.", id="core.E001"))
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        errors.append(Error("FIELD_ENCRYPTION_KEYS is empty.", id="core.E002"))
    for item in keys:
        key_id, sep, encoded = item.partition(":")
        try:
            valid = bool(sep) and 0 < int(key_id) < 256 and len(base64.b64decode(encoded)) == 32
        except (ValueError, binascii.Error):
            valid = False
        if not valid:
            errors.append(
                Error(
                    "Each FIELD_ENCRYPTION_KEYS item must be 'id:base64' with id 1-255 and a "
                    "32-byte key.",
                    id="core.E003",
                )
            )
    if not dev_ok and any(item.endswith(settings.DEV_FIELD_KEY) for item in keys):
        errors.append(Error("FIELD_ENCRYPTION_KEYS uses the development key.", id="core.E004"))
    if not dev_ok and settings.BLIND_INDEX_KEY == settings.DEV_FIELD_KEY:
        errors.append(Error("BLIND_INDEX_KEY is the development key.", id="core.E005"))
    return errors
