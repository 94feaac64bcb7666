"""Pages for everyone and for residents: finding a learning team (list and map), a team's
page with its log, founding a team, joining, logging an activity; a resident's teams,
invitations and nominations; recognised learning organizations and the awards showcase."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learningcity.communities import selectors, services
from learningcity.communities.choices import MembershipStatus, TeamStatus
from learningcity.communities.forms import (
    ActivityForm,
    DecisionForm,
    NominationForm,
    ReviewForm,
    TeamFilterForm,
    TeamForm,
    VolunteerForm,
    YearForm,
)
from learningcity.communities.models import LearningTeam, TeamMembership
from learningcity.communities.services.common import leads, oversees
from learningcity.core import clock
from learningcity.core.errors import DomainError, NotFound
from learningcity.learners.models import Learner
from learningcity.network.choices import Action, AreaLevel
from learningcity.network.models import Area

PAGE_SIZE = 20


def _learner(request: HttpRequest) -> Learner | None:
    return Learner.objects.filter(user_id=int(request.user.pk or 0)).first()


def _team_or_404(request: HttpRequest, public_id: uuid.UUID) -> LearningTeam:
    try:
        return selectors.access_team(viewer=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such learning team.")) from None


def _error_fields(form: Any) -> list[Any]:
    return [f for f in form if f.errors and not f.is_hidden]


def _apply_error(form: Any, error: DomainError) -> None:
    placed = False
    for field, problems in error.fields.items():
        target = field if field in form.fields else None
        if field == "photos":
            target = "photo"
        elif field == "photo_descriptions":
            target = "photo_description"
        for problem in problems:
            form.add_error(target, problem)
            placed = True
    if not placed:
        form.add_error(None, error.message)


@require_safe
def team_list(request: HttpRequest) -> HttpResponse:
    form = TeamFilterForm(request.GET or None)
    teams = selectors.team_list(**form.filters())
    page = Paginator(teams, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "current": "list"}
    return render(request, "communities/team_list.html", context)


# The tile map: districts as squares in rows, darker with more teams. Geometry in SVG units.
TILE, GAP, COLUMNS = 150, 10, 4


@require_safe
def team_map(request: HttpRequest) -> HttpResponse:
    districts = selectors.team_map()
    most = max((d.teams for d in districts), default=0) or 1
    tiles = []
    for index, district in enumerate(districts):
        row, column = divmod(index, COLUMNS)
        tiles.append(
            {
                "district": district,
                "x": column * (TILE + GAP),
                "y": row * (TILE + GAP),
                "level": 0 if district.teams == 0 else 1 + (3 * district.teams) // (most + 1),
            }
        )
    rows = (len(districts) + COLUMNS - 1) // COLUMNS
    context = {
        "districts": districts,
        "tiles": tiles,
        "tile": TILE,
        "width": COLUMNS * (TILE + GAP) - GAP,
        "height": max(rows * (TILE + GAP) - GAP, TILE),
        "total": sum(d.teams for d in districts),
        "current": "map",
    }
    return render(request, "communities/team_map.html", context)


@require_safe
def team_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    team = _team_or_404(request, public_id)
    membership = selectors.membership_of(viewer=request.user, team=team)
    is_member = membership is not None and membership.status == MembershipStatus.ACTIVE
    is_lead = leads(request.user, team)
    is_staff = oversees(request.user, team)
    # Staff who only read (auditors, viewers) see the members and requests too, as the API
    # shows them; only those who may change the team answer the requests.
    reads = is_staff or oversees(request.user, team, Action.VIEW)
    context = {
        "team": team,
        "membership": membership,
        "is_member": is_member,
        "is_lead": is_lead,
        "is_staff": is_staff,
        "members": selectors.team_members(team=team) if (is_member or reads) else None,
        "requests": selectors.join_requests(team=team) if (is_lead or reads) else None,
        "may_decide": is_lead or is_staff,
        "activities": selectors.activity_list(team=team)[:30],
        "reviews": selectors.team_reviews(team=team),
        "decision_form": DecisionForm() if is_staff and team.status == TeamStatus.PENDING else None,
        "review_form": ReviewForm(initial={"year": clock.today().year})
        if is_staff and team.status == TeamStatus.ACTIVE
        else None,
        "can_join": request.user.is_authenticated
        and membership is None
        and team.status == TeamStatus.ACTIVE
        and _learner(request) is not None,
        "may_manage": (is_staff or (membership is not None and membership.role == "leader"))
        and team.status == TeamStatus.ACTIVE,
        "may_nominate": is_lead and selectors.award_list().filter(year=clock.today().year).exists(),
    }
    return render(request, "communities/team_detail.html", context)


@login_required
@require_POST
def member_role(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        membership = services.member_role_set(
            actor=request.user, public_id=public_id, role=request.POST.get("role", "")
        )
    except NotFound:
        raise Http404(_("No such membership.")) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("communities:mine")
    messages.success(request, _("The role is changed."))
    return redirect("communities:team", membership.team.public_id)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def nominate(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The team's leader or deputy nominates a member for this year's award."""
    membership = (
        TeamMembership.objects.select_related("team", "learner")
        .filter(public_id=public_id, status=MembershipStatus.ACTIVE)
        .first()
    )
    if membership is None or not leads(request.user, membership.team):
        raise Http404(_("No such membership."))
    awards = selectors.award_list().filter(year=clock.today().year)
    form = NominationForm(request.POST or None, awards=awards)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.nomination_create(
                    actor=request.user,
                    award=form.cleaned_data["award"],
                    learner=membership.learner,
                    story=form.cleaned_data["story"],
                    team=membership.team,
                )
            except DomainError as error:
                _apply_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The nomination is sent for review."))
                return redirect("communities:team", membership.team.public_id)
        else:
            status = 400
    context = {"membership": membership, "form": form, "error_fields": _error_fields(form)}
    return render(request, "communities/nominate.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def team_new(request: HttpRequest) -> HttpResponse:
    if _learner(request) is None:
        return render(request, "communities/no_learner.html", status=403)
    code = request.POST.get("town") if request.method == "POST" else request.GET.get("town")
    town = None
    if code:
        town = Area.objects.filter(pk=code if code.isdigit() else 0, level=AreaLevel.TOWN).first()
    form = TeamForm(request.POST or None, town=town)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                team = services.team_apply(
                    actor=request.user,
                    name_zh=data["name_zh"],
                    name_en=data["name_en"],
                    topic=data["topic"],
                    town=data["town"],
                    site=data["site"],
                    meeting_place=data["meeting_place"],
                    schedule=data["schedule"],
                    description=data["description"],
                    idempotency_key=request.POST.get("idempotency_key") or None,
                )
            except DomainError as error:
                _apply_error(form, error)
                status = error.status
            else:
                messages.success(
                    request, _("Your application is sent. The community school will decide.")
                )
                return redirect("communities:team", team.public_id)
        else:
            status = 400
    context = {
        "form": form,
        "town": town,
        "error_fields": _error_fields(form),
        "idempotency_key": uuid.uuid4().hex,
    }
    return render(request, "communities/team_form.html", context, status=status)


@login_required
@require_POST
def team_join(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    if _learner(request) is None:
        return render(request, "communities/no_learner.html", status=403)
    try:
        services.team_join(actor=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such learning team.")) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request is sent to the team's leader."))
    return redirect("communities:team", public_id)


@login_required
@require_POST
def team_leave(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    if _learner(request) is None:
        return render(request, "communities/no_learner.html", status=403)
    try:
        services.team_leave(actor=request.user, public_id=public_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You have left the team."))
    return redirect("communities:team", public_id)


@login_required
@require_POST
def membership_decide(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    accept = request.POST.get("accept") == "yes"
    try:
        membership = services.membership_decide(
            actor=request.user, public_id=public_id, accept=accept
        )
    except NotFound:
        raise Http404(_("No such membership.")) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("communities:mine")
    messages.success(request, _("Your answer is recorded."))
    return redirect("communities:team", membership.team.public_id)


@login_required
@require_POST
def team_decide(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    team = _team_or_404(request, public_id)
    if not oversees(request.user, team):
        raise Http404(_("No such learning team."))
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.team_decide(
                actor=request.user,
                public_id=public_id,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your decision is recorded."))
    else:
        messages.error(request, _("Choose whether to approve the team."))
    return redirect("communities:team", public_id)


@login_required
@require_POST
def team_review(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    team = _team_or_404(request, public_id)
    if not oversees(request.user, team):
        raise Http404(_("No such learning team."))
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.team_review(actor=request.user, public_id=public_id, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The review is recorded."))
    else:
        messages.error(request, _("Fill in the year, the outcome and a comment."))
    return redirect("communities:team", public_id)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def activity_new(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    team = _team_or_404(request, public_id)
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        initial={"held_on": clock.today(), "attendees": 0},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            photos = [(data["photo"], data["photo_description"])] if data["photo"] else []
            try:
                services.activity_log(
                    actor=request.user,
                    public_id=team.public_id,
                    held_on=data["held_on"],
                    title=data["title"],
                    description=data["description"],
                    attendees=data["attendees"],
                    photos=photos,
                    idempotency_key=request.POST.get("idempotency_key") or None,
                )
            except NotFound:
                raise Http404(_("No such learning team.")) from None
            except DomainError as error:
                _apply_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The activity is in the team's log."))
                return redirect("communities:team", team.public_id)
        else:
            status = 400
    elif not (_is_active_member(request, team) or oversees(request.user, team)):
        raise Http404(_("No such learning team."))
    context = {
        "team": team,
        "form": form,
        "error_fields": _error_fields(form),
        "idempotency_key": uuid.uuid4().hex,
    }
    return render(request, "communities/activity_form.html", context, status=status)


def _is_active_member(request: HttpRequest, team: LearningTeam) -> bool:
    """A member who may log activities: not one who has only asked to join."""
    membership = selectors.membership_of(viewer=request.user, team=team)
    return membership is not None and membership.status == MembershipStatus.ACTIVE


@require_safe
def photo(request: HttpRequest, public_id: uuid.UUID) -> FileResponse:
    """A photo of a team's log: public for an active team; otherwise its members and staff."""
    try:
        found = selectors.access_photo(viewer=request.user, public_id=public_id)
    except NotFound:
        raise Http404(_("No such photo.")) from None
    response = FileResponse(found.image.open("rb"), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    learner = _learner(request)
    if learner is None:
        return render(request, "communities/no_learner.html", status=403)
    context = {
        "memberships": selectors.teams_of(learner=learner),
        "invitations": selectors.invitations_of(learner=learner),
        "nominations": selectors.nominations_of(learner=learner),
        "volunteer": selectors.volunteer_of(learner=learner),
    }
    return render(request, "communities/mine.html", context)


@login_required
@require_POST
def invitation_answer(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        services.invitation_respond(
            actor=request.user, public_id=public_id, accept=request.POST.get("accept") == "yes"
        )
    except NotFound:
        raise Http404(_("No such invitation.")) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your answer is recorded."))
    return redirect("communities:mine")


@login_required
@require_POST
def nomination_consent(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    try:
        services.nomination_consent(
            actor=request.user,
            public_id=public_id,
            show_name=request.POST.get("show_name") == "on",
            show_story=request.POST.get("show_story") == "on",
        )
    except NotFound:
        raise Http404(_("No such nomination.")) from None
    messages.success(request, _("Your choice is saved."))
    return redirect("communities:mine")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def volunteer(request: HttpRequest) -> HttpResponse:
    learner = _learner(request)
    if learner is None:
        return render(request, "communities/no_learner.html", status=403)
    profile = selectors.volunteer_of(learner=learner)
    initial: dict[str, Any] = {"display_name": learner.name, "is_active": True}
    if profile is not None:
        initial = {
            "display_name": profile.display_name,
            "skills": profile.skills,
            "bio": profile.bio,
            "languages": profile.language_list,
            "availability": profile.availability_list,
            "districts": [a.code for a in profile.districts.all()],
            "is_active": profile.is_active,
        }
    form = VolunteerForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.volunteer_offer(
                    actor=request.user,
                    display_name=data["display_name"],
                    skills=data["skills"],
                    bio=data["bio"],
                    languages=data["languages"],
                    availability=data["availability"],
                    district_codes=data["districts"],
                    is_active=data["is_active"],
                )
            except DomainError as error:
                _apply_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Thank you. Schools and teams can now find you."))
                return redirect("communities:mine")
        else:
            status = 400
    context = {"form": form, "error_fields": _error_fields(form)}
    return render(request, "communities/volunteer_form.html", context, status=status)


@require_safe
def organizations(request: HttpRequest) -> HttpResponse:
    form = YearForm(request.GET or None, initial={"year": clock.today().year})
    year = clock.today().year
    kind = None
    if form.is_valid():
        year = form.cleaned_data["year"]
        kind = form.cleaned_data["type"] or None
    context = {
        "form": form,
        "year": year,
        "recognised": selectors.recognised_organizations(year=year, organization_type=kind),
        "criteria": selectors.criteria(year=year, organization_type=kind),
        "stars": selectors.star_teams(year=year),
        "current": "organizations",
    }
    return render(request, "communities/organizations.html", context)


@require_safe
def showcase(request: HttpRequest) -> HttpResponse:
    context = {"entries": selectors.showcase(), "current": "showcase"}
    return render(request, "communities/showcase.html", context)
