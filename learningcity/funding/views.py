"""Funding pages: a learner's allowance (balance, tranches, expiry, history); the policies and
target groups; finance officers' budgets, commitments, flags and reports (with CSV and XLSX
exports); providers' contracts, deliveries and settlements. Every page works without
JavaScript; every list is scoped to the viewer; a refusal is a message, never a 500."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learningcity.core import clock
from learningcity.core.errors import DomainError, NotFound
from learningcity.funding import selectors, services
from learningcity.funding.choices import FlagStatus, ReportDimension
from learningcity.funding.data import ReportRow
from learningcity.funding.forms import FlagReviewForm, ReportForm
from learningcity.learners.models import Learner
from learningcity.network.choices import Action
from learningcity.network.models import actor_scope


def _learner(request: HttpRequest) -> Learner | None:
    return (
        Learner.objects.select_related("residence_area")
        .filter(user_id=int(request.user.pk or 0))
        .first()
    )


def _may_finance(request: HttpRequest) -> bool:
    return selectors.may_finance(viewer=request.user)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "funding/forbidden.html", status=403)


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    learner = _learner(request)
    if learner is None:
        return render(request, "funding/no_learner.html", status=403)
    today = clock.today()
    tranches = list(selectors.tranches_of(learner=learner))
    context = {
        "learner": learner,
        "balance": selectors.entitlement_balance(learner=learner),
        "tranches": tranches,
        "today": today,
        "history": selectors.entitlement_history(learner=learner, limit=30),
        "groups": selectors.learner_groups(learner=learner, on=today),
    }
    return render(request, "funding/mine.html", context)


@require_safe
def policies(request: HttpRequest) -> HttpResponse:
    context = {
        "policies": selectors.policies_in_force(),
        "schemes": selectors.schemes_in_force(),
        "rules": selectors.target_group_rules(),
    }
    return render(request, "funding/policies.html", context)


@login_required
@require_safe
def finance(request: HttpRequest) -> HttpResponse:
    if not _may_finance(request):
        if not actor_scope(request.user, Action.VIEW).nothing:
            # Providers' staff follow "Funding" to their contracts and settlements.
            return redirect("funding:provider")
        return _forbidden(request)
    budgets = list(selectors.budget_list(viewer=request.user)[:200])
    figures = selectors.budget_figures(budgets)
    context = {
        "budgets": [(b, figures[b.pk]) for b in budgets],
        "commitments": selectors.commitment_list(viewer=request.user)[:30],
        "flags": selectors.flag_list(viewer=request.user, status=FlagStatus.OPEN)[:50],
        "settlements": selectors.settlement_list(viewer=request.user)[:30],
    }
    return render(request, "funding/finance.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def flag_review(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    if not _may_finance(request):
        return _forbidden(request)
    try:
        flag = selectors.access_flag(viewer=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such flag.")) from None
    status = 200
    form = FlagReviewForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.flag_review(
                    actor=request.user,
                    public_id=flag.public_id,
                    uphold=form.cleaned_data["decision"] == "uphold",
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                messages.success(request, _("Your decision on the flag is recorded."))
                return redirect("funding:settlement", flag.settlement.public_id)
        else:
            status = 400
    context = {
        "flag": flag,
        "form": form,
        "error_fields": [f for f in form if f.errors and not f.is_hidden],
    }
    return render(request, "funding/flag_review.html", context, status=status)


@login_required
@require_safe
def report(request: HttpRequest) -> HttpResponse:
    if not _may_finance(request):
        return _forbidden(request)
    form = ReportForm(request.GET or None)
    by, year = form.dimension(), form.year()
    rows = selectors.report(viewer=request.user, by=by, fiscal_year=year)
    context = {
        "form": form,
        "rows": rows,
        "by": by,
        "by_label": ReportDimension(by).label,
        "query": request.GET.urlencode(),
        "error_fields": [f for f in form if f.errors],
    }
    return render(request, "funding/report.html", context, status=400 if form.errors else 200)


def _report_table(request: HttpRequest) -> tuple[list[str], list[list[Any]], str]:
    form = ReportForm(request.GET or None)
    by, year = form.dimension(), form.year()
    rows: list[ReportRow] = selectors.report(viewer=request.user, by=by, fiscal_year=year)
    header = [
        str(ReportDimension(by).label),
        _("Code"),
        _("Committed (CNY)"),
        _("Delivered (CNY)"),
        _("Paid (CNY)"),
        _("Learners"),
        _("Learner-hours"),
        _("Cost per learner-hour (CNY)"),
    ]
    table = [
        [
            r.label,
            r.key,
            r.committed,
            r.delivered,
            r.paid,
            r.learners,
            r.learner_hours,
            r.cost_per_learner_hour if r.cost_per_learner_hour is not None else "",
        ]
        for r in rows
    ]
    name = f"funding-{by}-{year or 'all'}"
    return header, table, name


@login_required
@require_safe
def report_csv(request: HttpRequest) -> HttpResponse:
    if not _may_finance(request):
        return _forbidden(request)
    header, table, name = _report_table(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(table)
    # A byte-order mark, so spreadsheet programs read the Chinese names as UTF-8.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@login_required
@require_safe
def report_xlsx(request: HttpRequest) -> HttpResponse:
    if not _may_finance(request):
        return _forbidden(request)
    from openpyxl import Workbook

    header, table, name = _report_table(request)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = name[:31]
    sheet.append(header)
    for row in table:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
@require_safe
def provider(request: HttpRequest) -> HttpResponse:
    contracts = list(selectors.contract_list(viewer=request.user)[:100])
    context = {
        "contracts": [(c, *selectors.contract_delivered(c)) for c in contracts],
        "settlements": selectors.settlement_list(viewer=request.user)[:100],
    }
    return render(request, "funding/provider.html", context)


@login_required
@require_safe
def settlement_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        settlement = selectors.access_settlement(viewer=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such settlement.")) from None
    context = {
        "settlement": settlement,
        "deliveries": settlement.deliveries.select_related("contract").order_by("id"),
        "flags": settlement.flags.order_by("id"),
        "may_pay": _may_finance(request),
    }
    return render(request, "funding/settlement.html", context)


@login_required
@require_POST
def settlement_pay(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        services.settlement_pay(actor=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such settlement.")) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The provider is paid."))
    return redirect("funding:settlement", public_id)
