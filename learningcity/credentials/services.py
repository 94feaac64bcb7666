"""Every change of state in the credentials app: issuing keys and credentials, revoking,
sharing; and verifying (which changes nothing but needs the platform's documents)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from learningcity.core import clock, crypto
from learningcity.core.actors import PLATFORM
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.credentials import proofs, selectors, verification
from learningcity.credentials.choices import CredentialKind
from learningcity.credentials.data import (
    AchievementData,
    TranscriptData,
    VerificationResult,
)
from learningcity.credentials.errors import CredentialErrorCode
from learningcity.credentials.models import Credential, CredentialShare, IssuerKey, StatusList
from learningcity.network.choices import Action
from learningcity.network.models import Organization

KEY_CONTEXT = "credentials.issuer_key"
SHARE_MAX_DAYS = 365


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _issuer_org(actor: Any, issuer_code: str) -> Organization:
    """The organization the actor may issue for: staff who assess or change it, in scope;
    or any organization when the platform itself issues what a decision already settled."""
    if actor is PLATFORM:
        found = Organization.objects.filter(code=issuer_code).first()
        if found is None:
            raise NotFound(_("No such issuer."), code=CredentialErrorCode.NO_ISSUER)
        return found
    org = (
        Organization.objects.filter(code=issuer_code)
        .filter(
            Q(pk__in=Organization.objects.restrict(actor, Action.ASSESS).values("pk"))
            | Q(pk__in=Organization.objects.restrict(actor, Action.CHANGE).values("pk"))
        )
        .first()
    )
    if org is None:
        raise NotFound(_("No such issuer."), code=CredentialErrorCode.NO_ISSUER)
    return org


def _new_key(org: Organization) -> IssuerKey:
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return IssuerKey.objects.create(
        organization=org,
        public_key_multibase=proofs.multikey_encode(private.public_key()),
        private_key_encrypted=crypto.encrypt(raw.hex(), context=KEY_CONTEXT),
    )


def _active_key(org: Organization) -> IssuerKey:
    key = IssuerKey.objects.filter(organization=org, active=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _new_key(org)
    except IntegrityError:
        return IssuerKey.objects.get(organization=org, active=True)


def _private_key(key: IssuerKey) -> Ed25519PrivateKey:
    raw = crypto.decrypt(key.private_key_encrypted, context=KEY_CONTEXT)
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(raw))


def _loader() -> proofs.DocumentLoader:
    return proofs.DocumentLoader(fallback=selectors.platform_document)


def _sign(org: Organization, document: dict[str, Any]) -> dict[str, Any]:
    key = _active_key(org)
    try:
        return proofs.sign(
            document,
            private_key=_private_key(key),
            verification_method=selectors.key_id(org.code, key.public_key_multibase),
            created=_iso(clock.now()),
            loader=_loader(),
        )
    except proofs.ProofError as exc:
        message = _("This credential cannot be signed: %(why)s") % {"why": str(exc)}
        raise ValidationFailed(
            message, code=CredentialErrorCode.NOT_SIGNABLE, extra={"reason": exc.code}
        ) from exc


@transaction.atomic
def issuer_key_rotate(*, actor: Any, issuer_code: str) -> IssuerKey:
    """A new signing key for the issuer; the old one is retired but stays published, so every
    credential it signed keeps verifying."""
    org = _issuer_org(actor, issuer_code)
    Organization.objects.select_for_update().filter(pk=org.pk).first()
    retired = list(IssuerKey.objects.filter(organization=org, active=True))
    IssuerKey.objects.filter(organization=org, active=True).update(
        active=False, retired_at=clock.now(), updated_at=clock.now()
    )
    key = _new_key(org)
    audit_record(
        actor=actor,
        action="credentials.key_rotate",
        subject=f"network.organization:{org.public_id}",
        data={
            "new": key.public_key_multibase,
            "retired": [k.public_key_multibase for k in retired],
        },
    )
    return key


def _status_list_document(org: Organization, status_list: StatusList) -> dict[str, Any]:
    url = selectors.status_list_url(org.code, status_list.number)
    return _sign(
        org,
        {
            "@context": [proofs.VC_V2],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": selectors.issuer_url(org.code),
            "validFrom": _iso(clock.now()),
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": proofs.bitstring_encode(bytes(status_list.bits)),
            },
        },
    )


def _status_entry(org: Organization) -> tuple[StatusList, int]:
    """The next free entry of the issuer's status list. The issuer's row is locked first, so
    concurrent issues queue (and never race to create the same list)."""
    Organization.objects.select_for_update().filter(pk=org.pk).first()
    current = (
        StatusList.objects.select_for_update().filter(organization=org).order_by("-number").first()
    )
    if current is None or current.next_index >= proofs.STATUS_LIST_BITS:
        number = 1 if current is None else current.number + 1
        current = StatusList.objects.create(
            organization=org, number=number, bits=bytes(proofs.STATUS_LIST_BITS // 8)
        )
        current.document = proofs.dumps(_status_list_document(org, current))
        current.save(update_fields=["document", "updated_at"])
    index = current.next_index
    current.next_index = index + 1
    current.save(update_fields=["next_index", "updated_at"])
    return current, index


def _status_block(status_list: StatusList, org: Organization, index: int) -> dict[str, Any]:
    url = selectors.status_list_url(org.code, status_list.number)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def _profile(org: Organization) -> dict[str, Any]:
    return {
        "id": selectors.issuer_url(org.code),
        "type": ["Profile"],
        "name": org.name_zh if not org.name_en else f"{org.name_zh} / {org.name_en}",
    }


def _number(value: str) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def _achievement_subject(data: AchievementData) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": data.achievement_id,
        "type": ["Achievement"],
        "achievementType": data.achievement_type,
        "name": data.name,
        "description": data.description,
        "criteria": {"narrative": data.criteria},
    }
    if data.human_code:
        achievement["humanCode"] = data.human_code
    if data.field_of_study:
        achievement["fieldOfStudy"] = data.field_of_study
    if data.credits:
        achievement["creditsAvailable"] = _number(data.credits)
    subject: dict[str, Any] = {
        "id": f"urn:uuid:{data.learner_public_id}",
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": data.learner_name,
                "identityType": "name",
                "hashed": False,
            }
        ],
        "achievement": achievement,
    }
    if data.results:
        descriptions, results = [], []
        for result in data.results:
            ref = "urn:uuid:" + str(
                uuid.uuid5(uuid.NAMESPACE_URL, f"{data.achievement_id}#{result.name}")
            )
            description: dict[str, Any] = {
                "id": ref,
                "type": ["ResultDescription"],
                "name": result.name,
                "resultType": result.result_type,
            }
            for key, value in (
                ("valueMin", result.value_min),
                ("valueMax", result.value_max),
                ("requiredValue", result.required_value),
            ):
                if value:
                    description[key] = value
            descriptions.append(description)
            results.append({"type": ["Result"], "resultDescription": ref, "value": result.value})
        achievement["resultDescription"] = descriptions
        subject["result"] = results
    if data.credits:
        subject["creditsEarned"] = _number(data.credits)
    return subject


def _store(
    *,
    actor: Any,
    org: Organization,
    kind: str,
    learner_public_id: str,
    name: str,
    source: str,
    build: Any,
) -> Credential:
    existing = Credential.objects.filter(kind=kind, source=source).first() if source else None
    if existing is not None:
        return existing
    status_list, index = _status_entry(org)
    public_id = uuid.uuid4()
    unsigned = build(public_id, _status_block(status_list, org, index))
    signed = _sign(org, unsigned)
    credential = Credential.objects.create(
        public_id=public_id,
        kind=kind,
        issuer=org,
        learner_public_id=learner_public_id,
        name=name[:300],
        document=proofs.dumps(signed),
        status_list=status_list,
        status_index=index,
        source=source,
        issued_by_id=getattr(actor, "pk", None),
    )
    audit_record(
        actor=actor,
        action="credentials.issue",
        subject=f"credentials.credential:{credential.public_id}",
        data={"kind": kind, "issuer": org.code, "source": source},
    )
    return credential


@transaction.atomic
def credential_issue(
    *, actor: Any, issuer_code: str, subject: AchievementData, source: str = ""
) -> Credential:
    """Sign an OpenBadgeCredential for one achievement. Issuing again for the same `source`
    returns the first credential."""
    org = _issuer_org(actor, issuer_code)

    def build(public_id: uuid.UUID, status: dict[str, Any]) -> dict[str, Any]:
        document: dict[str, Any] = {
            "@context": [proofs.VC_V2, proofs.OB_V3],
            "id": f"urn:uuid:{public_id}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": _profile(org),
            "validFrom": _iso(subject.valid_from),
            "name": subject.name,
            "credentialSubject": _achievement_subject(subject),
            "credentialStatus": status,
        }
        if subject.valid_until is not None:
            document["validUntil"] = _iso(subject.valid_until)
        return document

    return _store(
        actor=actor,
        org=org,
        kind=CredentialKind.ACHIEVEMENT,
        learner_public_id=subject.learner_public_id,
        name=subject.name,
        source=source,
        build=build,
    )


@transaction.atomic
def transcript_issue(
    *, actor: Any, issuer_code: str, transcript: TranscriptData, source: str = ""
) -> Credential:
    """Sign a ClrCredential: the learner's achievement credentials, embedded as issued."""
    org = _issuer_org(actor, issuer_code)
    embedded = [
        proofs.loads(c.document)
        for c in Credential.objects.filter(
            public_id__in=list(transcript.credential_ids),
            learner_public_id=transcript.learner_public_id,
            kind=CredentialKind.ACHIEVEMENT,
            revoked_at__isnull=True,
        ).order_by("created_at", "id")
    ]
    if not embedded:
        message = _("A transcript needs at least one issued credential.")
        raise ValidationFailed(message, code=CredentialErrorCode.NO_CREDENTIAL)

    def build(public_id: uuid.UUID, status: dict[str, Any]) -> dict[str, Any]:
        return {
            "@context": [proofs.VC_V2, proofs.CLR_V2, proofs.OB_V3],
            "id": f"urn:uuid:{public_id}",
            "type": ["VerifiableCredential", "ClrCredential"],
            "issuer": _profile(org),
            "validFrom": _iso(transcript.valid_from),
            "name": transcript.name,
            "description": transcript.description,
            "credentialSubject": {
                "id": f"urn:uuid:{transcript.learner_public_id}",
                "type": ["ClrSubject"],
                "verifiableCredential": embedded,
            },
            "credentialStatus": status,
        }

    return _store(
        actor=actor,
        org=org,
        kind=CredentialKind.TRANSCRIPT,
        learner_public_id=transcript.learner_public_id,
        name=transcript.name,
        source=source,
        build=build,
    )


