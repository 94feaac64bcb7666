"""The JSON API: one NinjaAPI, every app's router under /api/v1/, OpenAPI at /api/docs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from learningcity.accounts.api import router as accounts_router
from learningcity.catalog.api import router as catalog_router
from learningcity.communities.api import router as communities_router
from learningcity.core.errors import DomainError, RateLimited
from learningcity.credentials.api import router as credentials_router
from learningcity.creditbank.api import router as creditbank_router
from learningcity.enrollment.api import router as enrollment_router
from learningcity.events.api import router as events_router
from learningcity.funding.api import router as funding_router
from learningcity.learners.api import router as learners_router
from learningcity.monitoring.api import router as monitoring_router
from learningcity.network.api import router as network_router

api = NinjaAPI(
    title="learningcity API",
    version="1",
    description=(
        "The city's learning network, residents and everything built on them. Systems "
        "authenticate with `Authorization: Bearer <token>`; browsers with their session. "
        "Errors are `{code, message, fields}`."
    ),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)

api.add_router("/v1/", accounts_router)
api.add_router("/v1/", network_router)
api.add_router("/v1/", learners_router)
api.add_router("/v1/", catalog_router)
api.add_router("/v1/", enrollment_router)
api.add_router("/v1/", creditbank_router)
api.add_router("/v1/", credentials_router)
api.add_router("/v1/", funding_router)
api.add_router("/v1/", events_router)
api.add_router("/v1/", communities_router)
api.add_router("/v1/", monitoring_router)


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(
        request, error_body(exc.code, exc.message, exc.fields), status=exc.status
    )
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


# Pydantic's error types, in words a resident or a clerk understands, in their language.
_PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": gettext_noop("This field is required."),
    "string_too_long": gettext_noop("Ensure this value has at most %(max_length)s characters."),
    "string_too_short": gettext_noop("Ensure this value has at least %(min_length)s characters."),
    "greater_than_equal": gettext_noop("Ensure this value is at least %(ge)s."),
    "less_than_equal": gettext_noop("Ensure this value is at most %(le)s."),
    "date_from_datetime_parsing": gettext_noop("Enter a valid date (YYYY-MM-DD)."),
    "date_parsing": gettext_noop("Enter a valid date (YYYY-MM-DD)."),
    "date_type": gettext_noop("Enter a valid date (YYYY-MM-DD)."),
    "int_parsing": gettext_noop("Enter a whole number."),
    "int_from_float": gettext_noop("Enter a whole number."),
    "decimal_parsing": gettext_noop("Enter a number."),
    "decimal_max_places": gettext_noop(
        "Ensure there are at most %(decimal_places)s decimal places."
    ),
    "bool_parsing": gettext_noop("Enter true or false."),
    "enum": gettext_noop("Select a valid choice."),
    "literal_error": gettext_noop("Select a valid choice."),
    "uuid_parsing": gettext_noop("Enter a valid identifier."),
    "json_invalid": gettext_noop("The request body is not valid JSON."),
    "list_type": gettext_noop("Enter a list."),
}
_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


def _field_name(loc: list[Any]) -> str:
    # ninja locates an error as (source, parameter name, field...); the client knows fields.
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in {"data", "filters", "payload"}:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def _message(error: dict[str, Any]) -> str:
    template = _PYDANTIC_MESSAGES.get(error.get("type", ""), gettext_noop("Enter a valid value."))
    context = {
        key: str(value)
        for key, value in (error.get("ctx") or {}).items()
        if isinstance(value, int | float | str | Decimal)
    }
    try:
        return _(template) % context if "%(" in template else _(template)
    except (KeyError, TypeError, ValueError):
        return _("Enter a valid value.")


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(list(error.get("loc", []))), []).append(_message(error))
    return api.create_response(
        request, error_body("invalid", _("Please correct the fields below."), fields), status=422
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, error_body("unauthenticated", _("Log in or send a valid API token.")), status=401
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, error_body("http_error", str(exc.message)), status=exc.status_code
    )
