"""Issuing, verifying, revoking and rotating keys, through the services."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.utils import translation

from learningcity.core.errors import NotFound, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.credentials import proofs, selectors, services
from learningcity.credentials.models import IssuerKey
from learningcity.credentials.tests.factories import achievement, issue
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db


def doc(credential: Any) -> dict[str, Any]:
    return dict(proofs.loads(credential.document))


def test_an_issued_credential_verifies(city: City) -> None:
    credential = issue(city)

    result = services.credential_verify(doc(credential))

    assert result.valid
    assert [c.name for c in result.checks] == [
        "context",
        "structure",
        "proof",
        "issuer_key",
        "signature",
        "valid_from",
        "status",
    ]
    assert result.subject_name == "王秀英"
    assert result.issuer_id == selectors.issuer_url(city.a.college.code)
    assert AuditEntry.objects.filter(action="credentials.issue").count() == 1


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths(v, (*prefix, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths(v, (*prefix, i))]
    return [prefix]


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return f"{value}x" if not str(value).startswith(("http", "urn")) else f"{value}0"


def test_tampering_with_any_signed_field_fails(city: City) -> None:
    signed = doc(issue(city))
    leaves = [p for p in _paths(signed) if p[0] not in ("proof", "@context")]
    assert len(leaves) > 25

    for path in leaves:
        tampered = copy.deepcopy(signed)
        target = tampered
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = _changed(target[path[-1]])

        result = services.credential_verify(tampered)

        assert not result.valid, path
        assert "tampered" in result.reasons or "unknown_issuer_key" in result.reasons, path


def test_a_removed_field_fails(city: City) -> None:
    signed = doc(issue(city))
    del signed["credentialSubject"]["result"]

    assert services.credential_verify(signed).reasons == ("tampered",)


def test_a_revoked_credential_reports_revoked(city: City) -> None:
    credential = issue(city)

    services.credential_revoke(actor=city.root, public_id=credential.public_id, reason="in error")

    result = services.credential_verify(doc(credential))
    assert result.reasons == ("revoked",)
    assert AuditEntry.objects.filter(action="credentials.revoke", reason="in error").exists()


def test_revoking_one_leaves_the_others_valid(city: City) -> None:
    first, second = issue(city), issue(city)

    services.credential_revoke(actor=city.root, public_id=first.public_id, reason="in error")

    assert services.credential_verify(doc(second)).valid


def test_revoking_needs_a_reason_and_happens_once(city: City) -> None:
    credential = issue(city)
    with pytest.raises(ValidationFailed):
        services.credential_revoke(actor=city.root, public_id=credential.public_id, reason=" ")
    services.credential_revoke(actor=city.root, public_id=credential.public_id, reason="x")
    with translation.override("en"), pytest.raises(Exception, match="already revoked"):
        services.credential_revoke(actor=city.root, public_id=credential.public_id, reason="x")


def test_key_rotation_keeps_old_credentials_valid(city: City) -> None:
    old = issue(city)

    services.issuer_key_rotate(actor=city.root, issuer_code=city.a.college.code)
    new = issue(city)

    assert services.credential_verify(doc(old)).valid
    assert services.credential_verify(doc(new)).valid
    assert doc(old)["proof"]["verificationMethod"] != doc(new)["proof"]["verificationMethod"]
    controller = selectors.issuer_document(city.a.college.code)
    assert controller is not None
    assert len(controller["verificationMethod"]) == 2


def test_private_keys_are_encrypted_at_rest(city: City) -> None:
    issue(city)

    key = IssuerKey.objects.get()
    assert len(bytes(key.private_key_encrypted)) > 32
    assert key.public_key_multibase.encode() not in bytes(key.private_key_encrypted)


def test_each_organization_has_its_own_key(city: City) -> None:
    a = issue(city)
    b = services.credential_issue(
        actor=city.root, issuer_code=city.b.college.code, subject=achievement()
    )

    assert (
        doc(a)["proof"]["verificationMethod"].split("#")[1]
        != (doc(b)["proof"]["verificationMethod"].split("#")[1])
    )


def test_a_key_of_another_issuer_is_refused(city: City) -> None:
    signed = doc(issue(city))
    other = doc(
        services.credential_issue(
            actor=city.root, issuer_code=city.b.college.code, subject=achievement()
        )
    )
    signed["proof"] = other["proof"]

    assert "unknown_issuer_key" in services.credential_verify(signed).reasons


def test_undefined_properties_are_refused_when_signing(city: City) -> None:
    with pytest.raises(ValidationFailed) as refused:
        issue(city, achievement_type="Course", human_code="C1", field_of_study="x\x01y")
        services.credential_issue(
            actor=city.root,
            issuer_code=city.a.college.code,
            subject=achievement(achievement_id="relative/id"),
        )
    assert refused.value.code == "not_signable"


def test_control_characters_are_signed_and_verified(city: City) -> None:
    credential = issue(city, description="line one\nline\ttwo\x0bthree\x7f")

    assert services.credential_verify(doc(credential)).valid


def test_issuing_again_for_a_source_returns_the_first(city: City) -> None:
    first = services.credential_issue(
        actor=city.root, issuer_code=city.a.college.code, subject=achievement(), source="t:1"
    )
    again = services.credential_issue(
        actor=city.root, issuer_code=city.a.college.code, subject=achievement(), source="t:1"
    )

    assert again.pk == first.pk


def test_staff_of_another_district_cannot_issue(city: City) -> None:
    with pytest.raises(NotFound):
        services.credential_issue(
            actor=city.b.officer, issuer_code=city.a.college.code, subject=achievement()
        )


def test_expired_and_future_credentials_say_so(city: City) -> None:
    import datetime as dt

    past = issue(
        city,
        valid_until=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        valid_from=dt.datetime(2019, 1, 1, tzinfo=dt.UTC),
    )
    future = issue(city, valid_from=dt.datetime(2100, 1, 1, tzinfo=dt.UTC))

    assert services.credential_verify(doc(past)).reasons == ("expired",)
    assert services.credential_verify(doc(future)).reasons == ("not_yet_valid",)


def test_a_wrong_context_is_reported(city: City) -> None:
    signed = doc(issue(city))
    signed["@context"] = signed["@context"][::-1]

    assert "wrong_context" in services.credential_verify(signed).reasons


def test_a_broken_proof_value_is_a_bad_proof(city: City) -> None:
    signed = doc(issue(city))
    signed["proof"]["proofValue"] = "z" + "1" * 10

    assert services.credential_verify(signed).reasons == ("bad_proof",)


def test_the_status_list_is_a_signed_credential(city: City) -> None:
    credential = issue(city)
    url = doc(credential)["credentialStatus"]["statusListCredential"]

    listing = selectors.platform_document(url)

    assert listing is not None
    assert listing["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert services.credential_verify(listing).valid


def test_a_transcript_embeds_the_signed_credentials(city: City) -> None:
    learner = "1f1e5a1c-2b0a-4e43-8a56-7a0a3c9d9e01"
    a = issue(city, learner_public_id=learner)
    b = issue(city, learner_public_id=learner, name="Piano")
    from learningcity.core import clock
    from learningcity.credentials.data import TranscriptData

    clr = services.transcript_issue(
        actor=city.root,
        issuer_code=city.a.college.code,
        transcript=TranscriptData(
            learner_public_id=learner,
            learner_name="王秀英",
            name="Transcript",
            description="Two courses",
            valid_from=clock.now(),
            credential_ids=(str(a.public_id), str(b.public_id)),
        ),
    )

    document = json.loads(clr.document)
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert len(document["credentialSubject"]["verifiableCredential"]) == 2
    assert services.credential_verify(document).valid
