"""The xAPI 1.0.3 communication layer (Part Three): the alternate request syntax, the version
header, HTTP Basic authentication with a provider's credentials, HEAD, multipart/mixed, and
errors as `{code, message, fields}` with the status the specification names."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from learningcity.core.errors import DomainError, RateLimited
from learningcity.core.ratelimit import limit_message, requester, wait_seconds
from learningcity.xapi.errors import BadRequest, TooLarge, Unauthorized, XapiErrorCode
from learningcity.xapi.models import Credential
from learningcity.xapi.services import Part, credential_authenticate

VERSION = "1.0.3"
ACCEPTED_VERSIONS = ("1.0", "1.0.0", "1.0.1", "1.0.2", "1.0.3")
# Headers the alternate request syntax carries as form fields (Part Three, 1.3).
FORM_HEADERS = {
    "authorization": "authorization",
    "x-experience-api-version": "x-experience-api-version",
    "content-type": "content-type",
    "content-length": "content-length",
    "if-match": "if-match",
    "if-none-match": "if-none-match",
}
METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")


@dataclass
class XRequest:
    """A request to a resource, whether sent plainly or in the alternate syntax."""

    method: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    content_type: str
    languages: list[str] = field(default_factory=list)
    head: bool = False

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def _too_large() -> TooLarge:
    mb = settings.XAPI_MAX_BODY_BYTES // (1024 * 1024)
    message = _(
        "The request is larger than %(mb)d MB. "
        "Send fewer statements or smaller attachments at a time."
    ) % {"mb": mb}
    return TooLarge(message, fields={"content": [message]})


def _body(request: HttpRequest) -> bytes:
    """The request body, up to XAPI_MAX_BODY_BYTES (attachments may be larger than the 2.5 MB
    Django allows other requests): read from the stream, which holds Content-Length bytes."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.XAPI_MAX_BODY_BYTES:
        raise _too_large()
    if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return request.body
    return request.read()


def _plain(request: HttpRequest) -> XRequest:
    headers = {k.lower(): v for k, v in request.headers.items()}
    params = {k: request.GET[k] for k in request.GET}
    method = request.method or "GET"
    return XRequest(
        method="GET" if method == "HEAD" else method,
        params=params,
        headers=headers,
        body=_body(request),
        content_type=request.META.get("CONTENT_TYPE", ""),
        head=method == "HEAD",
    )


def _alternate(request: HttpRequest) -> XRequest:
    """POST ?method=X with the headers, parameters and content as form fields."""
    if set(request.GET) != {"method"}:
        message = _("With the alternate request syntax only `method` goes in the query string.")
        raise BadRequest(message, fields={"method": [message]})
    method = request.GET["method"].upper()
    if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
        message = _("Unknown method.")
        raise BadRequest(message, fields={"method": [message]})
    if request.content_type != "application/x-www-form-urlencoded":
        message = _("The alternate request syntax is sent as application/x-www-form-urlencoded.")
        raise BadRequest(message, fields={"Content-Type": [message]})
    headers: dict[str, str] = {}
    params: dict[str, str] = {}
    body = b""
    for name in request.POST:
        value = request.POST[name]
        lowered = name.lower()
        if lowered in FORM_HEADERS:
            headers[FORM_HEADERS[lowered]] = value
        elif name == "content":
            body = value.encode()
        else:
            params[name] = value
    if "accept-language" in request.headers:
        headers["accept-language"] = request.headers["accept-language"]
    return XRequest(
        method="GET" if method == "HEAD" else method,
        params=params,
        headers=headers,
        body=body,
        content_type=headers.get("content-type", "application/json" if body else ""),
        head=method == "HEAD",
    )


