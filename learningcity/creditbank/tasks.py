"""Background work: signing the verifiable credential of a verified record or an approved
conversion (canonicalizing and signing takes longer than a decision should wait). Idempotent
and safe to retry: issuing again returns the first credential."""

from __future__ import annotations

from django_tasks import task

from learningcity.core.actors import PLATFORM
from learningcity.creditbank.choices import ConversionStatus, RecordStatus
from learningcity.creditbank.models import ConversionApplication, LearningRecord
from learningcity.creditbank.services.credentials import (
    conversion_credential_issue,
    record_credential_issue,
)


@task()
def issue_record_credential(record_id: int) -> str:
    record = LearningRecord.objects.select_related("provider", "account__learner").get(pk=record_id)
    if record.status != RecordStatus.VERIFIED:
        return ""  # revoked before the worker came to it
    return str(record_credential_issue(actor=PLATFORM, record=record).public_id)


@task()
def issue_conversion_credential(application_id: int) -> str:
    application = ConversionApplication.objects.select_related(
        "program__institution", "account__learner"
    ).get(pk=application_id)
    if application.status != ConversionStatus.APPROVED:
        return ""
    return str(conversion_credential_issue(actor=PLATFORM, application=application).public_id)
