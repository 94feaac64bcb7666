"""Every change of state in the learning record store."""

from learningcity.xapi.services.credentials import (
    IssuedCredential,
    credential_authenticate,
    credential_create,
    credential_revoke,
    registration_create,
    registration_delete,
)
from learningcity.xapi.services.credit import statements_credit
from learningcity.xapi.services.documents import document_delete, document_write
from learningcity.xapi.services.grants import read_grant_create, read_grant_revoke
from learningcity.xapi.services.statements import Part, authority_of, statements_store

__all__ = [
    "IssuedCredential",
    "Part",
    "authority_of",
    "credential_authenticate",
    "credential_create",
    "credential_revoke",
    "document_delete",
    "document_write",
    "read_grant_create",
    "read_grant_revoke",
    "registration_create",
    "registration_delete",
    "statements_credit",
    "statements_store",
]
