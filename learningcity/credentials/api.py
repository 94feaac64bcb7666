"""Verifying credentials and fetching the documents a verifier needs; revoking (staff)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, Router, Schema

from learningcity.accounts.api import api_auth
from learningcity.core.errors import NotFound
from learningcity.core.ratelimit import api_limit
from learningcity.credentials import proofs, selectors, services
from learningcity.credentials.data import VerificationResult

router = Router(tags=["credentials"])


class CheckOut(Schema):
    name: str
    passed: bool
    code: str
    detail: str


class VerifyOut(Schema):
    valid: bool
    reasons: list[str]
    checks: list[CheckOut]
    credential_id: str
    types: list[str]
    issuer_id: str
    issuer_name: str
    subject_id: str
    subject_name: str
    name: str
    valid_from: str
    valid_until: str
    issued_by_platform: bool


class RevokeIn(Schema):
    reason: str


class RevokeOut(Schema):
    public_id: uuid.UUID
    revoked_at: Any
    reason: str


def _out(result: VerificationResult) -> dict[str, Any]:
    return {
        "valid": result.valid,
        "reasons": [str(r) for r in result.reasons],
        "checks": [
            {"name": c.name, "passed": c.passed, "code": str(c.code), "detail": c.detail}
            for c in result.checks
        ],
        "credential_id": result.credential_id,
        "types": list(result.types),
        "issuer_id": result.issuer_id,
        "issuer_name": result.issuer_name,
        "subject_id": result.subject_id,
        "subject_name": result.subject_name,
        "name": result.name,
        "valid_from": result.valid_from,
        "valid_until": result.valid_until,
        "issued_by_platform": result.issued_by_platform,
    }


# Verifying is public and costs a signature check: enough for any employer, not for a flood.
VERIFY_PER_MINUTE = 60


@router.post("/credentials/verify", response=VerifyOut, auth=None)
@api_limit("credentials.verify", limit=VERIFY_PER_MINUTE, window=60)
def verify(request: HttpRequest, credential: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
    """Verify a credential (the body is the credential itself): signature, issuer key,
    validity dates, revocation status, contexts. Every check is listed with a reason code
    when it fails: malformed, wrong_context, bad_proof, unknown_issuer_key, tampered,
    expired, not_yet_valid, revoked, status_unavailable."""
    return _out(services.credential_verify(credential))


def _json(document: Any, content_type: str = "application/vc+ld+json") -> HttpResponse:
    return HttpResponse(proofs.dumps(document), content_type=content_type)


@router.get("/credentials/issuers/{code}", auth=None, response={200: dict})
def issuer(request: HttpRequest, code: str) -> Any:
    """An issuer's controller document: its public keys, retired ones included."""
    document = selectors.issuer_document(code)
    if document is None:
        raise NotFound(_("No such issuer."))
    return _json(document, "application/ld+json")


@router.get("/credentials/status/{code}/{number}", auth=None, response={200: dict})
def status_list(request: HttpRequest, code: str, number: int) -> Any:
    """An issuer's signed Bitstring Status List credential."""
    document = selectors.status_list_document(code, number)
    if document is None:
        raise NotFound(_("No such status list."))
    return _json(document)


@router.get("/credentials/{public_id}", auth=None, response={200: dict})
def credential(request: HttpRequest, public_id: uuid.UUID) -> Any:
    """The signed credential, byte for byte as issued."""
    found = selectors.access_credential(public_id=public_id)
    return HttpResponse(found.document, content_type="application/vc+ld+json")


@router.post("/credentials/{public_id}/revoke", auth=api_auth, response=RevokeOut)
def revoke(request: HttpRequest, public_id: uuid.UUID, data: RevokeIn) -> Any:
    """Revoke a credential (staff of the issuer): its bit in the status list is set and the
    list re-signed."""
    done = services.credential_revoke(actor=request.user, public_id=public_id, reason=data.reason)
    return {
        "public_id": done.public_id,
        "revoked_at": done.revoked_at,
        "reason": done.revoke_reason,
    }
