"""Every read of the credentials app: the public documents a verifier needs (issuers'
controller documents, status lists, credentials by public id) and a learner's wallet."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from learningcity.core.errors import NotFound
from learningcity.credentials import proofs
from learningcity.credentials.models import Credential, IssuerKey, StatusList
from learningcity.network.models import Organization

ISSUERS_PATH = "/credentials/issuers/"
STATUS_PATH = "/credentials/status/"


def _base() -> str:
    return str(settings.CREDENTIALS_BASE_URL).rstrip("/")


def issuer_url(code: str) -> str:
    return f"{_base()}{ISSUERS_PATH}{code}"


def key_id(code: str, multibase: str) -> str:
    return f"{issuer_url(code)}#{multibase}"


def status_list_url(code: str, number: int) -> str:
    return f"{_base()}{STATUS_PATH}{code}/{number}"


def verify_url(public_id: Any) -> str:
    return f"{_base()}/credentials/{public_id}/"


def issuer_document(code: str) -> dict[str, Any] | None:
    """The issuer's controller document: every key it ever signed with (retired ones too, so
    old credentials keep verifying), all of them for assertions."""
    org = Organization.objects.filter(code=code).first()
    if org is None:
        return None
    keys = list(IssuerKey.objects.filter(organization=org).order_by("id"))
    if not keys:
        return None
    controller = issuer_url(code)
    methods = [
        {
            "id": key_id(code, k.public_key_multibase),
            "type": "Multikey",
            "controller": controller,
            "publicKeyMultibase": k.public_key_multibase,
        }
        for k in keys
    ]
    return {
        "@context": [proofs.DID_V1, proofs.MULTIKEY_V1],
        "id": controller,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def status_list_document(code: str, number: int) -> dict[str, Any] | None:
    status_list = StatusList.objects.filter(organization__code=code, number=number).first()
    if status_list is None or not status_list.document:
        return None
    return dict(proofs.loads(status_list.document))


def platform_document(url: str) -> dict[str, Any] | None:
    """The platform's own public document at `url`, for the document loader."""
    base = _base()
    if url.startswith(base + ISSUERS_PATH):
        code = unquote(url.removeprefix(base + ISSUERS_PATH))
        return issuer_document(code) if "/" not in code else None
    if url.startswith(base + STATUS_PATH):
        code, _sep, number = unquote(url.removeprefix(base + STATUS_PATH)).rpartition("/")
        return status_list_document(code, int(number)) if number.isdigit() and code else None
    return None


def access_credential(*, public_id: Any) -> Credential:
    """A credential by its public id: anyone holding the id (the QR code, the link printed on
    a certificate) may see and verify it."""
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound(_("No such credential.")) from None
    credential = Credential.objects.filter(public_id=wanted).select_related("issuer").first()
    if credential is None:
        raise NotFound(_("No such credential."))
    return credential


def wallet(*, viewer: Any) -> QuerySet[Credential]:
    """The signed-in resident's credentials, newest first."""
    learner = (
        getattr(viewer, "learner", None) if getattr(viewer, "is_authenticated", False) else None
    )
    if learner is None:
        return Credential.objects.none()
    return (
        Credential.objects.filter(learner_public_id=learner.public_id)
        .select_related("issuer")
        .order_by("-created_at", "-id")
    )


def credential_list(*, learner_public_id: Any = None, limit: int | None = None) -> list[Credential]:
    """Credentials for export (all, or one learner's)."""
    qs = Credential.objects.select_related("issuer", "status_list").order_by("id")
    if learner_public_id is not None:
        qs = qs.filter(learner_public_id=learner_public_id)
    return list(qs[:limit] if limit else qs)


def verifier_documents(credentials: list[Credential]) -> dict[str, dict[str, Any]]:
    """URL → document: what a verifier needs besides the contexts to check these credentials
    (the issuers' controller documents and their status lists)."""
    docs: dict[str, dict[str, Any]] = {}
    for credential in credentials:
        code = credential.issuer.code
        if issuer_url(code) not in docs:
            doc = issuer_document(code)
            if doc is not None:
                docs[issuer_url(code)] = doc
        url = status_list_url(code, credential.status_list.number)
        if url not in docs:
            doc = status_list_document(code, credential.status_list.number)
            if doc is not None:
                docs[url] = doc
        for embedded in (
            proofs.loads(credential.document)
            .get("credentialSubject", {})
            .get("verifiableCredential", [])
        ):
            status = embedded.get("credentialStatus") or {}
            for target in (
                embedded.get("issuer", {}).get("id", ""),
                status.get("statusListCredential", ""),
            ):
                if target and target not in docs:
                    doc = platform_document(target)
                    if doc is not None:
                        docs[target] = doc
    return docs


def export_files(credentials: list[Credential]) -> dict[str, str]:
    """Relative path → text: each credential as `<public id>.json`, and under `docs/` every
    document a verifier needs besides the contexts, each file holding its own `id`."""
    files = {f"{c.public_id}.json": c.document for c in credentials}
    for number, (url, document) in enumerate(sorted(verifier_documents(credentials).items()), 1):
        assert document.get("id") == url
        files[f"docs/{number:04d}.json"] = proofs.dumps(document)
    return files
