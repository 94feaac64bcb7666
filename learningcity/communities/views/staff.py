"""The desk of community schools, offices and team leaders: the queue of team applications,
the volunteer pool (search and invite), hours taught, learning-organization applications
(apply, score, publish) and nominations (review)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learningcity.communities import selectors, services
from learningcity.communities.choices import (
    MemberRole,
    MembershipStatus,
    NominationStatus,
    RecognitionStatus,
    TeamStatus,
)
from learningcity.communities.forms import (
    HoursForm,
    InviteForm,
    NominationReviewForm,
    RecognitionForm,
    VolunteerSearchForm,
)
from learningcity.communities.models import (
    LearningTeam,
    Nomination,
    RecognitionApplication,
    RecognitionCriterion,
    TeamMembership,
    VolunteerInvitation,
)
from learningcity.communities.services.common import invalid
from learningcity.core import clock
from learningcity.core.errors import DomainError, NotFound
from learningcity.network.choices import Action, OrganizationStatus
from learningcity.network.models import Organization, actor_scope

INVITERS_SHOWN = 50


def _error_fields(form: Any) -> list[Any]:
    return [f for f in form if f.errors and not f.is_hidden]


def _place(form: Any, error: DomainError) -> None:
    placed = False
    for field, problems in error.fields.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
            placed = True
    if not placed:
        form.add_error(None, error.message)


@login_required
@require_safe
def desk(request: HttpRequest) -> HttpResponse:
    context = {
        "pending": selectors.team_list_staff(viewer=request.user, status=TeamStatus.PENDING)[:100],
        "nominations": selectors.nomination_list_staff(
            viewer=request.user, status=NominationStatus.NOMINATED
        )[:50],
        "applications": selectors.recognition_list_staff(
            viewer=request.user, status=RecognitionStatus.SUBMITTED
        )[:50],
        "invitations": selectors.invitation_list_staff(viewer=request.user)[:50],
        "may_see": not actor_scope(request.user, Action.VIEW).nothing,
        "may_search": selectors.may_search_volunteers(request.user),
        "current": "staff",
    }
    return render(request, "communities/staff.html", context)


def _inviters(request: HttpRequest) -> list[tuple[str, str]]:
    """Whom the viewer may invite for: organizations she may change, teams she leads."""
    orgs = (
        Organization.objects.restrict(request.user, Action.CHANGE)
        .filter(status=OrganizationStatus.ACTIVE)
        .order_by("path")[:INVITERS_SHOWN]
    )
    teams = (
        TeamMembership.objects.filter(
            learner__user_id=int(request.user.pk or 0),
            status=MembershipStatus.ACTIVE,
            role__in=[MemberRole.LEADER, MemberRole.DEPUTY],
            team__status=TeamStatus.ACTIVE,
        )
        .select_related("team")
        .order_by("team_id")
    )
    return [(f"org:{o.code}", o.name) for o in orgs] + [
        (f"team:{m.team.public_id}", m.team.name) for m in teams
    ]


@login_required
@require_safe
def volunteers(request: HttpRequest) -> HttpResponse:
    if not selectors.may_search_volunteers(request.user):
        return render(request, "communities/forbidden.html", status=403)
    form = VolunteerSearchForm(request.GET or None)
    found = selectors.volunteer_search(viewer=request.user, **form.filters())[:50]
    context = {
        "form": form,
        "found": found,
        "invite_form": InviteForm(inviters=_inviters(request)),
        "current": "staff",
    }
    return render(request, "communities/volunteers.html", context)


@login_required
@require_POST
def invite(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    if not selectors.may_search_volunteers(request.user):
        return render(request, "communities/forbidden.html", status=403)
    form = InviteForm(request.POST, inviters=_inviters(request))
    if not form.is_valid():
        messages.error(request, _("Choose for whom you invite and what to teach."))
        return redirect("communities:volunteers")
    kind, _sep, ref = form.cleaned_data["inviter"].partition(":")
    organization = Organization.objects.filter(code=ref).first() if kind == "org" else None
    team = LearningTeam.objects.filter(public_id=ref).first() if kind == "team" else None
    try:
        services.volunteer_invite(
            actor=request.user,
            volunteer_id=public_id,
            organization=organization,
            team=team,
            subject=form.cleaned_data["subject"],
            message=form.cleaned_data["message"],
            idempotency_key=request.POST.get("idempotency_key") or None,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("communities:volunteers")
    messages.success(request, _("The invitation is sent. The volunteer will answer."))
    return redirect("communities:staff")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def hours(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    invitation = (
        VolunteerInvitation.objects.select_related("volunteer", "organization", "team")
        .filter(public_id=public_id)
        .first()
    )
    may_record = invitation is not None and services.may_record_hours(request.user, invitation)
    # Those the desk lists the invitation for (the inviter's staff who only read, too) read
    # the hours; only those who may record them see the form and post it.
    may_read = may_record or (
        invitation is not None
        and selectors.invitation_list_staff(viewer=request.user).filter(pk=invitation.pk).exists()
    )
    if invitation is None or not may_read or (request.method == "POST" and not may_record):
        raise Http404(_("No such invitation."))
    form = HoursForm(request.POST or None, initial={"taught_on": clock.today()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.hours_record(
                    actor=request.user,
                    public_id=public_id,
                    idempotency_key=request.POST.get("idempotency_key") or None,
                    **form.cleaned_data,
                )
            except DomainError as error:
                _place(form, error)
                status = error.status
            else:
                messages.success(request, _("The hours are recorded."))
                return redirect("communities:hours", public_id)
        else:
            status = 400
    context = {
        "invitation": invitation,
        "rows": invitation.hours.order_by("-taught_on", "-id"),
        "may_record": may_record,
        "form": form,
        "error_fields": _error_fields(form),
        "idempotency_key": uuid.uuid4().hex,
        "current": "staff",
    }
    return render(request, "communities/hours.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def recognition_apply(request: HttpRequest) -> HttpResponse:
    year = clock.today().year
    form = RecognitionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = services.recognition_apply(
                    actor=request.user,
                    year=year,
                    idempotency_key=request.POST.get("idempotency_key") or None,
                    **form.cleaned_data,
                )
            except DomainError as error:
                _place(form, error)
                status = error.status
            else:
                messages.success(request, _("Your application is sent for review."))
                return redirect("communities:recognition", application.public_id)
        else:
            status = 400
    context = {
        "form": form,
        "year": year,
        "criteria": selectors.criteria(year=year),
        "error_fields": _error_fields(form),
        "idempotency_key": uuid.uuid4().hex,
        "current": "organizations",
    }
    return render(request, "communities/recognition_form.html", context, status=status)


def _may_review(request: HttpRequest, application: RecognitionApplication) -> bool:
    return (
        RecognitionApplication.objects.restrict(request.user, Action.CHANGE)
        .filter(pk=application.pk)
        .exists()
        and application.applicant_id != request.user.pk
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def recognition(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The applicant follows her application; a reviewer in scope scores and publishes."""
    try:
        application = selectors.access_recognition(viewer=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such application.")) from None
    reviewer = _may_review(request, application)
    criteria = list(
        RecognitionCriterion.objects.filter(
            year=application.year, organization_type=application.organization_type
        ).order_by("code")
    )
    mine = {}
    if reviewer:
        mine = {s.criterion_id: s for s in application.scores.filter(reviewer_id=request.user.pk)}
    status = 200
    if request.method == "POST":
        if not reviewer:
            raise Http404(_("No such application."))
        try:
            if "publish" in request.POST:
                services.recognition_publish(actor=request.user, public_id=public_id)
                messages.success(request, _("The result is published."))
            else:
                for criterion in criteria:
                    raw = request.POST.get(f"score-{criterion.code}", "").strip()
                    if not raw:
                        continue
                    if not raw.isdigit():
                        raise invalid("score", _("Enter whole numbers as scores."))
                    services.criterion_score(
                        actor=request.user,
                        public_id=public_id,
                        criterion_code=criterion.code,
                        score=int(raw),
                        comment=request.POST.get(f"comment-{criterion.code}", ""),
                    )
                messages.success(request, _("Your scores are saved."))
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            return redirect("communities:recognition", public_id)
    context = {
        "application": application,
        "rows": [(c, mine.get(c.pk)) for c in criteria],
        "reviewer": reviewer and application.status == RecognitionStatus.SUBMITTED,
        "current": "organizations",
    }
    return render(request, "communities/recognition.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def nomination_review(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    # Staff who only read (the desk lists the nomination for them) read it; those who may
    # change records in the nominee's area decide.
    nomination = (
        Nomination.objects.restrict(request.user, Action.VIEW)
        .select_related("award", "learner__residence_area", "team")
        .filter(public_id=public_id)
        .first()
    )
    may_review = (
        nomination is not None
        and Nomination.objects.restrict(request.user, Action.CHANGE)
        .filter(pk=nomination.pk)
        .exists()
    )
    if nomination is None or (request.method == "POST" and not may_review):
        raise Http404(_("No such nomination."))
    form = NominationReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.nomination_review(
                    actor=request.user,
                    public_id=public_id,
                    award=form.cleaned_data["decision"] == "award",
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                _place(form, error)
                status = error.status
            else:
                messages.success(request, _("Your decision is recorded."))
                return redirect("communities:staff")
        else:
            status = 400
    context = {
        "nomination": nomination,
        "may_review": may_review,
        "form": form,
        "error_fields": _error_fields(form),
        "current": "staff",
    }
    return render(request, "communities/nomination_review.html", context, status=status)
