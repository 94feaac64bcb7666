"""Staff who must give a one-time code reach nothing but the login pages until they have."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from learningcity.accounts.services import SECOND_FACTOR_SESSION_KEY

OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/")


class SecondFactorMiddleware:
    """After the password, a session of a login that requires a second factor is sent to the
    code page (pages) or refused with 403 (the API) until a right code was typed. Bearer
    tokens, issued to systems by administrators, carry no session and are not affected."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "requires_second_factor", False)
            and not request.session.get(SECOND_FACTOR_SESSION_KEY)
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                message = _("Type your one-time code first: log in again on the website.")
                return JsonResponse(
                    {"code": "second_factor_required", "message": message, "fields": {}},
                    status=403,
                )
            query = urllib.parse.urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('accounts:two_factor')}?{query}")
        return self.get_response(request)
