"""Typed domain errors. Services raise them; the API and views turn them into 4xx answers."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class CoreErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    INVALID = "invalid"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"


class DomainError(Exception):
    """A refusal the user can act on. `fields` maps a field name to its messages."""

    status = 400
    default_code: str = CoreErrorCode.INVALID

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = str(code or self.default_code)
        self.fields = fields or {}
        self.extra = extra or {}


class ValidationFailed(DomainError):
    status = 400
    default_code = CoreErrorCode.INVALID


class NotFound(DomainError):
    """Raised both when a thing does not exist and when the viewer may not see it."""

    status = 404
    default_code = CoreErrorCode.NOT_FOUND


class PermissionDenied(DomainError):
    status = 403
    default_code = CoreErrorCode.PERMISSION_DENIED


class Conflict(DomainError):
    status = 409
    default_code = CoreErrorCode.CONFLICT


class RateLimited(DomainError):
    """Too many requests; `retry_after` seconds until the next one is taken."""

    status = 429
    default_code = CoreErrorCode.RATE_LIMITED

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, extra={"retry_after": retry_after})
        self.retry_after = retry_after
