"""1EdTech's own sample credentials through the project's verifier: the valid ones pass, the
broken ones fail, each for the reason its name gives."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from learningcity.credentials import proofs, verification

SAMPLES = Path(__file__).parent / "samples"
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def loader() -> proofs.DocumentLoader:
    docs = {}
    for path in (SAMPLES / "keys").glob("*_issuers_*.json"):
        document = json.loads(path.read_text())
        docs[document["id"]] = document
    for url, name in json.loads((SAMPLES / "keys" / "urls.json").read_text())["urls"].items():
        docs[url] = json.loads((SAMPLES / "keys" / f"bsl-{name}").read_text())
    return proofs.DocumentLoader(docs)


def check(name: str) -> verification.VerificationResult:
    document = proofs.loads((SAMPLES / name).read_text())
    return verification.verify(document, loader=loader(), now=NOW)


@pytest.mark.parametrize(
    "name",
    [
        "ob30-simple.json",
        "ob30-simple-context-alias.json",
        "ob30-simple-context-version.json",
        "ob30-simple-multiple-proofs.json",
        "ob30-simple-did-web-method.json",
        "ob30-simple-did-key-method.json",
        "clr20-simple.json",
    ],
)
def test_valid_samples_pass(name: str) -> None:
    result = check(name)

    assert result.valid, result.checks
    assert result.reasons == ()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ob30-simple-err-proof-value.json", "bad_proof"),
        ("ob30-simple-err-expired.json", "expired"),
        ("ob30-simple-err-issued.json", "not_yet_valid"),
        ("ob30-simple-err-context.json", "wrong_context"),
        ("ob30-simple-err-issuer.json", "unknown_issuer_key"),
        ("ob30-simple-err-issuer.json", "malformed"),
        ("ob30-simple-err-type.json", "malformed"),
        ("ob30-simple-err-issuer-type.json", "malformed"),
        ("ob30-simple-err-credential-subject-type.json", "malformed"),
        ("ob30-simple-err-proof-method.json", "unknown_issuer_key"),
        ("ob30-simple-err-proof-method-no-scheme.json", "unknown_issuer_key"),
        ("ob30-simple-err-proof-method-unknown-did-method.json", "unknown_issuer_key"),
        ("ob30-simple-err-proof-method-unknown-scheme.json", "unknown_issuer_key"),
        ("ob30-credential-status-revoked.json", "revoked"),
    ],
)
def test_broken_samples_fail_for_their_reason(name: str, reason: str) -> None:
    result = check(name)

    assert not result.valid
    assert reason in result.reasons


def test_revoked_sample_is_otherwise_genuine() -> None:
    result = check("ob30-credential-status-revoked.json")

    assert result.reasons == ("revoked",)


def test_a_loader_never_fetches() -> None:
    with pytest.raises(Exception, match="Refused to load"):
        proofs.DocumentLoader()("https://example.org/context.json")
