"""Provider staff submit learning records (one by web form, many by file) and follow their
status; district and town offices find accounts in their area and merge duplicates.

Every list goes through the viewer's scope; another district's staff get 'not found'."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from learningcity.core.errors import DomainError, NotFound
from learningcity.creditbank import selectors, services
from learningcity.creditbank.choices import RecordChannel, RecordStatus
from learningcity.creditbank.forms import MergeForm, RecordFilterForm, RecordForm, UploadForm
from learningcity.creditbank.services.imports import records_import
from learningcity.creditbank.views import (
    balance_context,
    error_fields,
    is_office,
    place_errors,
    require_scope,
)
from learningcity.creditbank.views.resident import record_rows
from learningcity.network.choices import Action
from learningcity.network.models import Organization, actor_scope

RECORDS_PER_PAGE = 50
ACCOUNTS_PER_PAGE = 50


@login_required
@require_safe
def staff_home(request: HttpRequest) -> HttpResponse:
    """What this staff member can do in the credit bank, by their roles."""
    require_scope(request, Action.VIEW)
    context = {
        "can_submit": not actor_scope(request.user, Action.CHANGE).nothing,
        "can_assess": not actor_scope(request.user, Action.ASSESS).nothing,
        "is_office": is_office(request.user),
    }
    return render(request, "creditbank/staff_home.html", context)


# Provider staff --------------------------------------------------------------------------------


@login_required
@require_safe
def records(request: HttpRequest) -> HttpResponse:
    require_scope(request, Action.VIEW)
    filters = RecordFilterForm(request.GET or None)
    status = category = ""
    if filters.is_valid():
        status = filters.cleaned_data["status"]
        category = filters.cleaned_data["category"]
    queryset = selectors.record_list(viewer=request.user, status=status, category=category)
    page = Paginator(queryset, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "rows": record_rows(page.object_list),
        "can_submit": not actor_scope(request.user, Action.CHANGE).nothing,
        "can_assess": not actor_scope(request.user, Action.ASSESS).nothing,
    }
    return render(request, "creditbank/staff_records.html", context)


def _providers(request: HttpRequest) -> Any:
    providers = Organization.objects.restrict(request.user, Action.CHANGE).order_by("code")
    if not providers.exists():
        raise Http404(_("This page is for provider staff."))
    return providers


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_new(request: HttpRequest) -> HttpResponse:
    providers = _providers(request)
    status = 200
    if request.method == "POST":
        form = RecordForm(request.POST, providers=providers)
        if form.is_valid():
            try:
                record = services.record_submit(
                    actor=request.user,
                    provider=form.cleaned_data["provider"],
                    row=form.row(),
                    channel=RecordChannel.WEB,
                )
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("The record “%(title)s” is submitted; an assessor will verify it.")
                    % {"title": record.title},
                )
                return redirect("creditbank:staff_records")
        else:
            status = 400
    else:
        form = RecordForm(providers=providers)
    context = {"form": form, "error_fields": error_fields(form)}
    return render(request, "creditbank/record_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def records_upload(request: HttpRequest) -> HttpResponse:
    """A CSV or Excel file of records; the answer is a report row by row. Resending a file
    changes nothing (each provider record id is taken once)."""
    providers = _providers(request)
    can_verify = (
        Organization.objects.restrict(request.user, Action.ASSESS)
        .filter(pk__in=providers.values("pk"))
        .exists()
    )
    status = 200
    report = None
    verified = False
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, providers=providers, can_verify=can_verify)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            verified = bool(form.cleaned_data.get("verify"))
            try:
                report = records_import(
                    actor=request.user,
                    provider=form.cleaned_data["provider"],
                    file=upload,
                    filename=upload.name or "",
                    verify=verified,
                )
            except DomainError as error:
                place_errors(form, error)
                status = error.status
        else:
            status = 400
    else:
        form = UploadForm(providers=providers, can_verify=can_verify)
    context = {
        "form": form,
        "error_fields": error_fields(form),
        "report": report,
        "verified": verified,
    }
    return render(request, "creditbank/upload.html", context, status=status)


# Offices ---------------------------------------------------------------------------------------


def _office_or_404(request: HttpRequest, action: str = Action.VIEW) -> None:
    if not is_office(request.user, action):
        raise Http404(_("This page is for district and town offices."))


@login_required
@require_safe
def accounts(request: HttpRequest) -> HttpResponse:
    _office_or_404(request)
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.account_list(viewer=request.user, q=q), ACCOUNTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "q": q,
        "page": page,
        "can_merge": not actor_scope(request.user, Action.CHANGE).nothing,
    }
    return render(request, "creditbank/accounts.html", context)


@login_required
@require_safe
def account_detail(request: HttpRequest, number: str) -> HttpResponse:
    require_scope(request, Action.VIEW)
    try:
        account = selectors.access_account(viewer=request.user, number=number)
    except NotFound:
        raise Http404(_("No such account.")) from None
    if account.learner.user_id == request.user.pk:
        return redirect("creditbank:home")
    page = Paginator(
        selectors.record_list(viewer=request.user, account=account), RECORDS_PER_PAGE
    ).get_page(request.GET.get("page"))
    context = {
        "account": account,
        **balance_context(selectors.balances(account), selectors.balance_by_category(account)),
        "page": page,
        "rows": record_rows(page.object_list),
        "can_assess": not actor_scope(request.user, Action.ASSESS).nothing,
        "verified": RecordStatus.VERIFIED,
    }
    return render(request, "creditbank/account.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def merge(request: HttpRequest) -> HttpResponse:
    # Merging changes accounts: offices' admins and registrars, not their readers.
    _office_or_404(request, Action.CHANGE)
    status = 200
    if request.method == "POST":
        form = MergeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                kept = services.account_merge(
                    actor=request.user,
                    keep_number=data["keep_number"],
                    duplicate_number=data["duplicate_number"],
                    reason=data["reason"],
                    id_number=data["id_number"].strip(),
                )
            except NotFound as error:
                form.add_error(None, error.message)
                status = 404
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Account %(duplicate)s is merged into %(kept)s.")
                    % {"duplicate": data["duplicate_number"], "kept": kept.number},
                )
                return redirect(reverse("creditbank:account", args=[kept.number]))
        else:
            status = 400
    else:
        form = MergeForm(
            initial={"keep_number": request.GET.get("keep", ""), "duplicate_number": ""}
        )
    context = {"form": form, "error_fields": error_fields(form)}
    return render(request, "creditbank/merge.html", context, status=status)
