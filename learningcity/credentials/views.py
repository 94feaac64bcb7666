"""Public verification pages, the issuers' and status lists' documents, and the wallet."""

from __future__ import annotations

import io
import uuid
import zipfile
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from learningcity.core import clock
from learningcity.core.errors import DomainError, NotFound
from learningcity.core.ratelimit import page_limit
from learningcity.credentials import proofs, selectors, services
from learningcity.credentials.data import VerificationResult
from learningcity.credentials.errors import Reason
from learningcity.credentials.forms import ShareForm, VerifyForm
from learningcity.credentials.models import Credential

LD_JSON = "application/ld+json"


def reason_text(code: str) -> str:
    """A failed check in words a resident or an employer understands."""
    texts = {
        Reason.MALFORMED: _("It is not a well-formed Open Badges or CLR credential."),
        Reason.WRONG_CONTEXT: _("It uses contexts that are missing, unknown or out of order."),
        Reason.BAD_PROOF: _("Its digital signature is missing, malformed or does not verify."),
        Reason.UNKNOWN_ISSUER_KEY: _("It was not signed with a key its issuer has published."),
        Reason.TAMPERED: _("It was changed after it was signed."),
        Reason.EXPIRED: _("It has expired."),
        Reason.NOT_YET_VALID: _("It is not valid yet."),
        Reason.REVOKED: _("The issuer has revoked it."),
        Reason.STATUS_UNAVAILABLE: _("Its revocation status could not be checked."),
    }
    return texts.get(code, _("A check failed."))  # type: ignore[call-overload]


def check_label(name: str) -> str:
    labels = {
        "context": _("Contexts"),
        "structure": _("Required fields"),
        "proof": _("Signature format"),
        "issuer_key": _("Issuer's key"),
        "signature": _("Signature"),
        "valid_from": _("Valid from"),
        "valid_until": _("Valid until"),
        "status": _("Not revoked"),
    }
    return labels.get(name, name)


def _result_context(result: VerificationResult) -> dict[str, Any]:
    return {
        "result": result,
        "checks": [
            {
                "label": check_label(c.name),
                "passed": c.passed,
                "reason": "" if c.passed else reason_text(c.code),
            }
            for c in result.checks
        ],
        "reasons": [reason_text(code) for code in result.reasons],
    }


def _parse(text: str) -> Any:
    try:
        return proofs.loads(text)
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@page_limit("credentials.verify", limit=60, window=60)
def verify(request: HttpRequest) -> HttpResponse:
    """Paste or upload a credential and see every check."""
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            document = _parse(form.cleaned_data["text"])
            if document is None:
                form.add_error("document", _("This is not valid JSON."))
                status = 400
            else:
                context.update(_result_context(services.credential_verify(document)))
        else:
            status = 400
    else:
        form = VerifyForm()
    context["form"] = form
    context["error_fields"] = [form[name] for name in form.errors if name in form.fields]
    return render(request, "credentials/verify.html", context, status=status)


def _credential_page(request: HttpRequest, credential: Credential, **extra: Any) -> HttpResponse:
    result = services.credential_verify(proofs.loads(credential.document))
    context = {
        "credential": credential,
        "verify_url": selectors.verify_url(credential.public_id),
        **_result_context(result),
        **extra,
    }
    return render(request, "credentials/credential.html", context)


def credential(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """What the QR code opens: the credential, verified now."""
    try:
        found = selectors.access_credential(public_id=public_id)
    except NotFound:
        raise Http404(_("No such credential.")) from None
    return _credential_page(request, found)


def credential_json(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        found = selectors.access_credential(public_id=public_id)
    except NotFound:
        raise Http404(_("No such credential.")) from None
    response = HttpResponse(found.document, content_type="application/vc+ld+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="credential-{found.public_id}.json"'
    return response


def credential_qr(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        found = selectors.access_credential(public_id=public_id)
    except NotFound:
        raise Http404(_("No such credential.")) from None
    out = io.BytesIO()
    segno.make(selectors.verify_url(found.public_id), error="m").save(
        out, kind="svg", scale=4, border=2, xmldecl=False
    )
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


def shared(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = services.share_resolve(token)
    except NotFound:
        return render(request, "credentials/share_gone.html", status=404)
    return _credential_page(request, found, shared=True)


def issuer(request: HttpRequest, code: str) -> HttpResponse:
    document = selectors.issuer_document(code)
    if document is None:
        raise Http404(_("No such issuer."))
    return JsonResponse(document, content_type=LD_JSON, json_dumps_params={"ensure_ascii": False})


def status_list(request: HttpRequest, code: str, number: int) -> HttpResponse:
    document = selectors.status_list_document(code, number)
    if document is None:
        raise Http404(_("No such status list."))
    return JsonResponse(
        document, content_type="application/vc+ld+json", json_dumps_params={"ensure_ascii": False}
    )


@login_required
@require_http_methods(["GET", "POST"])
def wallet(request: HttpRequest) -> HttpResponse:
    """The resident's credentials: download, QR code, share links, export."""
    if getattr(request.user, "learner", None) is None:
        return render(request, "credentials/wallet.html", {"no_learner": True})
    new_link = ""
    status = 200
    share_form = ShareForm()
    if request.method == "POST":
        share_form = ShareForm(request.POST)
        if share_form.is_valid():
            try:
                _share, token = services.share_create(
                    actor=request.user,
                    public_id=request.POST.get("credential", ""),
                    days=share_form.cleaned_data["days"],
                )
            except (DomainError, ValueError, DjangoValidationError):
                messages.error(request, _("No such credential."))
                status = 404
            else:
                new_link = request.build_absolute_uri(reverse("credentials:shared", args=[token]))
        else:
            messages.error(request, _("A link lasts from 1 to 365 days."))
            status = 400
    items = list(selectors.wallet(viewer=request.user))
    context = {
        "credentials": items,
        "share_form": ShareForm(),
        "new_link": new_link,
        "now": clock.now(),
    }
    return render(request, "credentials/wallet.html", context, status=status)


@login_required
def wallet_export(request: HttpRequest) -> HttpResponse:
    """All the resident's credentials, with the documents needed to check them offline."""
    items = list(selectors.wallet(viewer=request.user))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in selectors.export_files(items).items():
            archive.writestr(path, text)
    response = HttpResponse(out.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="my-credentials.zip"'
    return response


@login_required
@require_POST
def share_revoke(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        services.share_revoke(actor=request.user, public_id=public_id)
    except DomainError:
        raise Http404(_("No such link.")) from None
    messages.success(request, _("The link is withdrawn."))
    return redirect("credentials:wallet")
