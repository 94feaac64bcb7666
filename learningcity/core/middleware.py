"""Browser defences every response carries."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

# Everything from this origin, nothing inline: no script or style attribute in any template
# (tests/test_security_headers.py keeps it so), no plugin, no framing, forms post here only.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# A ticket scanner may use the camera; nothing may use the microphone, location or payments.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (Django's
    SecurityMiddleware adds HSTS, nosniff and the referrer policy; X-Frame-Options comes from
    its clickjacking middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# How a NUL arrives in each kind of body: raw, JSON-escaped, or percent-encoded in a form.
NUL_IN_BODY = {
    "application/json": (b"\x00", b"\\u0000"),
    "application/x-www-form-urlencoded": (b"\x00", b"%00"),
}


class RejectNulMiddleware:
    """A NUL character can be stored by no text column (PostgreSQL refuses it outright), so a
    request carrying one in its address, its cookies or a JSON or form body is refused at the
    door with a 400 saying so, before any code sees it (found by fuzzing). Multipart bodies
    are left to the forms, whose text fields already refuse NUL, so uploads still stream."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._carries_nul(request):
            message = _("Text may not contain the NUL character (\\u0000).")
            if request.path.startswith(("/api/", "/xapi/")):
                return JsonResponse(
                    {"code": "invalid", "message": message, "fields": {}}, status=400
                )
            return HttpResponseBadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request: HttpRequest) -> bool:
        address = (request.path + "?" + request.META.get("QUERY_STRING", "")).encode()
        if any(marker in address.lower() for marker in (b"\x00", b"%00")):
            return True
        if "\x00" in request.META.get("HTTP_COOKIE", ""):  # a forged session cookie
            return True
        markers = NUL_IN_BODY.get(request.content_type or "")
        if not markers:
            return False
        try:
            body = request.body
        except Exception:  # too big or unreadable: Django answers that itself later
            return False
        return any(marker in body for marker in markers)
