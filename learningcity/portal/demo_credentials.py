"""The demo's verifiable credentials: the `resident` holds a signed credential for each of her
verified records and a signed transcript; a few other residents hold some too; one is
revoked, so the verification page has a revoked credential to show."""

from __future__ import annotations

from learningcity.accounts.models import User
from learningcity.credentials import services as credentials
from learningcity.credentials.models import Credential
from learningcity.creditbank import services as creditbank
from learningcity.creditbank.choices import RecordStatus
from learningcity.creditbank.models import Account, LearningRecord


def seed_credentials(admin: User, *, others: int = 5) -> list[Credential]:
    """Issue the demo's credentials as `admin` (a superuser may issue for every provider).
    Safe to run twice: issuing is idempotent per record."""
    issued: list[Credential] = []
    account = Account.objects.filter(learner__user__username="resident").first()
    if account is not None:
        for record in LearningRecord.objects.filter(
            account=account, status=RecordStatus.VERIFIED
        ).select_related("provider", "account__learner"):
            issued.append(creditbank.record_credential_issue(actor=admin, record=record))
        if issued:
            issued.append(creditbank.transcript_credential_issue(actor=admin, account=account))
    others_records = (
        LearningRecord.objects.filter(status=RecordStatus.VERIFIED)
        .exclude(account__learner__user__username="resident")
        .select_related("provider", "account__learner")
        .order_by("id")[:others]
    )
    extra = [creditbank.record_credential_issue(actor=admin, record=r) for r in others_records]
    issued += extra
    if extra and extra[-1].revoked_at is None:
        credentials.credential_revoke(
            actor=admin,
            public_id=extra[-1].public_id,
            reason="Demo: the certificate was issued in error and withdrawn.",
        )
    return issued
