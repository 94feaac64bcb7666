"""Assessors: verify or reject submitted records, revoke a verified one, keep recognition
standards, decide conversion applications and prior-learning claims.

Every queue and every object comes through the assessor's scope (Action.ASSESS); anyone else
gets 'not found'. Each decision is one service call, with the reason the learner reads."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learningcity.core.errors import DomainError, NotFound
from learningcity.creditbank import selectors, services
from learningcity.creditbank.choices import ClaimStatus
from learningcity.creditbank.forms import DecideForm, ReasonForm, ReviseForm, StandardForm
from learningcity.creditbank.models import RecognitionStandard
from learningcity.creditbank.views import (
    error_fields,
    explain,
    place_errors,
    require_scope,
    safe_next,
)
from learningcity.network.choices import Action
from learningcity.network.models import Organization

QUEUE_PER_PAGE = 50


def _assessor(request: HttpRequest) -> None:
    require_scope(request, Action.ASSESS)


# Records ---------------------------------------------------------------------------------------


@login_required
@require_safe
def review(request: HttpRequest) -> HttpResponse:
    _assessor(request)
    page = Paginator(selectors.review_queue(viewer=request.user), QUEUE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "creditbank/review.html", {"page": page})


@login_required
@require_POST
def record_verify(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    _assessor(request)
    _record_or_404(request, public_id)
    try:
        record = services.record_verify(actor=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such record.")) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        reasons = " ".join(explain(record.recognition_note).reasons)
        messages.success(
            request,
            _("“%(title)s” is verified: %(credits)s credits. %(reasons)s")
            % {"title": record.title, "credits": record.credits, "reasons": reasons},
        )
    return redirect(safe_next(request, reverse("creditbank:review")))


def _record_or_404(request: HttpRequest, public_id: uuid.UUID) -> Any:
    """A record this assessor may decide on: in their ASSESS scope and not their own."""
    try:
        return selectors.access_assessable_record(viewer=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such record.")) from None


def _reason_page(request: HttpRequest, public_id: uuid.UUID, *, kind: str) -> HttpResponse:
    """Reject a submitted record, or revoke a verified one: both need a reason."""
    _assessor(request)
    record = _record_or_404(request, public_id)
    service = services.record_reject if kind == "reject" else services.record_revoke
    status = 200
    if request.method == "POST":
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                service(
                    actor=request.user,
                    public_id=record.public_id,
                    reason=form.cleaned_data["reason"],
                )
            except NotFound:
                raise Http404(_("No such record.")) from None
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                if kind == "reject":
                    text = _("“%(title)s” is rejected.")
                else:
                    text = _("“%(title)s” is revoked; its credits are taken back.")
                messages.success(request, text % {"title": record.title})
                default = "creditbank:review" if kind == "reject" else "creditbank:staff_records"
                return redirect(default)
        else:
            status = 400
    else:
        form = ReasonForm()
    context = {
        "record": record,
        "kind": kind,
        "form": form,
        "error_fields": error_fields(form),
        "explanation": explain(record.recognition_note),
    }
    return render(request, "creditbank/record_reason.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_reject(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _reason_page(request, public_id, kind="reject")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def record_revoke(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _reason_page(request, public_id, kind="revoke")


# Conversions -----------------------------------------------------------------------------------


@login_required
@require_safe
def conversions(request: HttpRequest) -> HttpResponse:
    _assessor(request)
    page = Paginator(selectors.conversion_queue(viewer=request.user), QUEUE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "creditbank/conversion_queue.html", {"page": page})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def conversion_decide(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    _assessor(request)
    application = (
        selectors.conversion_queue(viewer=request.user)
        .filter(public_id=public_id)
        .prefetch_related("items__program_course", "items__record__provider")
        .first()
    )
    if application is None:
        raise Http404(_("No such application."))
    status = 200
    if request.method == "POST":
        form = DecideForm(request.POST)
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            try:
                services.conversion_decide(
                    actor=request.user,
                    public_id=application.public_id,
                    approve=approve,
                    reason=form.cleaned_data["reason"],
                )
            except NotFound:
                raise Http404(_("No such application.")) from None
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                text = (
                    _("The conversion for %(name)s is approved.")
                    if approve
                    else _("The conversion for %(name)s is rejected.")
                )
                messages.success(request, text % {"name": application.account.learner.name})
                return redirect("creditbank:conversion_queue")
        else:
            status = 400
    else:
        form = DecideForm()
    context = {
        "application": application,
        "audit": selectors.degree_audit(application.account, application.program),
        "form": form,
        "error_fields": error_fields(form),
    }
    return render(request, "creditbank/conversion_decide.html", context, status=status)


# Prior learning --------------------------------------------------------------------------------


@login_required
@require_safe
def claims(request: HttpRequest) -> HttpResponse:
    _assessor(request)
    page = Paginator(selectors.claim_queue(viewer=request.user), QUEUE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "creditbank/claim_queue.html", {"page": page})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def claim_decide(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    _assessor(request)
    claim = selectors.claim_queue(viewer=request.user).filter(public_id=public_id).first()
    if claim is None:
        raise Http404(_("No such claim."))
    status = 200
    if request.method == "POST":
        form = DecideForm(request.POST)
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            try:
                decided = services.claim_decide(
                    actor=request.user,
                    public_id=claim.public_id,
                    approve=approve,
                    reason=form.cleaned_data["reason"],
                )
            except NotFound:
                raise Http404(_("No such claim.")) from None
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("The claim “%(title)s” is decided: %(status)s.")
                    % {"title": decided.title, "status": decided.get_status_display()},
                )
                return redirect("creditbank:claim_queue")
        else:
            status = 400
    else:
        form = DecideForm()
    context = {
        "claim": claim,
        "appeal": claim.status == ClaimStatus.APPEALED,
        "form": form,
        "error_fields": error_fields(form),
    }
    return render(request, "creditbank/claim_decide.html", context, status=status)


# Standards -------------------------------------------------------------------------------------


def _standard_url(code: str) -> str:
    return f"{reverse('creditbank:standards')}#standard-{code}"


def _owners(request: HttpRequest) -> Any:
    return Organization.objects.restrict(request.user, Action.ASSESS).order_by("code")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def standard_new(request: HttpRequest) -> HttpResponse:
    _assessor(request)
    owners = _owners(request)
    status = 200
    if request.method == "POST":
        form = StandardForm(request.POST, owners=owners)
        if form.is_valid():
            data = form.cleaned_data
            try:
                standard = services.standard_create(
                    actor=request.user,
                    owner=data["owner"],
                    code=data["code"].strip(),
                    name_zh=data["name_zh"],
                    name_en=data["name_en"],
                    terms=form.terms(),
                )
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request, _("The standard %(code)s is in use.") % {"code": standard.code}
                )
                return redirect(_standard_url(standard.code))
        else:
            status = 400
    else:
        form = StandardForm(owners=owners)
    context = {"form": form, "error_fields": error_fields(form), "standard": None}
    return render(request, "creditbank/standard_form.html", context, status=status)


def _initial_terms(standard: RecognitionStandard) -> dict[str, Any]:
    latest = standard.versions.order_by("-version").first()
    if latest is None:
        return {}
    names = [
        "kind",
        "match_category",
        "match_certificate_code",
        "match_provider_system",
        "credit_category",
        "level",
        "credits_fixed",
        "hours_per_credit",
        "max_credits_per_record",
        "validity_years",
        "requires_pass",
        "min_attendance",
        "min_score",
        "cap_per_year",
        "cap_per_term",
        "cap_per_institution",
        "cap_certificates",
    ]
    return {name: getattr(latest, name) for name in names}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def standard_revise(request: HttpRequest, code: str) -> HttpResponse:
    _assessor(request)
    standard = selectors.standard_list().filter(code=code, owner__in=_owners(request)).first()
    if standard is None:
        raise Http404(_("No such standard."))
    status = 200
    if request.method == "POST":
        form = ReviseForm(request.POST)
        if form.is_valid():
            try:
                version = services.standard_revise(
                    actor=request.user,
                    code=standard.code,
                    terms=form.terms(),
                    change_note=form.cleaned_data["change_note"],
                )
            except NotFound:
                raise Http404(_("No such standard.")) from None
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Version %(version)s of %(code)s is in use for learning from %(date)s.")
                    % {
                        "version": version.version,
                        "code": standard.code,
                        "date": version.effective_from.isoformat(),
                    },
                )
                return redirect(_standard_url(standard.code))
        else:
            status = 400
    else:
        form = ReviseForm(initial=_initial_terms(standard))
    context = {"form": form, "error_fields": error_fields(form), "standard": standard}
    return render(request, "creditbank/standard_form.html", context, status=status)
