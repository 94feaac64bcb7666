"""A learner's own credit bank: balance and records with the reasons behind each recognition,
the degree audit per program and applying for conversion, prior-learning claims with one
appeal, and transcript links.

Everything here belongs to the signed-in resident; anything else answers 'not found'."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learningcity.core import clock
from learningcity.core.errors import DomainError, NotFound
from learningcity.creditbank import selectors, services
from learningcity.creditbank.choices import ClaimStatus
from learningcity.creditbank.data import CourseLine
from learningcity.creditbank.forms import AppealForm, ClaimForm, ConvertForm, ShareForm
from learningcity.creditbank.models import (
    Account,
    ConversionApplication,
    LearningRecord,
    PriorLearningClaim,
    Program,
    RecognitionStandard,
    TranscriptShare,
)
from learningcity.creditbank.services.claims import SIGNATURES
from learningcity.creditbank.views import balance_context, error_fields, explain, place_errors
from learningcity.network.choices import Action, OrganizationKind, OrganizationStatus
from learningcity.network.models import Organization

RECORDS_PER_PAGE = 30

# Reads the selectors do not offer yet: the learner's own applications, claims and links. Each
# is scoped by the account, which the caller got from `account_of_user`.


def conversions_of(account: Account) -> QuerySet[ConversionApplication]:
    return (
        ConversionApplication.objects.filter(account=account)
        .select_related("program")
        .prefetch_related("items__program_course", "items__record")
        .order_by("-id")
    )


def claims_of(account: Account) -> QuerySet[PriorLearningClaim]:
    return (
        PriorLearningClaim.objects.filter(account=account)
        .select_related("assessor_org", "record")
        .order_by("-id")
    )


def shares_of(account: Account) -> QuerySet[TranscriptShare]:
    return TranscriptShare.objects.filter(account=account).order_by("-id")


def assessor_choices() -> QuerySet[Organization]:
    """Who may be asked to assess a claim: the Service Center and any body keeping a standard."""
    keepers = RecognitionStandard.objects.filter(is_active=True).values("owner_id")
    return (
        Organization.objects.filter(status=OrganizationStatus.ACTIVE)
        .filter(Q(kind=OrganizationKind.SERVICE_CENTER) | Q(pk__in=keepers))
        .order_by("code")
    )


def claim_for_evidence(*, viewer: Any, public_id: Any) -> PriorLearningClaim:
    """A claim whose evidence the viewer may read: their own, or one their organization
    assesses. 'Not found' for anyone else, as if it did not exist."""
    claim = (
        PriorLearningClaim.objects.filter(public_id=public_id)
        .filter(
            Q(account__learner__user_id=viewer.pk)
            | Q(assessor_org__in=Organization.objects.restrict(viewer, Action.ASSESS))
        )
        .first()
    )
    if claim is None:
        raise NotFound(_("No such claim."))
    return claim


# Helpers ---------------------------------------------------------------------------------------


def _no_learner(request: HttpRequest) -> HttpResponse:
    return render(request, "creditbank/no_learner.html", status=403)


def _account_or_none(request: HttpRequest) -> tuple[bool, Account | None]:
    """(is a resident, their account if opened)."""
    if getattr(request.user, "learner", None) is None:
        return False, None
    return True, selectors.account_of_user(request.user)


def _own_account(request: HttpRequest) -> Account | HttpResponse:
    """The resident's account, or the page to show instead (no resident record, or no account
    yet: the home page offers to open one)."""
    resident, account = _account_or_none(request)
    if not resident:
        return _no_learner(request)
    if account is None:
        return redirect("creditbank:home")
    return account


@dataclass(frozen=True)
class RecordRow:
    record: LearningRecord
    standard: str
    reasons: list[str]


def record_rows(records: Any) -> list[RecordRow]:
    rows = []
    for record in records:
        explanation = explain(record.recognition_note)
        rows.append(RecordRow(record, explanation.standard, explanation.reasons))
    return rows


# Pages -----------------------------------------------------------------------------------------


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    resident, account = _account_or_none(request)
    if not resident:
        return _no_learner(request)
    if account is None:
        return render(request, "creditbank/open.html")
    page = Paginator(
        selectors.record_list(viewer=request.user, account=account), RECORDS_PER_PAGE
    ).get_page(request.GET.get("page"))
    balances = selectors.balances(account)
    context = {
        "account": account,
        **balance_context(balances, selectors.balance_by_category(account)),
        "page": page,
        "rows": record_rows(page.object_list),
    }
    return render(request, "creditbank/home.html", context)


@login_required
@require_POST
def open_account(request: HttpRequest) -> HttpResponse:
    learner = getattr(request.user, "learner", None)
    if learner is None:
        return _no_learner(request)
    try:
        account = services.account_open(actor=request.user, learner=learner)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your credit bank account %(number)s is open.") % {"number": account.number},
        )
    return redirect("creditbank:home")


def _program_or_404(code: str) -> Program:
    program = selectors.program_list().filter(code=code).first()
    if program is None:
        raise Http404(_("No such program."))
    return program


@login_required
@require_safe
def programs(request: HttpRequest) -> HttpResponse:
    account = _own_account(request)
    if isinstance(account, HttpResponse):
        return account
    audits = [(p, selectors.degree_audit(account, p)) for p in selectors.program_list()]
    return render(request, "creditbank/programs.html", {"account": account, "audits": audits})


def _via_text(line: CourseLine) -> str:
    if line.candidate_via == "transfer":
        return _("the same course passed at another institution")
    if line.candidate_via.startswith("equivalence:"):
        return _("the certificate %(code)s, which this program accepts for the course") % {
            "code": line.candidate_via.partition(":")[2]
        }
    return ""


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def audit(request: HttpRequest, code: str) -> HttpResponse:
    account = _own_account(request)
    if isinstance(account, HttpResponse):
        return account
    program = _program_or_404(code)
    result = selectors.degree_audit(account, program)
    candidates = [line for line in result.courses if line.candidate_record_id]
    choices = [(line.code, f"{line.code} {line.name}") for line in candidates]
    status = 200
    if request.method == "POST":
        form = ConvertForm(request.POST, courses=choices)
        if form.is_valid():
            try:
                application = services.conversion_apply(
                    actor=request.user,
                    account=account,
                    program_code=program.code,
                    course_codes=form.cleaned_data["courses"],
                )
            except NotFound:
                raise Http404(_("No such program.")) from None
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _(
                        "Your application to convert credits toward %(program)s is in. An "
                        "assessor will decide; the decision appears on this page."
                    )
                    % {"program": application.program.name},
                )
                return redirect("creditbank:conversions")
        else:
            status = 400
    else:
        form = ConvertForm(courses=choices)
    waiting = conversions_of(account).filter(program=program, status="submitted").first()
    context = {
        "account": account,
        "program": program,
        "audit": result,
        "lines": [(line, _via_text(line)) for line in result.courses],
        "candidates": candidates,
        "waiting": waiting,
        "form": form,
        "error_fields": error_fields(form),
    }
    return render(request, "creditbank/audit.html", context, status=status)


@login_required
@require_safe
def conversions(request: HttpRequest) -> HttpResponse:
    account = _own_account(request)
    if isinstance(account, HttpResponse):
        return account
    context = {"account": account, "applications": list(conversions_of(account))}
    return render(request, "creditbank/conversions.html", context)


@login_required
@require_safe
def claims(request: HttpRequest) -> HttpResponse:
    account = _own_account(request)
    if isinstance(account, HttpResponse):
        return account
    context = {"account": account, "claims": list(claims_of(account))}
    return render(request, "creditbank/claims.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def claim_new(request: HttpRequest) -> HttpResponse:
    account = _own_account(request)
    if isinstance(account, HttpResponse):
        return account
    assessors = assessor_choices()
    status = 200
    if request.method == "POST":
        form = ClaimForm(request.POST, request.FILES, assessors=assessors)
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = services.claim_submit(
                    actor=request.user,
                    account=account,
                    assessor_code=data["assessor"].code,
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    hours=data["hours"],
                    evidence=data["evidence"],
                    certificate_code=data["certificate_code"],
                )
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Your claim is in. An assessor will decide by %(date)s.")
                    % {"date": claim.due_on.isoformat()},
                )
                return redirect("creditbank:claims")
        else:
            status = 400
    else:
        form = ClaimForm(assessors=assessors)
    context = {"account": account, "form": form, "error_fields": error_fields(form)}
    return render(request, "creditbank/claim_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def claim_appeal(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    account = _own_account(request)
    if isinstance(account, HttpResponse):
        return account
    claim = claims_of(account).filter(public_id=public_id).first()
    if claim is None:
        raise Http404(_("No such claim."))
    status = 200
    if request.method == "POST":
        form = AppealForm(request.POST)
        if form.is_valid():
            try:
                services.claim_appeal(
                    actor=request.user,
                    public_id=claim.public_id,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Your appeal is in. A different assessor will decide it."),
                )
                return redirect("creditbank:claims")
        else:
            status = 400
    else:
        form = AppealForm()
    context = {
        "claim": claim,
        "form": form,
        "error_fields": error_fields(form),
        "can_appeal": claim.status == ClaimStatus.REJECTED and claim.appealed_at is None,
    }
    return render(request, "creditbank/claim_appeal.html", context, status=status)


@login_required
@require_safe
def claim_evidence(request: HttpRequest, public_id: uuid.UUID) -> FileResponse:
    """The evidence file, only for the learner and the assessing organization; never a public
    media URL. Sent as a download with the type read from its first bytes."""
    try:
        claim = claim_for_evidence(viewer=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such claim.")) from None
    handle = claim.evidence.open("rb")
    head = handle.read(16)
    handle.seek(0)
    kind = next(
        (k for sig, k in SIGNATURES.items() if head.startswith(sig)), "application/octet-stream"
    )
    response = FileResponse(
        handle, as_attachment=True, filename=claim.evidence_name or "evidence", content_type=kind
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def shares(request: HttpRequest) -> HttpResponse:
    """Links that show the transcript to whoever holds them. A new link is shown once, here;
    only its fingerprint is kept."""
    account = _own_account(request)
    if isinstance(account, HttpResponse):
        return account
    status = 200
    new_link = ""
    if request.method == "POST":
        form = ShareForm(request.POST)
        if form.is_valid():
            try:
                _share, token = services.share_create(
                    actor=request.user, account=account, days=form.cleaned_data["days"]
                )
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                new_link = request.build_absolute_uri(reverse("creditbank:shared", args=[token]))
                form = ShareForm()
        else:
            status = 400
    else:
        form = ShareForm()
    context = {
        "account": account,
        "form": form,
        "error_fields": error_fields(form),
        "links": list(shares_of(account)),
        "new_link": new_link,
        "now": clock.now(),
    }
    response = render(request, "creditbank/shares.html", context, status=status)
    if new_link:
        response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def share_revoke(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        services.share_revoke(actor=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such link.")) from None
    messages.success(request, _("The link is withdrawn; it no longer shows your transcript."))
    return redirect("creditbank:shares")
