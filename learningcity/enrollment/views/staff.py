"""Provider staff run their classes (window, sessions, roll call, completion); the municipal
office runs each term's draw; staff publish courses and schedule classes.

Every object is fetched through the viewer's scope, so another district's or another
provider's staff get 'not found' and change nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learningcity.catalog import services as catalog
from learningcity.catalog.choices import Rationing
from learningcity.catalog.models import Class
from learningcity.core import clock
from learningcity.core.errors import DomainError, NotFound
from learningcity.enrollment import selectors, services
from learningcity.enrollment.choices import ApplicationStatus, DrawStatus
from learningcity.enrollment.forms import ClassForm, CourseForm, RollCallForm
from learningcity.enrollment.views import confirmed, error_fields, place_errors
from learningcity.network.choices import Action
from learningcity.network.models import actor_scope

CLASSES_PER_PAGE = 50
APPLICANTS_PER_PAGE = 50
REOPEN_DAYS = 7


def _staff_or_404(request: HttpRequest, action: str = Action.VIEW) -> None:
    if actor_scope(request.user, action).nothing:
        raise Http404(_("This page is for staff."))


def _class_or_404(request: HttpRequest, class_id: uuid.UUID, action: str = Action.VIEW) -> Class:
    try:
        return selectors.access_class(viewer=request.user, public_id=class_id, action=action)
    except NotFound:
        raise Http404(_("No such class.")) from None


def _counts(by_status: dict[str, int]) -> list[tuple[str, int]]:
    """Application counts in the order an application moves through its statuses."""
    return [(str(s.label), by_status[s.value]) for s in ApplicationStatus if by_status.get(s.value)]


def _class_url(klass: Class) -> str:
    return reverse("enrollment:staff_class", args=[klass.public_id])


def _local(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


@login_required
@require_safe
def staff_classes(request: HttpRequest) -> HttpResponse:
    _staff_or_404(request)
    page = Paginator(selectors.staff_class_list(viewer=request.user), CLASSES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    classes = list(page.object_list)
    counts = selectors.status_counts_by_class(class_ids=[c.pk for c in classes])
    now = clock.now()
    terms = [
        (term, [(c, _counts(counts[c.pk]), _window(c, now)) for c in rows])
        for term, rows in itertools.groupby(classes, key=lambda c: c.term)
    ]
    change = actor_scope(request.user, Action.CHANGE)
    context = {
        "page": page,
        "terms": terms,
        "municipal": change.everything,
        "can_create": not change.nothing,
    }
    return render(request, "enrollment/staff_classes.html", context)


def _window(klass: Class, now: dt.datetime) -> str:
    if now < klass.applications_open_at:
        return "not_yet"
    if now >= klass.applications_close_at:
        return "closed"
    return "open"


@login_required
@require_safe
def staff_class(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    klass = _class_or_404(request, class_id)
    applicants = selectors.class_applicants(viewer=request.user, klass=klass)
    page = Paginator(applicants, APPLICANTS_PER_PAGE).get_page(request.GET.get("page"))
    can_change = selectors.may_change_class(viewer=request.user, klass=klass)
    draw = selectors.draw_for_term(term=klass.term)
    drawn = (
        klass.rationing == Rationing.LOTTERY
        and draw is not None
        and draw.status == DrawStatus.DRAWN
    )
    counts = selectors.class_status_counts(klass=klass)
    context = {
        "klass": klass,
        "page": page,
        "counts": _counts(counts),
        "enrolled": counts.get(ApplicationStatus.ENROLLED, 0),
        "accepted": counts.get(ApplicationStatus.ACCEPTED, 0),
        "sessions": selectors.class_session_rows(viewer=request.user, klass=klass),
        "can_change": can_change,
        "window": _window(klass, clock.now()),
        # After a lottery class's term is drawn, new applications would wait for a draw that
        # never comes: reopening is offered only before the draw.
        "can_reopen": can_change and not drawn,
        "reopen_days": REOPEN_DAYS,
    }
    return render(request, "enrollment/staff_class.html", context)


@login_required
@require_POST
def class_window(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    """Close applications now, or open them for the next seven days."""
    klass = _class_or_404(request, class_id, Action.CHANGE)
    action = request.POST.get("action")
    now = clock.now()
    if action == "close":
        changes: dict[str, Any] = {"applications_close_at": now}
        if klass.applications_open_at >= now:
            changes["applications_open_at"] = now - dt.timedelta(minutes=1)
    elif action == "reopen":
        changes = {"applications_close_at": now + dt.timedelta(days=REOPEN_DAYS)}
        if klass.applications_open_at > now:
            changes["applications_open_at"] = now
    else:
        messages.error(request, _("Choose whether to close or reopen applications."))
        return redirect(_class_url(klass))
    try:
        klass = catalog.class_update(actor=request.user, public_id=klass.public_id, changes=changes)
    except DomainError as error:
        details = [m for ms in error.fields.values() for m in ms]
        messages.error(request, " ".join([error.message, *details]))
        return redirect(_class_url(klass))
    if action == "close":
        messages.success(request, _("Applications are closed now."))
    else:
        messages.success(
            request,
            _("Applications are open until %(time)s.")
            % {"time": _local(klass.applications_close_at)},
        )
    return redirect(_class_url(klass))


@login_required
@require_POST
def class_sessions(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    klass = _class_or_404(request, class_id, Action.CHANGE)
    try:
        sessions = services.sessions_schedule(actor=request.user, klass=klass)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s session is scheduled, and everyone who accepted a place is "
                "now enrolled.",
                "%(count)s sessions are scheduled, and everyone who accepted a place is "
                "now enrolled.",
                len(sessions),
            )
            % {"count": len(sessions)},
        )
    return redirect(_class_url(klass))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def class_complete(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    """Decide who completed the class. The first press shows what will happen."""
    klass = _class_or_404(request, class_id, Action.CHANGE)
    if confirmed(request):
        try:
            events = services.class_complete(actor=request.user, klass=klass)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            done = sum(1 for e in events if e.completed)
            messages.success(
                request,
                _("The class is complete: %(done)s completed it, %(not_done)s did not.")
                % {"done": done, "not_done": len(events) - done},
            )
        return redirect(_class_url(klass))
    sessions = selectors.class_session_rows(viewer=request.user, klass=klass)
    counts = selectors.class_status_counts(klass=klass)
    context = {
        "klass": klass,
        "enrolled": counts.get(ApplicationStatus.ENROLLED, 0),
        "held": sum(1 for s in sessions if s.marked),
        "sessions": len(sessions),
    }
    return render(request, "enrollment/confirm_complete.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def roll_call(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        session = selectors.access_session(viewer=request.user, session_id=session_id)
    except NotFound:
        raise Http404(_("No such session.")) from None
    call = selectors.roll_call(session=session)
    enrolled = [row.application_id for row in call.rows]
    status = 200
    if request.method == "POST":
        form = RollCallForm(request.POST, enrolled=enrolled)
        if form.is_valid():
            marks = form.marks()
            try:
                services.attendance_record(actor=request.user, session=session, marks=marks)
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                present = sum(marks.values())
                messages.success(
                    request,
                    _("Roll call saved: %(present)s present, %(absent)s absent.")
                    % {"present": present, "absent": len(marks) - present},
                )
                return redirect("enrollment:roll_call", session.pk)
        else:
            status = 400
    else:
        form = RollCallForm(enrolled=enrolled)
    errors = [e for field in form.errors.values() for e in field]
    context = {
        "session": session,
        "klass": session.klass,
        "call": call,
        "errors": list(dict.fromkeys(errors)),
    }
    return render(request, "enrollment/roll_call.html", context, status=status)


def _municipal_or_404(request: HttpRequest) -> None:
    if not actor_scope(request.user, Action.CHANGE).everything:
        raise Http404(_("This page is for the municipal administration."))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_draw(request: HttpRequest, code: str) -> HttpResponse:
    _municipal_or_404(request)
    try:
        term = selectors.access_term(code=code)
    except NotFound:
        raise Http404(_("No such term.")) from None
    if request.method == "POST":
        if confirmed(request):
            try:
                summary = services.lottery_draw(actor=request.user, term=term)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "The draw is published: %(applications)s applications, %(offered)s "
                        "offered a place, %(waitlisted)s on waiting lists."
                    )
                    % {
                        "applications": summary.applications,
                        "offered": summary.offered,
                        "waitlisted": summary.waitlisted,
                    },
                )
            return redirect("enrollment:staff_draw", term.code)
        overview = selectors.term_draw_overview(term=term, now=clock.now())
        return render(request, "enrollment/confirm_draw.html", {"term": term, "o": overview})
    overview = selectors.term_draw_overview(term=term, now=clock.now())
    context = {
        "term": term,
        "o": overview,
        "drawn": overview.draw is not None and overview.draw.status == DrawStatus.DRAWN,
    }
    return render(request, "enrollment/staff_draw.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def course_new(request: HttpRequest) -> HttpResponse:
    _staff_or_404(request, Action.CHANGE)
    providers = selectors.provider_choices(viewer=request.user)
    status = 200
    if request.method == "POST":
        form = CourseForm(request.POST, providers=providers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                course = catalog.course_create(actor=request.user, **data)
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("The course %(title)s is published. Now schedule a class of it.")
                    % {"title": course.title},
                )
                return redirect(f"{reverse('enrollment:staff_class_new')}?course={course.code}")
        else:
            status = 400
    else:
        form = CourseForm(providers=providers)
    context = {"form": form, "error_fields": error_fields(form)}
    return render(request, "enrollment/course_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def class_new(request: HttpRequest) -> HttpResponse:
    _staff_or_404(request, Action.CHANGE)
    courses = selectors.course_choices(viewer=request.user)
    sites = selectors.site_choices(viewer=request.user)
    terms = selectors.open_terms(today=clock.today())
    status = 200
    if request.method == "POST":
        form = ClassForm(request.POST, courses=courses, sites=sites, terms=terms)
        if form.is_valid():
            try:
                klass = catalog.class_create(actor=request.user, **form.cleaned_data)
            except DomainError as error:
                place_errors(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("The class of %(title)s is scheduled.") % {"title": klass.course.title},
                )
                return redirect(_class_url(klass))
        else:
            status = 400
    else:
        first_site = sites.first()
        form = ClassForm(
            initial={
                "course": request.GET.get("course"),
                "site": first_site.public_id if first_site else None,
            },
            courses=courses,
            sites=sites,
            terms=terms,
        )
    context = {"form": form, "error_fields": error_fields(form)}
    return render(request, "enrollment/class_form.html", context, status=status)
