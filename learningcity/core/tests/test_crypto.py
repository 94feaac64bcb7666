"""Personal data at rest: authenticated encryption, key rotation, blind index."""

import base64

import pytest
from django.test import override_settings

from learningcity.core import crypto

KEY_1 = "1:" + base64.b64encode(b"k" * 32).decode()
KEY_2 = "2:" + base64.b64encode(b"n" * 32).decode()


@override_settings(FIELD_ENCRYPTION_KEYS=[KEY_1])
def test_round_trip_without_plaintext_in_ciphertext() -> None:
    blob = crypto.encrypt("31010119800101123X", context="learner.id_number")

    assert b"31010119800101123X" not in blob
    assert crypto.decrypt(blob, context="learner.id_number") == "31010119800101123X"


@override_settings(FIELD_ENCRYPTION_KEYS=[KEY_1])
def test_same_plaintext_encrypts_differently_each_time() -> None:
    assert crypto.encrypt("x", context="c") != crypto.encrypt("x", context="c")


@override_settings(FIELD_ENCRYPTION_KEYS=[KEY_1])
def test_ciphertext_moved_to_another_column_does_not_decrypt() -> None:
    blob = crypto.encrypt("secret", context="learner.id_number")

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(blob, context="learner.phone")


def test_rotation_keeps_old_ciphertexts_readable() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_1]):
        old = crypto.encrypt("before rotation", context="c")

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_2, KEY_1]):
        new = crypto.encrypt("after rotation", context="c")
        assert crypto.decrypt(old, context="c") == "before rotation"
        assert new[0] == 2

    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_2]), pytest.raises(crypto.DecryptionError):
        crypto.decrypt(old, context="c")


@override_settings(FIELD_ENCRYPTION_KEYS=[KEY_1])
def test_tampered_ciphertext_is_refused() -> None:
    blob = bytearray(crypto.encrypt("secret", context="c"))
    blob[-1] ^= 1

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(blob), context="c")


def test_blind_index_is_deterministic_and_keyed() -> None:
    first = crypto.blind_index("31010119800101123X", context="learner.id_number")

    assert first == crypto.blind_index("31010119800101123X", context="learner.id_number")
    assert "31010119800101123X" not in first
    with override_settings(BLIND_INDEX_KEY=base64.b64encode(b"z" * 32).decode()):
        assert crypto.blind_index("31010119800101123X", context="learner.id_number") != first
