"""The JSON API: one NinjaAPI, every app's router under /api/v1/, OpenAPI at /api/docs."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from learningcity.accounts.api import router as accounts_router
from learningcity.core.errors import DomainError
from learningcity.learners.api import router as learners_router
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


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}}


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(
        request, error_body(exc.code, exc.message, exc.fields), status=exc.status
    )


_PYDANTIC_MESSAGES = {
    "missing": "This field is required.",
    "string_too_long": "This value is too long.",
    "string_too_short": "This value is too short.",
    "date_from_datetime_parsing": "Enter a valid date (YYYY-MM-DD).",
    "date_parsing": "Enter a valid date (YYYY-MM-DD).",
    "date_type": "Enter a valid date (YYYY-MM-DD).",
    "int_parsing": "Enter a whole number.",
    "enum": "Select a valid choice.",
    "literal_error": "Select a valid choice.",
    "uuid_parsing": "Enter a valid identifier.",
    "json_invalid": "The request body is not valid JSON.",
}


def _field_name(loc: list[Any]) -> str:
    # ninja prefixes locations with the source ("body", "query", "path") and the schema name.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "payload")]
    if len(parts) > 1 and parts[0] and parts[0][0].islower() and parts[0] in ("data", "filters"):
        parts = parts[1:]
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        template = _PYDANTIC_MESSAGES.get(error.get("type", ""), "Enter a valid value.")
        fields.setdefault(_field_name(list(error.get("loc", []))), []).append(_(template))
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
