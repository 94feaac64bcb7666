"""The second login step for staff who can change records, credits or money."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from learningcity.accounts import services
from learningcity.accounts.forms import CodeForm, wait_message
from learningcity.core.ratelimit import client_address


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (first time) or type its code (every login)."""
    user: Any = request.user  # logged in (login_required)
    target = _next(request)
    if request.session.get(services.SECOND_FACTOR_SESSION_KEY):
        return HttpResponseRedirect(target)
    setting_up = not services.totp_confirmed(user)
    throttle = f"second-factor:{user.pk}"
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        wait = services.login_wait(username=throttle, address=address)
        if wait:
            form.add_error("code", wait_message(wait))
        elif services.totp_check(user=user, code=form.cleaned_data["code"]):
            request.session.cycle_key()
            request.session[services.SECOND_FACTOR_SESSION_KEY] = True
            return HttpResponseRedirect(target)
        else:
            wait = services.login_failed(username=throttle, address=address)
            form.add_error(
                "code",
                wait_message(wait)
                if wait
                else _("That code is not right. Type the six digits your app shows now."),
            )
    context: dict[str, object] = {"form": form, "next": target, "setting_up": setting_up}
    if setting_up:
        secret = services.totp_pending_secret(user=user)
        uri = services.totp_uri(user=user, secret=secret)
        context["qr"] = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
        context["secret_groups"] = [secret[i : i + 4] for i in range(0, len(secret), 4)]
    return render(request, "accounts/two_factor.html", context)
