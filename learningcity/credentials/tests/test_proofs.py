"""The canonicalization pitfalls, and the building blocks, without a database."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from learningcity.credentials import proofs

LOADER = proofs.DocumentLoader()
KEY = Ed25519PrivateKey.generate()


def doc(**subject: object) -> dict[str, object]:
    return {
        "@context": [proofs.VC_V2, proofs.OB_V3],
        "id": "urn:uuid:2f0d1a9e-5d4b-4d52-9a55-0c3b3a4f3a10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "https://lc.example/credentials/issuers/X",
            "type": ["Profile"],
            "name": "X",
        },
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "n",
        "credentialSubject": {
            "id": "urn:uuid:7c0b5b8e-0e55-4b0c-9a40-5f5b8c2a7d11",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:0a3e8f44-9b6a-4a55-8d2c-1f0e9b7c6d22",
                "type": ["Achievement"],
                "name": "a",
                "description": "d",
                "criteria": {"narrative": "c"},
            },
            **subject,
        },
    }


def sign(document: dict[str, object]) -> dict[str, object]:
    return proofs.sign(
        document,
        private_key=KEY,
        verification_method="https://lc.example/credentials/issuers/X#k",
        created="2026-01-01T00:00:00Z",
        loader=LOADER,
    )


def valid(document: dict[str, object]) -> bool:
    proof = proofs.proofs_of(document)[0]
    return proofs.verify_signature(document, proof, KEY.public_key(), LOADER).ok


def test_control_characters_use_the_canonical_escapes() -> None:
    assert proofs._canonical_escape('\b\t\n\x0b\f\r"\\\x7f\x00é') == (
        '\\b\\t\\n\\u000B\\f\\r\\"\\\\\\u007F\\u0000é'
    )


def test_control_characters_in_a_signed_string_verify_and_are_protected() -> None:
    signed = sign(doc(creditsEarned=2))
    signed["name"] = "line\x01\x0bend\f"
    resigned = sign(signed)

    assert valid(resigned)
    resigned["name"] = "line\x01\x0bend"
    assert not valid(resigned)


def test_relative_iris_are_refused() -> None:
    document = doc()
    document["id"] = "credentials/3"

    with pytest.raises(proofs.ProofError) as refused:
        sign(document)
    assert refused.value.code == "iri"


def test_undefined_properties_are_refused() -> None:
    with pytest.raises(proofs.ProofError) as refused:
        sign(doc(favouriteColour="blue"))
    assert refused.value.code == "undefined_term"
    assert "favouriteColour" in str(refused.value)


def test_undefined_types_are_refused() -> None:
    document = doc()
    document["type"] = ["VerifiableCredential", "MadeUpCredential"]

    with pytest.raises(proofs.ProofError):
        sign(document)


def test_integers_beyond_2_53_are_refused() -> None:
    with pytest.raises(proofs.ProofError) as refused:
        sign(doc(creditsEarned=2**53 + 1))
    assert refused.value.code == "unsafe_number"


def test_numbers_are_read_as_javascript_reads_them() -> None:
    assert proofs.loads('{"a": 9007199254740993, "b": 5.0, "c": 2.5}') == {
        "a": 9007199254740992,
        "b": 5,
        "c": 2.5,
    }


@given(st.binary(min_size=0, max_size=40))
def test_base58_round_trips(data: bytes) -> None:
    assert proofs.base58_decode(proofs.base58_encode(data)) == data


@given(st.sets(st.integers(min_value=0, max_value=proofs.STATUS_LIST_BITS - 1), max_size=20))
def test_status_bits_round_trip(indexes: set[int]) -> None:
    bits = bytes(proofs.STATUS_LIST_BITS // 8)
    for index in indexes:
        bits = proofs.bit_set(bits, index)
    decoded = proofs.bitstring_decode(proofs.bitstring_encode(bits))

    assert {
        i for i in range(0, proofs.STATUS_LIST_BITS) if proofs.bit_is_set(decoded, i)
    } == indexes
