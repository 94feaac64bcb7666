"""Enrollment pages: residents apply and answer offers (resident.py); provider staff run their
classes and the municipal office draws the term (staff.py).

Every page works without JavaScript. Every change is one service call; a service's refusal
(DomainError) becomes a message on the page in the reader's language, never a server error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from learningcity.core.errors import DomainError


def place_errors(form: forms.Form, error: DomainError) -> None:
    """Put a service's field errors on the form's fields; what has no visible field goes to
    the top of the form, so nothing the service said is lost."""
    placed = False
    for name, messages in error.fields.items():
        if name in form.fields and not form[name].is_hidden:
            for message in messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def safe_next(request: HttpRequest, default: str) -> str:
    """The page to go back to after a small POST form, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def confirmed(request: HttpRequest) -> bool:
    """A confirmation page sends confirm=yes; the first press of a button does not."""
    return request.method == "POST" and request.POST.get("confirm") == "yes"


def error_fields(form: forms.Form) -> list[Any]:
    """The visible fields that have errors, for the error summary's links."""
    return [field for field in form if field.errors and not field.is_hidden]