@transaction.atomic
def credential_revoke(*, actor: Any, public_id: Any, reason: str) -> Credential:
    """Flip the credential's bit in its issuer's status list and re-sign the list: every
    verifier that reads the list then reports it revoked."""
    if not reason.strip():
        message = _("Say why the credential is revoked.")
        raise ValidationFailed(message, fields={"reason": [message]})
    credential = Credential.objects.filter(public_id=public_id).select_related("issuer").first()
    if credential is None:
        raise NotFound(_("No such credential."))
    org = _issuer_org(actor, credential.issuer.code)
    status_list = StatusList.objects.select_for_update().get(pk=credential.status_list_id)
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.revoked_at is not None:
        raise Conflict(
            _("This credential was already revoked."), code=CredentialErrorCode.ALREADY_REVOKED
        )
    status_list.bits = proofs.bit_set(bytes(status_list.bits), credential.status_index)
    status_list.document = proofs.dumps(_status_list_document(org, status_list))
    status_list.save(update_fields=["bits", "document", "updated_at"])
    credential.revoked_at = clock.now()
    credential.revoked_by_id = getattr(actor, "pk", None)
    credential.revoke_reason = reason.strip()[:500]
    credential.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="credentials.revoke",
        subject=f"credentials.credential:{credential.public_id}",
        reason=credential.revoke_reason,
        data={"status_list": status_list.number, "index": credential.status_index},
    )
    return credential


