"""A resident's pages: apply for a class, see every application, answer an offer, and read
why an application got what it got."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learningcity.catalog.choices import ClassStatus, Rationing
from learningcity.catalog.models import Class
from learningcity.core import clock
from learningcity.core.errors import DomainError, NotFound
from learningcity.core.ratelimit import page_limit
from learningcity.enrollment import selectors, services
from learningcity.enrollment.choices import APPLY_PER_MINUTE, LIVE_STATUSES, ApplicationStatus
from learningcity.enrollment.errors import EnrollmentErrorCode
from learningcity.enrollment.forms import ApplyForm
from learningcity.enrollment.models import Application
from learningcity.enrollment.views import confirmed, error_fields, place_errors, safe_next
from learningcity.funding import selectors as funding
from learningcity.learners.models import Learner

# The hidden key was missing, malformed, or already used for another choice: the page was
# tampered with or sent back from the browser's history.
_STALE_FORM = gettext_lazy("This form was out of date. Check your choice and send it again.")


def _no_learner(request: HttpRequest) -> HttpResponse:
    """Staff logins usually have no resident record: say so kindly instead of failing."""
    return render(request, "enrollment/no_learner.html", status=403)


def _window_state(klass: Class) -> str:
    now = clock.now()
    if klass.status != ClassStatus.PUBLISHED:
        return "unavailable"
    if now < klass.applications_open_at:
        return "not_yet"
    if now >= klass.applications_close_at:
        return "closed"
    return "open"


def _success_message(application: Application) -> str:
    course = application.klass.course.title
    if application.status == ApplicationStatus.ACCEPTED:
        return _("You have a place in %(course)s.") % {"course": course}
    if application.status == ApplicationStatus.WAITLISTED:
        return _(
            "%(course)s is full, so you are on its waiting list. If a place comes free, it "
            "will be offered to you here."
        ) % {"course": course}
    return _(
        "Your application for %(course)s is in, as choice %(rank)s. The lottery is drawn "
        "after applications close."
    ) % {"course": course, "rank": application.rank}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@page_limit("enrollment.apply", limit=APPLY_PER_MINUTE, window=60)
def apply(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    learner = selectors.learner_for_user(user=request.user)
    if learner is None:
        return _no_learner(request)
    try:
        klass = selectors.class_for_applying(public_id=class_id)
    except NotFound:
        raise Http404(_("No such class.")) from None
    term = klass.term
    choices = selectors.term_choices(learner=learner, term=term)
    existing = next((a for a in choices if a.klass_id == klass.pk), None)
    lottery = klass.rationing == Rationing.LOTTERY
    all_ranks = list(range(1, term.max_choices + 1))
    used = {a.rank for a in choices if a.klass.rationing == Rationing.LOTTERY}
    free_ranks = [r for r in all_ranks if r not in used]
    status = 200
    if request.method == "POST":
        # Every rank passes the form: a resent page must reach the service (which returns
        # the first application) even though its rank is now taken.
        form = ApplyForm(request.POST, ranks=all_ranks if lottery else None)
        if form.is_valid():
            try:
                application = services.application_submit(
                    actor=request.user,
                    learner=learner,
                    klass=klass,
                    rank=form.cleaned_data.get("rank", 1),
                    idempotency_key=str(form.cleaned_data["idempotency_key"]),
                )
            except DomainError as error:
                if error.code == EnrollmentErrorCode.ALREADY_APPLIED:
                    # A second press that raced the first: show the application it made.
                    first = existing or selectors.live_application(learner=learner, klass=klass)
                    if first is not None:
                        messages.info(request, error.message)
                        return redirect("enrollment:application", first.public_id)
                if isinstance(error, NotFound):
                    raise Http404(error.message) from None
                if "idempotency_key" in error.fields:
                    form.add_error(None, _STALE_FORM)
                else:
                    place_errors(form, error)
                status = error.status
            else:
                messages.success(request, _success_message(application))
                return redirect("enrollment:application", application.public_id)
        else:
            status = 400
            if "idempotency_key" in form.errors:
                form.add_error(None, _STALE_FORM)
        if "idempotency_key" in form.errors or status == 409:
            # A stale or reused key: the next press is a new request, with a new key.
            data = request.POST.copy()
            data["idempotency_key"] = str(uuid.uuid4())
            form.data = data
    else:
        form = ApplyForm(
            ranks=all_ranks if lottery else None,
            initial={
                "idempotency_key": uuid.uuid4(),
                "rank": free_ranks[0] if free_ranks else None,
            },
        )
    if lottery:
        form.fields["rank"].choices = [  # type: ignore[attr-defined]
            c
            for c in form.fields["rank"].choices  # type: ignore[attr-defined]
            if c[0] in free_ranks
        ]
    context = {
        "klass": klass,
        "term": term,
        "lottery": lottery,
        "choices": choices,
        "lottery_choices": [a for a in choices if a.klass.rationing == Rationing.LOTTERY],
        "other_choices": [a for a in choices if a.klass.rationing != Rationing.LOTTERY],
        "existing": existing,
        "free_ranks": free_ranks,
        "window": _window_state(klass),
        "form": form,
        "error_fields": error_fields(form),
        "draw": selectors.draw_for_term(term=term) if lottery else None,
        "offer_hours": settings.ENROLLMENT_OFFER_HOURS,
        # What the class costs this learner after subsidy and allowance, before applying.
        "price": funding.price_for(learner=learner, klass=klass),
    }
    return render(request, "enrollment/apply.html", context, status=status)


@dataclass(frozen=True)
class Row:
    application: Application
    offered: bool
    live: bool


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    learner = selectors.learner_for_user(user=request.user)
    if learner is None:
        return _no_learner(request)
    applications = selectors.applications_of(viewer=request.user, learner=learner)
    terms = [
        (term, [_row(a) for a in rows])
        for term, rows in itertools.groupby(applications, key=lambda a: a.term)
    ]
    return render(request, "enrollment/mine.html", {"terms": terms, "learner": learner})


def _row(application: Application) -> Row:
    return Row(
        application,
        offered=application.status == ApplicationStatus.OFFERED,
        live=application.status in LIVE_STATUSES,
    )


@login_required
@require_safe
def application_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The application and why it got what it got. The learner sees it, and so do staff
    whose area the learner lives in (to explain it on the phone)."""
    try:
        application = selectors.access_application(viewer=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such application.")) from None
    explanation = selectors.application_explanation(application=application)
    context = {
        "application": application,
        "klass": application.klass,
        "term": application.term,
        "x": explanation,
        "row": _row(application),
        "owner": application.learner.user_id == request.user.pk,
        "lottery": explanation.rationing == Rationing.LOTTERY,
        "short_number": (explanation.lottery_number or "")[:12],
        "drawn": explanation.seed is not None,
    }
    return render(request, "enrollment/application.html", context)


def _own_application(request: HttpRequest, public_id: uuid.UUID) -> tuple[Learner, Application]:
    """The viewer's own application; anyone else's is 'not found', as if it did not exist."""
    learner = selectors.learner_for_user(user=request.user)
    try:
        application = selectors.access_application(viewer=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such application.")) from None
    if learner is None or application.learner_id != learner.pk:
        raise Http404(_("No such application."))
    return learner, application


def _detail_url(application: Application) -> str:
    return reverse("enrollment:application", args=[application.public_id])


@login_required
@require_POST
def accept(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    _learner, application = _own_application(request, public_id)
    try:
        services.offer_accept(actor=request.user, public_id=application.public_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("You accepted your place in %(course)s.")
            % {"course": application.klass.course.title},
        )
    return redirect(safe_next(request, _detail_url(application)))


def _confirm_page(
    request: HttpRequest, application: Application, *, kind: str, status: int = 200
) -> HttpResponse:
    context = {
        "application": application,
        "kind": kind,
        "cancel_url": safe_next(request, _detail_url(application)),
        "next": safe_next(request, reverse("enrollment:mine")),
    }
    return render(request, "enrollment/confirm_resident.html", context, status=status)


def _answer(request: HttpRequest, public_id: uuid.UUID, kind: str) -> HttpResponse:
    """Decline an offer or withdraw: the first press shows what will happen; only the
    confirmation page's button changes anything."""
    _learner, application = _own_application(request, public_id)
    if not confirmed(request):
        return _confirm_page(request, application, kind=kind)
    service = services.offer_decline if kind == "decline" else services.application_withdraw
    try:
        service(actor=request.user, public_id=application.public_id)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_detail_url(application))
    course = application.klass.course.title
    if kind == "decline":
        messages.success(request, _("You declined the place in %(course)s.") % {"course": course})
    else:
        messages.success(
            request, _("You withdrew your application for %(course)s.") % {"course": course}
        )
    return redirect(safe_next(request, reverse("enrollment:mine")))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def decline(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _answer(request, public_id, "decline")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    return _answer(request, public_id, "withdraw")
