"""Recognition of prior learning, evidence files and transcript share links."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.creditbank.choices import (
    ClaimStatus,
    CreditCategory,
    RecordChannel,
)
from learningcity.creditbank.errors import CreditBankErrorCode
from learningcity.creditbank.models import (
    Account,
    LearningRecord,
    PriorLearningClaim,
    TranscriptShare,
)
from learningcity.creditbank.services.records import refuse_own_learning, verify_locked
from learningcity.network.choices import Action, OrganizationStatus
from learningcity.network.models import Organization

# Evidence is a PDF or a photo; the type is read from the file's first bytes, never trusted
# from its name or the browser.
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def evidence_check(upload: UploadedFile, field: str = "evidence") -> str:
    """The file's real type, or a field error saying what is accepted."""
    limit = settings.CREDITBANK_EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > limit:
        message = _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
        raise ValidationFailed(
            message, code=CreditBankErrorCode.FILE_REJECTED, fields={field: [message]}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in SIGNATURES.items():
        if head.startswith(signature):
            return kind
    message = _("Upload a PDF, PNG or JPEG file.")
    raise ValidationFailed(
        message, code=CreditBankErrorCode.FILE_REJECTED, fields={field: [message]}
    )


def _claim_subject(claim: PriorLearningClaim) -> str:
    return f"creditbank.claim:{claim.public_id}"


@transaction.atomic
def claim_submit(
    *,
    actor: Any,
    account: Account,
    assessor_code: str,
    title: str,
    description: str,
    category: str,
    hours: Decimal,
    evidence: UploadedFile,
    certificate_code: str = "",
) -> PriorLearningClaim:
    """A learner claims recognition for learning done elsewhere, with evidence."""
    if account.learner.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the learner may make this claim."))
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Say what you learned.")]
    if not description.strip():
        errors["description"] = [_("Describe the learning: where, when, how long.")]
    if category not in CreditCategory.values:
        errors["category"] = [_("Select a valid choice.")]
    if not (Decimal(0) < hours <= Decimal(10000)):
        errors["hours"] = [_("Enter hours from 0 to 10000.")]
    assessor = Organization.objects.filter(
        code=assessor_code, status=OrganizationStatus.ACTIVE
    ).first()
    if assessor is None:
        errors["assessor"] = [_("Choose who should assess the claim.")]
    try:
        evidence_check(evidence)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    assert assessor is not None
    claim = PriorLearningClaim(
        account=account,
        assessor_org=assessor,
        title=title.strip()[:200],
        description=description.strip()[:4000],
        category=category,
        hours=hours,
        certificate_code=certificate_code.strip()[:40],
        evidence_name=(evidence.name or "evidence")[-200:],
        due_on=clock.today() + dt.timedelta(days=settings.CREDITBANK_CLAIM_DAYS),
    )
    claim.evidence.save(f"{secrets.token_hex(16)}", evidence, save=False)
    claim.save()
    audit_record(actor=actor, action="creditbank.claim_submit", subject=_claim_subject(claim))
    return claim


def _locked_claim(actor: Any, public_id: Any) -> PriorLearningClaim:
    orgs = Organization.objects.restrict(actor, Action.ASSESS)
    claim = (
        PriorLearningClaim.objects.select_for_update()
        .filter(public_id=public_id, assessor_org__in=orgs)
        .select_related("account__learner", "assessor_org")
        .first()
    )
    if claim is None:
        raise NotFound(_("No such claim."))
    refuse_own_learning(actor, claim.account_id)
    return claim


@transaction.atomic
def claim_decide(*, actor: Any, public_id: Any, approve: bool, reason: str) -> PriorLearningClaim:
    """An assessor decides a claim, or its appeal. Approval writes a verified record, whose
    credits the standards decide. An appeal is decided by someone other than the first
    assessor."""
    if not reason.strip():
        message = _("Give the reason for the decision; the learner will read it.")
        raise ValidationFailed(message, fields={"reason": [message]})
    claim = _locked_claim(actor, public_id)
    if claim.status == ClaimStatus.SUBMITTED:
        outcome = ClaimStatus.APPROVED if approve else ClaimStatus.REJECTED
    elif claim.status == ClaimStatus.APPEALED:
        if claim.decided_by_id == actor.pk:
            raise PermissionDenied(_("An appeal is decided by a different assessor."))
        outcome = ClaimStatus.OVERTURNED if approve else ClaimStatus.UPHELD
    else:
        raise Conflict(_("This claim was already decided."), code=CreditBankErrorCode.WRONG_STATUS)
    if approve:
        account = Account.objects.select_for_update().get(pk=claim.account_id)
        record = LearningRecord.objects.create(
            account=account,
            provider=claim.assessor_org,
            category=claim.category,
            title=claim.title,
            certificate_code=claim.certificate_code,
            hours=claim.hours,
            passed=True,
            completed_on=clock.today(),
            channel=RecordChannel.PRIOR_LEARNING,
            external_id=f"claim:{claim.public_id}",
            source=f"claim:{claim.public_id}",
            evidence=claim.evidence.name,
            submitted_by_id=actor.pk,
        )
        verify_locked(record, actor=actor, version=None, reason=reason)
        claim.record = record
    claim.status = outcome
    claim.decided_by_id = actor.pk
    claim.decided_at = clock.now()
    claim.decision_reason = reason.strip()[:500]
    claim.save()
    audit_record(
        actor=actor,
        action=f"creditbank.claim_{outcome}",
        subject=_claim_subject(claim),
        reason=reason,
        data={"credits": str(claim.record.credits) if claim.record else "0"},
    )
    return claim


@transaction.atomic
def claim_appeal(*, actor: Any, public_id: Any, reason: str) -> PriorLearningClaim:
    """The learner appeals a rejection, once."""
    claim = (
        PriorLearningClaim.objects.select_for_update()
        .filter(public_id=public_id, account__learner__user_id=actor.pk)
        .first()
    )
    if claim is None:
        raise NotFound(_("No such claim."))
    if claim.appealed_at is not None:
        raise Conflict(_("A claim can be appealed once."), code=CreditBankErrorCode.APPEAL_USED)
    if claim.status != ClaimStatus.REJECTED:
        raise Conflict(
            _("Only a rejected claim can be appealed."), code=CreditBankErrorCode.WRONG_STATUS
        )
    if not reason.strip():
        message = _("Say why the decision should change.")
        raise ValidationFailed(message, fields={"reason": [message]})
    claim.status = ClaimStatus.APPEALED
    claim.appeal_reason = reason.strip()[:1000]
    claim.appealed_at = clock.now()
    claim.due_on = clock.today() + dt.timedelta(days=settings.CREDITBANK_CLAIM_DAYS)
    claim.save()
    audit_record(actor=actor, action="creditbank.claim_appeal", subject=_claim_subject(claim))
    return claim


# Transcript share links ----------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def share_create(*, actor: Any, account: Account, days: int) -> tuple[TranscriptShare, str]:
    """A link to the transcript that expires; the token is shown once and stored hashed."""
    if account.learner.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the learner may share their transcript."))
    most = settings.CREDITBANK_SHARE_MAX_DAYS
    if not 1 <= days <= most:
        message = _("A link lasts from 1 to %(n)d days.") % {"n": most}
        raise ValidationFailed(message, fields={"days": [message]})
    token = secrets.token_urlsafe(24)
    share = TranscriptShare.objects.create(
        account=account,
        token_digest=_digest(token),
        expires_at=clock.now() + dt.timedelta(days=days),
        created_by_id=actor.pk,
    )
    audit_record(
        actor=actor,
        action="creditbank.share_create",
        subject=f"creditbank.account:{account.public_id}",
        data={"days": days},
    )
    return share, token


@transaction.atomic
def share_revoke(*, actor: Any, public_id: Any) -> TranscriptShare:
    share = (
        TranscriptShare.objects.select_for_update()
        .filter(public_id=public_id, account__learner__user_id=actor.pk)
        .first()
    )
    if share is None:
        raise NotFound(_("No such link."))
    if share.revoked_at is None:
        share.revoked_at = clock.now()
        share.save(update_fields=["revoked_at", "updated_at"])
    return share


def share_resolve(token: str) -> Account:
    """The account a share link shows; 404 when unknown, expired or withdrawn."""
    share = (
        TranscriptShare.objects.filter(token_digest=_digest(token))
        .select_related("account__learner")
        .first()
    )
    if share is None or share.revoked_at is not None or share.expires_at <= clock.now():
        raise NotFound(
            _("This link has expired or was withdrawn."), code=CreditBankErrorCode.LINK_EXPIRED
        )
    return share.account