def credential_verify(
    document: Any, *, extra_documents: dict[str, Any] | None = None
) -> VerificationResult:
    """Verify any credential against the shipped contexts and the platform's issuers and
    status lists (plus `extra_documents`, e.g. another issuer's controller document)."""
    loader = proofs.DocumentLoader(extra_documents, fallback=selectors.platform_document)
    result = verification.verify(document, loader=loader, now=clock.now())
    platform = result.issuer_id.startswith(selectors.issuer_url(""))
    if platform:
        result = replace(result, issued_by_platform=True)
    return result


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _owned(actor: Any, public_id: Any) -> Credential:
    learner = getattr(actor, "learner", None) if getattr(actor, "is_authenticated", False) else None
    credential = (
        Credential.objects.filter(public_id=public_id, learner_public_id=learner.public_id).first()
        if learner is not None
        else None
    )
    if credential is None:
        raise NotFound(_("No such credential."))
    return credential


@transaction.atomic
def share_create(*, actor: Any, public_id: Any, days: int) -> tuple[CredentialShare, str]:
    """A link that shows the credential until it expires; the token is shown once."""
    credential = _owned(actor, public_id)
    if not 1 <= days <= SHARE_MAX_DAYS:
        message = _("A link lasts from 1 to %(n)d days.") % {"n": SHARE_MAX_DAYS}
        raise ValidationFailed(message, fields={"days": [message]})
    token = secrets.token_urlsafe(24)
    share = CredentialShare.objects.create(
        credential=credential,
        token_digest=_digest(token),
        expires_at=clock.now() + dt.timedelta(days=days),
        created_by_id=actor.pk,
    )
    audit_record(
        actor=actor,
        action="credentials.share_create",
        subject=f"credentials.credential:{credential.public_id}",
        data={"days": days},
    )
    return share, token


@transaction.atomic
def share_revoke(*, actor: Any, public_id: Any) -> CredentialShare:
    learner = getattr(actor, "learner", None)
    share = (
        CredentialShare.objects.select_for_update()
        .filter(public_id=public_id, credential__learner_public_id=learner.public_id)
        .first()
        if learner is not None
        else None
    )
    if share is None:
        raise PermissionDenied(_("No such link."))
    if share.revoked_at is None:
        share.revoked_at = clock.now()
        share.save(update_fields=["revoked_at", "updated_at"])
    return share


def share_resolve(token: str) -> Credential:
    """The credential a share link shows; 404 when unknown, expired or withdrawn."""
    share = (
        CredentialShare.objects.filter(token_digest=_digest(token))
        .select_related("credential__issuer")
        .first()
    )
    if share is None or share.revoked_at is not None or share.expires_at <= clock.now():
        raise NotFound(
            _("This link has expired or was withdrawn."), code=CredentialErrorCode.LINK_EXPIRED
        )
    return share.credential


def base_url() -> str:
    return str(settings.CREDENTIALS_BASE_URL)
