"""Every change of state in the credit bank. One concern per module; import from here."""

from learningcity.creditbank.services.claims import (
    claim_appeal,
    claim_decide,
    claim_submit,
    evidence_check,
    share_create,
    share_resolve,
    share_revoke,
)
from learningcity.creditbank.services.conversion import conversion_apply, conversion_decide
from learningcity.creditbank.services.credentials import (
    conversion_credential_issue,
    record_credential_issue,
    record_credential_revoke,
    transcript_credential_issue,
)
from learningcity.creditbank.services.imports import records_import, records_import_file
from learningcity.creditbank.services.programs import program_create
from learningcity.creditbank.services.records import (
    account_for,
    account_merge,
    account_open,
    record_from_completion,
    record_reject,
    record_revoke,
    record_submit,
    record_verify,
    records_submit,
)
from learningcity.creditbank.services.standards import standard_create, standard_revise

__all__ = [
    "account_for",
    "account_merge",
    "account_open",
    "claim_appeal",
    "claim_decide",
    "claim_submit",
    "conversion_apply",
    "conversion_credential_issue",
    "conversion_decide",
    "evidence_check",
    "program_create",
    "record_credential_issue",
    "record_credential_revoke",
    "record_from_completion",
    "record_reject",
    "record_revoke",
    "record_submit",
    "record_verify",
    "records_import",
    "records_import_file",
    "records_submit",
    "share_create",
    "share_resolve",
    "share_revoke",
    "standard_create",
    "standard_revise",
    "transcript_credential_issue",
]
