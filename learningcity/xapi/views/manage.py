"""The provider's pages: its xAPI credentials (issue, revoke), its registered activities, the
read grants it gave other providers (grant, revoke) and received, and what became of each
completion its systems sent ("why didn't this create a record")."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from learningcity.core.errors import DomainError, NotFound
from learningcity.network.models import Organization
from learningcity.xapi import selectors, services
from learningcity.xapi.forms import (
    CredentialForm,
    OutcomeFilterForm,
    ReadGrantForm,
    RegistrationForm,
)


def _provider(request: HttpRequest, code: str) -> Organization:
    try:
        return selectors.provider_access(viewer=request.user, code=code)
    except NotFound:
        raise Http404(_("No such provider.")) from None


@login_required
@require_safe
def providers(request: HttpRequest) -> HttpResponse:
    found = list(selectors.providers_for(viewer=request.user)[:200])
    if len(found) == 1:
        return redirect("xapi:provider", found[0].code)
    # Someone who manages no provider is told so, with a refusal.
    status = 200 if found else 403
    return render(request, "xapi/providers.html", {"providers": found}, status=status)


def _page(
    request: HttpRequest,
    provider: Organization,
    *,
    credential_form: CredentialForm | None = None,
    registration_form: RegistrationForm | None = None,
    grant_form: ReadGrantForm | None = None,
    issued: services.IssuedCredential | None = None,
    status: int = 200,
) -> HttpResponse:
    outcome_form = OutcomeFilterForm(request.GET or None)
    outcome = outcome_form.cleaned_data["outcome"] if outcome_form.is_valid() else ""
    credential_form = credential_form or CredentialForm()
    registration_form = registration_form or RegistrationForm()
    grant_form = grant_form or ReadGrantForm()
    forms: list[Any] = [credential_form, registration_form, grant_form]
    context = {
        "provider": provider,
        "credentials": selectors.credentials_of(viewer=request.user, provider=provider),
        "registrations": selectors.registrations_of(viewer=request.user, provider=provider),
        "grants_given": selectors.grants_given(viewer=request.user, provider=provider),
        "grants_received": selectors.grants_received(viewer=request.user, provider=provider),
        "outcomes": selectors.outcomes_of(viewer=request.user, provider=provider, outcome=outcome),
        "credential_form": credential_form,
        "registration_form": registration_form,
        "grant_form": grant_form,
        "outcome_form": outcome_form,
        "issued": issued,
        "endpoint": request.build_absolute_uri(reverse("xapi:about")).removesuffix("about"),
        "error_fields": [f for form in forms for f in form if f.errors and not f.is_hidden],
        "has_errors": any(form.errors for form in forms),
    }
    return render(request, "xapi/provider.html", context, status=status)


def _place_errors(form: Any, error: DomainError, field: str) -> None:
    """A service's refusal on the form: its field messages on those fields (the top of the
    form for a field the form lacks), a refusal without fields on `field`."""
    for name, problems in (error.fields or {field: [error.message]}).items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


@login_required
@require_safe
def provider(request: HttpRequest, code: str) -> HttpResponse:
    return _page(request, _provider(request, code))


@login_required
@require_POST
def credential_create(request: HttpRequest, code: str) -> HttpResponse:
    organization = _provider(request, code)
    form = CredentialForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, credential_form=form, status=400)
    try:
        issued = services.credential_create(
            actor=request.user, provider=organization, name=form.cleaned_data["name"]
        )
    except DomainError as error:
        form.add_error("name", error.message)
        return _page(request, organization, credential_form=form, status=error.status)
    # The secret is shown on this answer only: it is not stored and not put in a redirect.
    return _page(request, organization, issued=issued)


@login_required
@require_POST
def credential_revoke(request: HttpRequest, code: str, public_id: uuid.UUID) -> HttpResponse:
    organization = _provider(request, code)
    try:
        services.credential_revoke(actor=request.user, public_id=public_id, provider=organization)
    except NotFound:
        raise Http404(_("No such credential.")) from None
    messages.success(request, _("The credential is revoked; systems using it are refused."))
    return redirect("xapi:provider", organization.code)


@login_required
@require_POST
def registration_create(request: HttpRequest, code: str) -> HttpResponse:
    organization = _provider(request, code)
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, registration_form=form, status=400)
    data = form.cleaned_data
    try:
        services.registration_create(
            actor=request.user,
            provider=organization,
            activity_id=data["activity_id"],
            title=data["title"],
            category=data["category"],
            hours=Decimal(data["hours"]),
            course_code=data["course_code"],
        )
    except DomainError as error:
        _place_errors(form, error, "title")
        return _page(request, organization, registration_form=form, status=error.status)
    messages.success(request, _("The activity is registered."))
    return redirect("xapi:provider", organization.code)


@login_required
@require_POST
def registration_delete(request: HttpRequest, code: str, public_id: uuid.UUID) -> HttpResponse:
    organization = _provider(request, code)
    try:
        services.registration_delete(actor=request.user, public_id=public_id, provider=organization)
    except NotFound:
        raise Http404(_("No such registered activity.")) from None
    messages.success(request, _("The activity is no longer registered."))
    return redirect("xapi:provider", organization.code)


@login_required
@require_POST
def read_grant_create(request: HttpRequest, code: str) -> HttpResponse:
    organization = _provider(request, code)
    form = ReadGrantForm(request.POST)
    if not form.is_valid():
        return _page(request, organization, grant_form=form, status=400)
    try:
        grant = services.read_grant_create(
            actor=request.user,
            provider=organization,
            grantee_code=form.cleaned_data["grantee"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        _place_errors(form, error, "grantee")
        return _page(request, organization, grant_form=form, status=error.status)
    messages.success(
        request,
        _("%(grantee)s may read your statements now.") % {"grantee": grant.grantee.name},
    )
    return redirect("xapi:provider", organization.code)


@login_required
@require_POST
def read_grant_revoke(request: HttpRequest, code: str, public_id: uuid.UUID) -> HttpResponse:
    organization = _provider(request, code)
    try:
        grant = services.read_grant_revoke(
            actor=request.user, public_id=public_id, provider=organization
        )
    except NotFound:
        raise Http404(_("No such read grant.")) from None
    messages.success(
        request,
        _("%(grantee)s no longer reads your statements.") % {"grantee": grant.grantee.name},
    )
    return redirect("xapi:provider", organization.code)
