"""Personal data at rest: AES-256-GCM with versioned keys, and an HMAC blind index for lookup."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_NONCE_BYTES = 12


class DecryptionError(ValueError):
    pass


def _keys() -> list[tuple[int, bytes]]:
    keys = []
    for item in settings.FIELD_ENCRYPTION_KEYS:
        key_id, _, encoded = item.partition(":")
        keys.append((int(key_id), base64.b64decode(encoded)))
    return keys


def encrypt(plaintext: str, *, context: str) -> bytes:
    """Encrypt with the newest key. `context` (e.g. "learner.id_number") is bound as AAD, so a
    ciphertext copied into another column does not decrypt."""
    key_id, key = _keys()[0]
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
    return bytes([key_id]) + nonce + sealed


def decrypt(blob: bytes | memoryview, *, context: str) -> str:
    blob = bytes(blob)
    key_id = blob[0]
    for candidate_id, key in _keys():
        if candidate_id == key_id:
            nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
            try:
                return AESGCM(key).decrypt(nonce, sealed, context.encode()).decode()
            except Exception as exc:  # cryptography raises InvalidTag
                raise DecryptionError("ciphertext does not verify") from exc
    raise DecryptionError(f"no key with id {key_id}")


def blind_index(value: str, *, context: str) -> str:
    """Deterministic keyed digest: equal inputs match, the input cannot be recovered."""
    key = base64.b64decode(settings.BLIND_INDEX_KEY)
    message = f"{context}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