def _languages(header: str) -> list[str]:
    ranked = []
    for i, item in enumerate(header.split(",")):
        tag, _sep, rest = item.strip().partition(";")
        weight = 1.0
        if rest.strip().startswith("q="):
            try:
                weight = float(rest.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag and tag != "*":
            ranked.append((-weight, i, tag))
    return [tag for _w, _i, tag in sorted(ranked)]


def error_response(exc: DomainError) -> HttpResponse:
    response = JsonResponse(
        {"code": exc.code, "message": exc.message, "fields": exc.fields}, status=exc.status
    )
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="xAPI"'
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _authenticate(xreq: XRequest) -> Credential:
    header = xreq.header("authorization") or ""
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "basic" or not token:
        raise Unauthorized(_("Send the provider's xAPI key and secret (HTTP Basic)."))
    try:
        key, _colon, secret = base64.b64decode(token.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized(_("The xAPI key or secret is wrong or revoked.")) from None
    credential = credential_authenticate(key, secret)
    if credential is None:
        raise Unauthorized(_("The xAPI key or secret is wrong or revoked."))
    return credential


Handler = Callable[[XRequest, Credential | None], HttpResponse]


def _limit(request: HttpRequest, credential: Credential | None) -> None:
    """At most settings.XAPI_REQUESTS_PER_MINUTE requests a minute per credential (per
    address for the public `about`); beyond, 429 with Retry-After."""
    limit = settings.XAPI_REQUESTS_PER_MINUTE
    if not limit:
        return
    key = f"credential:{credential.pk}" if credential is not None else requester(request)
    wait = wait_seconds("xapi", key, limit=limit, window=60)
    if wait:
        raise RateLimited(limit_message(wait), retry_after=wait)


def resource(*, methods: tuple[str, ...], public: bool = False) -> Callable[[Handler], Any]:
    """Wrap a resource handler with the protocol: alternate syntax, version, authentication,
    HEAD, errors and the version header on every answer."""

    def wrap(handler: Handler) -> Any:
        @csrf_exempt
        @functools.wraps(handler)
        def view(request: HttpRequest) -> HttpResponse:
            try:
                if request.method == "POST" and "method" in request.GET:
                    xreq = _alternate(request)
                else:
                    xreq = _plain(request)
                xreq.languages = _languages(xreq.header("accept-language") or "")
                response: HttpResponse
                if xreq.method not in methods:
                    response = JsonResponse(
                        {
                            "code": XapiErrorCode.BAD_REQUEST,
                            "message": _("This resource does not take that method."),
                            "fields": {},
                        },
                        status=405,
                    )
                    response["Allow"] = ", ".join(methods)
                else:
                    credential = None
                    if not public:
                        # Who is asking comes first: a caller without a live credential is
                        # refused (401) before anything about the request is judged.
                        credential = _authenticate(xreq)
                        version = xreq.header("x-experience-api-version")
                        if version is None:
                            message = _("Send the X-Experience-API-Version header.")
                            raise BadRequest(
                                message,
                                code=XapiErrorCode.VERSION,
                                fields={"X-Experience-API-Version": [message]},
                            )
                        if version.strip() not in ACCEPTED_VERSIONS:
                            message = _("This LRS speaks xAPI 1.0.x.")
                            raise BadRequest(
                                message,
                                code=XapiErrorCode.VERSION,
                                fields={"X-Experience-API-Version": [message]},
                            )
                    _limit(request, credential)
                    response = handler(xreq, credential)
            except RequestDataTooBig:  # an alternate-syntax form over Django's own limit
                response = error_response(_too_large())
            except DomainError as exc:
                response = error_response(exc)
            response["X-Experience-API-Version"] = VERSION
            if xreq_is_head(request):
                length = len(response.content) if not response.streaming else 0
                response.content = b""
                response["Content-Length"] = str(length)
            return response

        return view

    return wrap


def xreq_is_head(request: HttpRequest) -> bool:
    return request.method == "HEAD" or (
        request.method == "POST" and request.GET.get("method", "").upper() == "HEAD"
    )


def json_body(xreq: XRequest) -> Any:
    try:
        return json.loads(xreq.body or b"null")
    except ValueError:
        message = _("The body is not valid JSON.")
        raise BadRequest(message, fields={"content": [message]}) from None


def multipart(xreq: XRequest) -> tuple[Any, list[Part]]:
    """The statements and attachment parts of a multipart/mixed request (Part Three, 1.5.2):
    the first part application/json, each other part with its X-Experience-API-Hash and
    Content-Transfer-Encoding: binary."""
    boundary = ""
    for item in xreq.content_type.split(";")[1:]:
        name, _eq, value = item.strip().partition("=")
        if name.lower() == "boundary":
            boundary = value.strip().strip('"')
    if not boundary:
        raise _multipart_error(_("A multipart/mixed request needs a boundary."))
    delimiter = b"--" + boundary.encode()
    chunks = xreq.body.split(delimiter)
    if len(chunks) < 3:
        raise _multipart_error(_("The multipart body has no parts."))
    parts: list[tuple[dict[str, str], bytes]] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        raw_headers, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise _multipart_error(_("A part has no headers."))
        headers = {}
        for line in raw_headers.decode("latin-1").split("\r\n"):
            name, _colon, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts.append((headers, content.removesuffix(b"\r\n")))
    if not parts:
        raise _multipart_error(_("The multipart body has no parts."))
    first_headers, first = parts[0]
    if first_headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise _multipart_error(_("The first part must be the statements as application/json."))
    try:
        statements = json.loads(first)
    except ValueError:
        raise _multipart_error(_("The first part is not valid JSON.")) from None
    out = []
    for headers, content in parts[1:]:
        sha2 = headers.get("x-experience-api-hash", "")
        if not sha2:
            raise _multipart_error(_("Each attachment part needs X-Experience-API-Hash."))
        if headers.get("content-transfer-encoding", "").lower() != "binary":
            raise _multipart_error(
                _("Each attachment part needs Content-Transfer-Encoding: binary.")
            )
        if not _sha2_matches(sha2, content):
            raise _multipart_error(_("An attachment's content does not match its SHA-2 hash."))
        out.append(Part(sha2=sha2, content_type=headers.get("content-type", ""), content=content))
    return statements, out


def _sha2_matches(sha2: str, content: bytes) -> bool:
    algorithms = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}
    algorithm = algorithms.get(len(sha2))
    return algorithm is not None and algorithm(content).hexdigest() == sha2.lower()


def _multipart_error(message: str) -> BadRequest:
    return BadRequest(message, code=XapiErrorCode.ATTACHMENT, fields={"content": [message]})


def multipart_response(first: bytes, parts: list[tuple[str, str, bytes]]) -> HttpResponse:
    boundary = "xapi-" + secrets.token_hex(12)
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        first,
        b"\r\n",
    ]
    for sha2, content_type, content in parts:
        chunks.append(
            (
                f"--{boundary}\r\nContent-Type: {content_type}\r\n"
                f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n"
            ).encode()
        )
        chunks.extend([content, b"\r\n"])
    chunks.append(f"--{boundary}--\r\n".encode())
    return HttpResponse(b"".join(chunks), content_type=f"multipart/mixed; boundary={boundary}")
