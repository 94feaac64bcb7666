"""Verifying a credential, as any verifier would: pure, offline, no Django.

`verify(document, loader=..., now=...)` runs every check and returns them all, each failure with
a reason code (`errors.Reason`): context, structure, proof, issuer key, signature, validity
dates, revocation status. The loader decides what the verifier trusts: the shipped contexts
plus the issuers' controller documents and status lists it was given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from learningcity.credentials import proofs
from learningcity.credentials.data import Check, VerificationResult
from learningcity.credentials.errors import Reason

OB_TYPES = {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}
OB_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/"
CLR_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/clr/v2p0/"
# Where an OB 3.0 credential nests typed objects, and the type each must carry.
_OB_TYPED = {
    "issuer": "Profile",
    "source": "Profile",
    "parentOrg": "Profile",
    "creator": "Profile",
    "achievement": "Achievement",
    "result": "Result",
    "resultDescription": "ResultDescription",
    "evidence": "Evidence",
    "identifier": "IdentityObject",
    "otherIdentifier": "IdentifierEntry",
    "alignment": "Alignment",
}


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _id_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return ""


def parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


# Checks ------------------------------------------------------------------------------------


def check_context(document: Mapping[str, Any], loader: proofs.DocumentLoader) -> Check:
    contexts = document.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    if not contexts or contexts[0] not in (proofs.VC_V2, proofs.VC_V1):
        return Check("context", False, Reason.WRONG_CONTEXT, "the first context must be VC's")
    for context in contexts:
        if not isinstance(context, str):
            return Check("context", False, Reason.WRONG_CONTEXT, "inline contexts not accepted")
        if context not in proofs.shipped_contexts():
            return Check("context", False, Reason.WRONG_CONTEXT, f"unknown context {context}")
    types = set(_types(document.get("type")))
    if types & OB_TYPES and not any(c.startswith(OB_CONTEXT_PREFIX) for c in contexts):
        return Check("context", False, Reason.WRONG_CONTEXT, "Open Badges context missing")
    if "ClrCredential" in types and not any(c.startswith(CLR_CONTEXT_PREFIX) for c in contexts):
        return Check("context", False, Reason.WRONG_CONTEXT, "CLR context missing")
    return Check("context", True)


def _typed_problems(value: Any, key: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(value, list):
        for item in value:
            out += _typed_problems(item, key)
    elif isinstance(value, dict):
        wanted = _OB_TYPED.get(key)
        typed = isinstance(value.get("type"), str | list) or key == "issuer"
        if wanted and typed and wanted not in _types(value.get("type")):
            out.append(f"{key} must have type {wanted}")
        for child_key, child in value.items():
            if child_key not in ("@context", "proof", "verifiableCredential"):
                out += _typed_problems(child, child_key)
    return out


def check_structure(document: Mapping[str, Any]) -> Check:
    types = _types(document.get("type"))
    problems: list[str] = []
    if "VerifiableCredential" not in types:
        problems.append("type must include VerifiableCredential")
    if not _id_of(document.get("issuer")):
        problems.append("no issuer")
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict | list):
        problems.append("no credentialSubject")
    v2 = document.get("@context", [None])[0] == proofs.VC_V2
    if v2 and parse_time(document.get("validFrom")) is None and "validFrom" in document:
        problems.append("validFrom is not a date-time")
    if not v2 and parse_time(document.get("issuanceDate")) is None:
        problems.append("no issuanceDate")
    if set(types) & OB_TYPES:
        if not {"OpenBadgeCredential", "AchievementCredential"} & set(types) and (
            "EndorsementCredential" not in types
        ):
            problems.append("not an OpenBadgeCredential")
        if "EndorsementCredential" not in types:
            if isinstance(subject, dict) and "AchievementSubject" not in _types(
                subject.get("type")
            ):
                problems.append("credentialSubject must have type AchievementSubject")
            if (
                isinstance(subject, dict)
                and not subject.get("id")
                and not subject.get("identifier")
            ):
                problems.append("credentialSubject needs an id or an identifier")
        problems += _typed_problems(
            {k: v for k, v in document.items() if k != "credentialSubject"}
        ) + _typed_problems(subject)
    elif "ClrCredential" in types:
        if isinstance(subject, dict) and "ClrSubject" not in _types(subject.get("type")):
            problems.append("credentialSubject must have type ClrSubject")
    elif "BitstringStatusListCredential" not in types:
        problems.append("not an Open Badges, CLR or status list credential")
    if problems:
        return Check("structure", False, Reason.MALFORMED, "; ".join(dict.fromkeys(problems)))
    return Check("structure", True)


def resolve_key(
    verification_method: str, issuer_id: str, loader: proofs.DocumentLoader
) -> tuple[Ed25519PublicKey | None, str]:
    """The public key behind a verification method, if the issuer controls it."""
    if verification_method.startswith("did:key:"):
        multibase = verification_method.removeprefix("did:key:").split("#", 1)[0]
        if issuer_id.startswith("https://") and issuer_id != verification_method.split("#")[0]:
            return None, "a did:key cannot speak for an https issuer"
        try:
            return proofs.multikey_decode(multibase), ""
        except ValueError:
            return None, "the did:key is not an Ed25519 key"
    base = verification_method.split("#", 1)[0]
    if "#" not in verification_method or not base.startswith(("https://", "http://")):
        return None, "the verification method is not a key in a controller document"
    controller = loader.get(base)
    if not isinstance(controller, dict) or controller.get("id") != base:
        return None, "the issuer's controller document is unknown"
    if base != issuer_id:
        return None, "the key belongs to another controller than the issuer"

    def absolute(ref: Any) -> str:
        ref = _id_of(ref)
        return base + ref if ref.startswith("#") else ref

    methods = controller.get("verificationMethod") or []
    method = next((m for m in methods if absolute(m) == verification_method), None)
    if not isinstance(method, dict):
        return None, "the key is not in the issuer's controller document"
    if absolute(method.get("controller", base)) != base:
        return None, "the key's controller is not the issuer"
    if verification_method not in [absolute(a) for a in controller.get("assertionMethod") or []]:
        return None, "the key may not sign credentials (no assertionMethod)"
    try:
        return proofs.multikey_decode(str(method.get("publicKeyMultibase", ""))), ""
    except ValueError:
        return None, "the key is not an Ed25519 multikey"


def check_proofs(
    document: Mapping[str, Any], loader: proofs.DocumentLoader
) -> tuple[list[Check], str]:
    """Proof form, issuer key and signature, for the first supported proof that verifies
    (others, of types this verifier does not know, are ignored). Returns the checks and the
    verification method that verified."""
    issuer_id = _id_of(document.get("issuer"))
    supported = [
        p
        for p in proofs.proofs_of(document)
        if p.get("type") == "DataIntegrityProof" and p.get("cryptosuite") == proofs.CRYPTOSUITE
    ]
    if not supported:
        return [Check("proof", False, Reason.BAD_PROOF, "no eddsa-rdfc-2022 proof")], ""
    best: list[Check] = []
    for proof in supported:
        checks: list[Check] = []
        form = proofs.check_proof_form(proof)
        checks.append(Check("proof", form.ok, form.code, form.detail))
        method = str(proof.get("verificationMethod", ""))
        key, why = resolve_key(method, issuer_id, loader) if form.ok else (None, "")
        if form.ok:
            checks.append(Check("issuer_key", key is not None, Reason.UNKNOWN_ISSUER_KEY, why))
        if key is None and form.ok:
            # A key the issuer does not publish proves nothing; when the method names its key
            # (a multikey fragment), still say whether the proof is intact, for diagnosis.
            fragment = method.rpartition("#")[2] or method.rpartition(":")[2]
            try:
                named = proofs.multikey_decode(fragment)
            except ValueError:
                named = None
            if named is not None:
                outcome = proofs.verify_signature(document, proof, named, loader)
                if not outcome.ok:
                    checks.append(Check("signature", False, Reason.BAD_PROOF, outcome.detail))
        elif key is not None:
            outcome = proofs.verify_signature(document, proof, key, loader)
            checks.append(
                Check("signature", outcome.ok, "" if outcome.ok else outcome.code, outcome.detail)
            )
            if outcome.ok:
                return checks, method
        best = best or checks
    return best, ""


def check_dates(document: Mapping[str, Any], now: dt.datetime) -> list[Check]:
    start = parse_time(document.get("validFrom") or document.get("issuanceDate"))
    end = parse_time(document.get("validUntil") or document.get("expirationDate"))
    checks = [
        Check(
            "valid_from",
            start is None or start <= now,
            Reason.NOT_YET_VALID,
            "" if start is None or start <= now else f"valid from {start.isoformat()}",
        )
    ]
    if end is not None:
        checks.append(
            Check(
                "valid_until",
                end > now,
                Reason.EXPIRED,
                "" if end > now else f"expired {end.isoformat()}",
            )
        )
    return checks


def check_status(
    document: Mapping[str, Any], loader: proofs.DocumentLoader, now: dt.datetime
) -> list[Check]:
    entries = document.get("credentialStatus")
    entries = entries if isinstance(entries, list) else [entries] if entries else []
    checks: list[Check] = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            checks.append(Check("status", False, Reason.STATUS_UNAVAILABLE, "unknown status type"))
            continue
        purpose = entry.get("statusPurpose", "revocation")
        url = str(entry.get("statusListCredential", ""))
        listing = loader.get(url)
        if not isinstance(listing, dict):
            checks.append(
                Check("status", False, Reason.STATUS_UNAVAILABLE, f"no status list {url}")
            )
            continue
        listing = proofs.loads(proofs.dumps(listing))
        signed, _ = check_proofs(listing, loader)
        subject = listing.get("credentialSubject") or {}
        if not all(c.passed for c in signed) or _id_of(listing.get("issuer")) != _id_of(
            document.get("issuer")
        ):
            checks.append(
                Check("status", False, Reason.STATUS_UNAVAILABLE, "the status list is not valid")
            )
            continue
        ends = parse_time(listing.get("validUntil"))
        if ends is not None and ends <= now:
            checks.append(Check("status", False, Reason.STATUS_UNAVAILABLE, "status list expired"))
            continue
        try:
            bits = proofs.bitstring_decode(str(subject.get("encodedList", "")))
            index = int(entry.get("statusListIndex", -1))
            flagged = proofs.bit_is_set(bits, index)
        except (ValueError, IndexError, OSError, EOFError):
            checks.append(Check("status", False, Reason.STATUS_UNAVAILABLE, "unreadable list"))
            continue
        if subject.get("statusPurpose", purpose) != purpose:
            checks.append(Check("status", False, Reason.STATUS_UNAVAILABLE, "purpose differs"))
            continue
        checks.append(
            Check(
                "status",
                not flagged,
                Reason.REVOKED,
                f"{purpose}: set" if flagged else "",
            )
        )
    return checks


def _subject_name(subject: Any) -> str:
    if not isinstance(subject, dict):
        return ""
    for identity in subject.get("identifier") or []:
        if (
            isinstance(identity, dict)
            and identity.get("identityType") == "name"
            and not identity.get("hashed")
        ):
            return str(identity.get("identityHash", ""))
    return str(subject.get("name", ""))


def verify(document: Any, *, loader: proofs.DocumentLoader, now: dt.datetime) -> VerificationResult:
    """Every check on one credential; see the module docstring."""
    if not isinstance(document, dict):
        return VerificationResult(
            checks=(Check("structure", False, Reason.MALFORMED, "not a JSON object"),)
        )
    document = proofs.loads(proofs.dumps(document))
    checks = [check_context(document, loader), check_structure(document)]
    if checks[0].passed:
        proof_checks, _ = check_proofs(document, loader)
        checks += proof_checks
    checks += check_dates(document, now)
    if checks[0].passed:
        checks += check_status(document, loader, now)
    issuer = document.get("issuer")
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return VerificationResult(
        checks=tuple(checks),
        credential_id=_id_of(document),
        types=tuple(_types(document.get("type"))),
        issuer_id=_id_of(issuer),
        issuer_name=str(issuer.get("name", "")) if isinstance(issuer, dict) else "",
        subject_id=_id_of(subject),
        subject_name=_subject_name(subject),
        name=str(document.get("name", "")),
        achievement_name=str(achievement.get("name", "")) if isinstance(achievement, dict) else "",
        valid_from=str(document.get("validFrom") or document.get("issuanceDate") or ""),
        valid_until=str(document.get("validUntil") or document.get("expirationDate") or ""),
    )
