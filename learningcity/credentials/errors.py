from enum import StrEnum


class CredentialErrorCode(StrEnum):
    NO_ISSUER = "no_issuer"
    NOT_SIGNABLE = "not_signable"
    ALREADY_REVOKED = "already_revoked"
    NO_CREDENTIAL = "no_credential"
    LINK_EXPIRED = "link_expired"
    INVALID_DOCUMENT = "invalid_document"


class Reason(StrEnum):
    """Why a verification check failed."""

    MALFORMED = "malformed"
    WRONG_CONTEXT = "wrong_context"
    BAD_PROOF = "bad_proof"
    UNKNOWN_ISSUER_KEY = "unknown_issuer_key"
    TAMPERED = "tampered"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    STATUS_UNAVAILABLE = "status_unavailable"
