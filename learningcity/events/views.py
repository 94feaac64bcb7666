"""Events pages: the city calendar and event pages (public), registering and tickets
(residents), and organizers' pages: publish, registrations, participants export and the door
scanner. Every page works without JavaScript except the camera; every change is one service
call, and a service's refusal becomes a message in the reader's language."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learningcity.core import clock
from learningcity.core.errors import DomainError, NotFound
from learningcity.events import selectors, services
from learningcity.events.choices import EventStatus, RegistrationStatus
from learningcity.events.errors import EventsErrorCode
from learningcity.events.forms import CalendarForm, CheckInForm, EventForm, RegisterForm
from learningcity.events.models import Event, Registration
from learningcity.network.choices import Action
from learningcity.network.models import actor_scope

EVENTS_PER_PAGE = 20
REGISTRATIONS_PER_PAGE = 100


def _place_errors(form: forms.Form, error: DomainError) -> None:
    placed = False
    for name, texts in error.fields.items():
        if name in form.fields and not form[name].is_hidden:
            for text in texts:
                form.add_error(name, text)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _error_fields(form: forms.Form) -> list[Any]:
    return [field for field in form if field.errors and not field.is_hidden]


def _staff_or_404(request: HttpRequest, action: str = Action.VIEW) -> None:
    if actor_scope(request.user, action).nothing:
        raise Http404(_("This page is for staff."))


def _event_or_404(request: HttpRequest, event_id: uuid.UUID, action: str = Action.VIEW) -> Event:
    try:
        return selectors.access_event(viewer=request.user, public_id=event_id, action=action)
    except NotFound:
        raise Http404(_("No such event.")) from None


def _ticket_or_404(request: HttpRequest, ticket_id: uuid.UUID) -> Registration:
    try:
        return selectors.access_ticket(viewer=request.user, public_id=ticket_id)
    except NotFound:
        raise Http404(_("No such ticket.")) from None


# Public ---------------------------------------------------------------------------------------


@require_safe
def calendar(request: HttpRequest) -> HttpResponse:
    districts = selectors.districts()
    form = CalendarForm(request.GET or None, districts=districts)
    edition = selectors.current_edition()
    filters = selectors.CalendarFilters(upcoming=True)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.CalendarFilters(
            district=data["district"] or None,
            on=data["on"],
            kind=data["kind"] or None,
            step_free=data["step_free"],
            hearing_loop=data["hearing_loop"],
            q=data["q"],
            upcoming=data["on"] is None,
        )
    page = Paginator(selectors.event_calendar(filters=filters), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/calendar.html",
        {
            "form": form,
            "error_fields": _error_fields(form) if form.is_bound else [],
            "page": page,
            "edition": edition,
            "query": query.urlencode(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _window(event: Event) -> str:
    now = clock.now()
    if event.status != EventStatus.PUBLISHED:
        return "cancelled"
    if now < event.registration_opens_at:
        return "not_yet"
    if now >= event.registration_closes_at:
        return "closed"
    return "open"


@require_safe
def event_detail(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    try:
        event = selectors.event_public(public_id=event_id)
    except NotFound:
        raise Http404(_("No such event.")) from None
    learner = selectors.learner_for_user(user=request.user)
    existing = selectors.live_registration(learner=learner, event=event) if learner else None
    return render(
        request,
        "events/event.html",
        {
            "event": event,
            "learner": learner,
            "existing": existing,
            "window": _window(event),
            "form": RegisterForm(initial={"idempotency_key": uuid.uuid4()}),
        },
    )


# Residents ------------------------------------------------------------------------------------


def _no_learner(request: HttpRequest) -> HttpResponse:
    return render(request, "events/no_learner.html", status=403)


@login_required
@require_POST
def register(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    learner = selectors.learner_for_user(user=request.user)
    if learner is None:
        return _no_learner(request)
    try:
        event = selectors.event_public(public_id=event_id)
    except NotFound:
        raise Http404(_("No such event.")) from None
    form = RegisterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This form was out of date. Please press the button again."))
        return redirect("events:event", event.public_id)
    try:
        registration = services.registration_create(
            actor=request.user,
            learner=learner,
            event=event,
            idempotency_key=str(form.cleaned_data["idempotency_key"]),
        )
    except DomainError as error:
        if error.code == EventsErrorCode.ALREADY_REGISTERED:
            first = selectors.live_registration(learner=learner, event=event)
            if first is not None:
                messages.info(request, error.message)
                return redirect("events:ticket", first.public_id)
        messages.error(request, error.message)
        return redirect("events:event", event.public_id)
    if registration.status == RegistrationStatus.WAITLISTED:
        messages.success(
            request,
            _(
                "The event is full, so you are on its waiting list. If a place comes free, "
                "it is yours and your ticket will show it."
            ),
        )
    else:
        messages.success(request, _("You are registered. Show this ticket at the door."))
    return redirect("events:ticket", registration.public_id)


@login_required
@require_safe
def tickets(request: HttpRequest) -> HttpResponse:
    learner = selectors.learner_for_user(user=request.user)
    if learner is None:
        return _no_learner(request)
    rows = list(selectors.tickets_of(learner=learner))
    now = clock.now()
    return render(
        request,
        "events/tickets.html",
        {
            "upcoming": [r for r in rows if r.event.ends_at >= now],
            "past": [r for r in rows if r.event.ends_at < now],
        },
    )


@login_required
@require_safe
def ticket(request: HttpRequest, ticket_id: uuid.UUID) -> HttpResponse:
    registration = _ticket_or_404(request, ticket_id)
    return render(
        request,
        "events/ticket.html",
        {
            "registration": registration,
            "event": registration.event,
            "waitlist_place": selectors.waitlist_place(registration=registration),
            "reminders": list(selectors.reminders_of(registration=registration)),
            "cancellable": registration.status
            in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
            and registration.event.ends_at > clock.now(),
        },
    )


@login_required
@require_safe
def ticket_qr(request: HttpRequest, ticket_id: uuid.UUID) -> HttpResponse:
    registration = _ticket_or_404(request, ticket_id)
    out = io.BytesIO()
    segno.make(services.ticket_token(registration), error="m").save(
        out, kind="svg", scale=6, border=4, xmldecl=False, svgns=True
    )
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request: HttpRequest, ticket_id: uuid.UUID) -> HttpResponse:
    registration = _ticket_or_404(request, ticket_id)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            services.registration_cancel(actor=request.user, public_id=registration.public_id)
        except NotFound:
            # Staff who may read the ticket but not cancel it (a viewer, an auditor).
            raise Http404(_("No such ticket.")) from None
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your registration is cancelled."))
        return redirect("events:ticket", registration.public_id)
    return render(
        request,
        "events/confirm_cancel.html",
        {"registration": registration, "event": registration.event},
    )


# Organizers -----------------------------------------------------------------------------------


@login_required
@require_safe
def organize(request: HttpRequest) -> HttpResponse:
    _staff_or_404(request)
    page = Paginator(selectors.events_managed(viewer=request.user), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "events/organize.html", {"page": page})


@login_required
@require_safe
def participation(request: HttpRequest) -> HttpResponse:
    """Learning Week participation per district over the viewer's scope (this year's, or the
    year asked for)."""
    _staff_or_404(request)
    edition = selectors.current_edition()
    year = request.GET.get("year", "")
    if year.isdigit():
        try:
            edition = selectors.edition_get(year=int(year))
        except NotFound:
            raise Http404(_("No such Learning Week.")) from None
    counts = selectors.participation(viewer=request.user, year=edition.year) if edition else None
    return render(
        request,
        "events/participation.html",
        {"edition": edition, "counts": counts, "editions": selectors.editions()},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    _staff_or_404(request, Action.CHANGE)
    organizers = selectors.own_organizations(viewer=request.user)
    options: dict[str, Any] = {
        "organizers": organizers,
        "sites": selectors.sites_of(organizations=organizers),
        "editions": selectors.editions(),
    }
    status = 200
    if request.method == "POST":
        form = EventForm(request.POST, **options)
        if form.is_valid():
            data = form.cleaned_data
            try:
                event = services.event_create(
                    actor=request.user,
                    organizer=data["organizer"],
                    kind=data["kind"],
                    title_zh=data["title_zh"],
                    title_en=data["title_en"],
                    description_zh=data["description_zh"],
                    description_en=data["description_en"],
                    site=data["site"],
                    edition=data["edition"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    capacity=data["capacity"],
                    counts_for_credit=data["counts_for_credit"],
                    credit_hours=data["credit_hours"] or Decimal("0"),
                )
            except DomainError as error:
                _place_errors(form, error)
                status = error.status
            else:
                messages.success(request, _("The event is published."))
                return redirect("events:manage", event.public_id)
        else:
            status = 400
    else:
        form = EventForm(**options)
    return render(
        request,
        "events/event_form.html",
        {"form": form, "error_fields": _error_fields(form)},
        status=status,
    )


@login_required
@require_safe
def manage(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    event = _event_or_404(request, event_id)
    page = Paginator(
        selectors.event_registrations(viewer=request.user, event=event), REGISTRATIONS_PER_PAGE
    ).get_page(request.GET.get("page"))
    counts = selectors.registration_counts(event=event)
    return render(
        request,
        "events/manage.html",
        {
            "event": event,
            "page": page,
            "counts": [(s.label, counts[s.value]) for s in RegistrationStatus],
            "may_change": Event.objects.restrict(request.user, Action.CHANGE)
            .filter(pk=event.pk)
            .exists(),
        },
    )


def _registration_of(request: HttpRequest, event: Event, ticket_id: uuid.UUID) -> Registration:
    registration = (
        selectors.event_registrations(viewer=request.user, event=event)
        .filter(public_id=ticket_id)
        .first()
    )
    if registration is None:
        raise Http404(_("No such ticket."))
    return registration


@login_required
@require_POST
def manage_check_in(
    request: HttpRequest, event_id: uuid.UUID, ticket_id: uuid.UUID
) -> HttpResponse:
    """Check someone in from the list (they forgot their ticket; staff found their name)."""
    event = _event_or_404(request, event_id, Action.CHANGE)
    registration = _registration_of(request, event, ticket_id)
    try:
        result = services.checkin_record(
            actor=request.user, code=services.ticket_token(registration), event=event
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Checked in: %(name)s") % {"name": result.learner_name})
    return redirect("events:manage", event.public_id)


@login_required
@require_POST
def manage_cancel(request: HttpRequest, event_id: uuid.UUID, ticket_id: uuid.UUID) -> HttpResponse:
    """Cancel someone's registration for them (they phoned to say they cannot come)."""
    event = _event_or_404(request, event_id, Action.CHANGE)
    registration = _registration_of(request, event, ticket_id)
    try:
        services.registration_cancel(actor=request.user, public_id=registration.public_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Registration cancelled: %(name)s") % {"name": registration.learner.name},
        )
    return redirect("events:manage", event.public_id)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A spreadsheet must not run a name as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def participants_csv(event: Event, registrations: Iterable[Registration]) -> HttpResponse:
    """An event's registrations as CSV (UTF-8 with BOM, so spreadsheets read the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Number"), _("Name"), _("Status"), _("Registered at"), _("Checked in at")])
    for r in registrations:
        check_in = getattr(r, "check_in", None)
        writer.writerow(
            [
                r.position,
                _cell(r.learner.name),
                r.get_status_display(),
                timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(check_in.checked_in_at).strftime("%Y-%m-%d %H:%M")
                if check_in
                else "",
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="participants-{event.public_id}.csv"'
    return response


@login_required
@require_safe
def participants(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    event = _event_or_404(request, event_id)
    return participants_csv(event, selectors.event_registrations(viewer=request.user, event=event))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def scan(request: HttpRequest, event_id: uuid.UUID) -> HttpResponse:
    """The door: the camera (where the phone can read QR codes), or the code typed. Without
    JavaScript the form posts here; with it, scan.js posts to the check-in API and queues
    check-ins on the phone while the network is down."""
    event = _event_or_404(request, event_id, Action.CHANGE)
    status = 200
    result = None
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                result = services.checkin_record(
                    actor=request.user, code=form.cleaned_data["code"], event=event
                )
            except DomainError as error:
                _place_errors(form, error)
                status = error.status
            else:
                form = CheckInForm()
        else:
            status = 400
    else:
        form = CheckInForm()
    return render(
        request,
        "events/scan.html",
        {
            "event": event,
            "form": form,
            "error_fields": _error_fields(form),
            "result": result,
            "checkin_api": reverse("api:check_in"),
        },
        status=status,
    )
