from enum import StrEnum
from typing import Any

from learningcity.core.errors import Conflict, DomainError, ValidationFailed


class XapiErrorCode(StrEnum):
    INVALID_STATEMENT = "invalid_statement"
    BAD_REQUEST = "bad_request"
    STATEMENT_CONFLICT = "statement_conflict"
    PRECONDITION_FAILED = "precondition_failed"
    PRECONDITION_REQUIRED = "precondition_required"
    UNAUTHORIZED = "unauthorized"
    VERSION = "unsupported_version"
    ATTACHMENT = "attachment_mismatch"
    SIGNATURE = "bad_signature"
    TOO_LARGE = "too_large"


class _Coded(DomainError):
    """A DomainError whose code defaults to the class's xAPI code."""

    xapi_code: XapiErrorCode = XapiErrorCode.BAD_REQUEST

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code or self.xapi_code, fields=fields, extra=extra)


class StatementInvalid(_Coded, ValidationFailed):
    """A statement that breaks a MUST of the specification: 400."""

    xapi_code = XapiErrorCode.INVALID_STATEMENT


class BadRequest(_Coded, ValidationFailed):
    """A request the resource cannot take (parameters, headers, body): 400."""

    xapi_code = XapiErrorCode.BAD_REQUEST


class StatementConflict(_Coded, Conflict):
    """A statement id stored before with different content: 409."""

    xapi_code = XapiErrorCode.STATEMENT_CONFLICT


class PreconditionFailed(_Coded):
    """If-Match / If-None-Match did not hold: 412."""

    status = 412
    xapi_code = XapiErrorCode.PRECONDITION_FAILED


class PreconditionRequired(_Coded, Conflict):
    """A profile changed without If-Match or If-None-Match: 409 as xAPI says."""

    xapi_code = XapiErrorCode.PRECONDITION_REQUIRED


class Unauthorized(_Coded):
    status = 401
    xapi_code = XapiErrorCode.UNAUTHORIZED


class TooLarge(_Coded):
    """A request body over XAPI_MAX_BODY_BYTES: 413, as xAPI allows an LRS to refuse."""

    status = 413
    xapi_code = XapiErrorCode.TOO_LARGE
