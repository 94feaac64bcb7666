"""Every read of communities: public where the city publishes it, scoped to the viewer
everywhere else."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from learningcity.communities.choices import (
    MemberRole,
    MembershipStatus,
    NominationStatus,
    RecognitionStatus,
    ReviewOutcome,
    TeamStatus,
)
from learningcity.communities.data import DistrictTeams, ShowcaseEntry, TownCount
from learningcity.communities.models import (
    ActivityPhoto,
    Award,
    LearningTeam,
    Nomination,
    RecognitionApplication,
    RecognitionCriterion,
    TeamActivity,
    TeamMembership,
    TeamReview,
    VolunteerInvitation,
    VolunteerProfile,
)
from learningcity.core import clock
from learningcity.core.errors import NotFound, PermissionDenied
from learningcity.learners.models import Learner
from learningcity.network.choices import Action, AreaLevel
from learningcity.network.models import Area, actor_scope

ACTIVE_MEMBERS = Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE))


# The path of an area no team can be in: an unknown district or town code finds nothing.
NO_AREA = "-/"


def _area_path(code: str | None) -> str | None:
    if not code:
        return None
    row = Area.objects.filter(code=code).values_list("path", flat=True).first()
    return row or NO_AREA


def team_list(
    *,
    district_code: str | None = None,
    town_code: str | None = None,
    topic: str | None = None,
    step_free: bool | None = None,
    q: str | None = None,
    hearing_loop: bool | None = None,
    accessible_toilet: bool | None = None,
) -> QuerySet[LearningTeam]:
    """The public list of approved, active teams, with filters; the accessibility filters
    ask for a learning site that has the feature."""
    qs = LearningTeam.objects.filter(status=TeamStatus.ACTIVE)
    for code in (district_code, town_code):
        path = _area_path(code)
        if path is not None:
            qs = qs.filter(area__path__startswith=path)
    if topic:
        qs = qs.filter(topic=topic)
    for feature, wanted in (
        ("step_free", step_free),
        ("hearing_loop", hearing_loop),
        ("accessible_toilet", accessible_toilet),
    ):
        if wanted is not None:
            has = Q(**{f"site__{feature}": True})
            qs = qs.filter(has) if wanted else qs.exclude(has)
    if q:
        qs = qs.filter(
            Q(name_zh__icontains=q)
            | Q(name_en__icontains=q)
            | Q(description__icontains=q)
            | Q(meeting_place__icontains=q)
            | Q(site__name_zh__icontains=q)
        )
    return (
        qs.select_related("area__parent", "site", "school")
        .annotate(members=ACTIVE_MEMBERS, star=star_this_year())
        .order_by("area__path", "id")
    )


def star_this_year() -> Exists:
    """Whether the team is this year's star learning team (one indexed lookup per row)."""
    return Exists(
        TeamReview.objects.filter(
            team=OuterRef("pk"), year=clock.today().year, outcome=ReviewOutcome.STAR
        )
    )


def team_list_staff(*, viewer: Any, status: str | None = None) -> QuerySet[LearningTeam]:
    """Teams the viewer oversees (any status)."""
    qs = LearningTeam.objects.restrict(viewer, Action.VIEW)
    if status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("area__parent", "site", "school", "founder")
        .annotate(members=ACTIVE_MEMBERS)
        .order_by("status", "created_at", "id")
    )


def access_team(*, viewer: Any, public_id: Any) -> LearningTeam:
    """An active team for anyone; a pending, rejected or dissolved one only for its members
    and the staff over it. 404 otherwise."""
    team = (
        LearningTeam.objects.select_related("area__parent", "site", "school")
        .annotate(members=ACTIVE_MEMBERS, star=star_this_year())
        .filter(public_id=public_id)
        .first()
    )
    if team is None:
        raise NotFound(_("No such learning team."))
    if team.status == TeamStatus.ACTIVE:
        return team
    user_id = getattr(viewer, "pk", None)
    # A member now: not one who was refused, left, or has only asked to join.
    if user_id is not None and (
        TeamMembership.objects.filter(
            team=team, learner__user_id=user_id, status=MembershipStatus.ACTIVE
        ).exists()
        or LearningTeam.objects.restrict(viewer, Action.VIEW).filter(pk=team.pk).exists()
    ):
        return team
    raise NotFound(_("No such learning team."))


def membership_of(*, viewer: Any, team: LearningTeam) -> TeamMembership | None:
    """The viewer's live membership of the team, if any."""
    if getattr(viewer, "pk", None) is None:
        return None
    return (
        TeamMembership.objects.filter(
            team=team,
            learner__user_id=viewer.pk,
            status__in=[MembershipStatus.REQUESTED, MembershipStatus.ACTIVE],
        )
        .order_by("-id")
        .first()
    )


def team_members(*, team: LearningTeam) -> QuerySet[TeamMembership]:
    """Active members, leader first. Shown to members and staff only."""
    return (
        TeamMembership.objects.filter(team=team, status=MembershipStatus.ACTIVE)
        .select_related("learner")
        .order_by("role", "joined_at", "id")
    )


def join_requests(*, team: LearningTeam) -> QuerySet[TeamMembership]:
    return (
        TeamMembership.objects.filter(team=team, status=MembershipStatus.REQUESTED)
        .select_related("learner")
        .order_by("created_at", "id")
    )


def teams_of(*, learner: Learner) -> QuerySet[TeamMembership]:
    """A resident's teams (and open requests)."""
    return (
        TeamMembership.objects.filter(
            learner=learner, status__in=[MembershipStatus.REQUESTED, MembershipStatus.ACTIVE]
        )
        .select_related("team__area")
        .order_by("-id")
    )


def activity_list(*, team: LearningTeam) -> QuerySet[TeamActivity]:
    return TeamActivity.objects.filter(team=team).prefetch_related(
        Prefetch("photos", queryset=ActivityPhoto.objects.order_by("id"))
    )


def access_photo(*, viewer: Any, public_id: Any) -> ActivityPhoto:
    """A photo of an active team's log, or of any team the viewer belongs to or oversees."""
    photo = (
        ActivityPhoto.objects.select_related("activity__team").filter(public_id=public_id).first()
    )
    if photo is None:
        raise NotFound(_("No such photo."))
    access_team(viewer=viewer, public_id=photo.activity.team.public_id)
    return photo


def team_reviews(*, team: LearningTeam) -> QuerySet[TeamReview]:
    return TeamReview.objects.filter(team=team).order_by("-year")


def star_teams(*, year: int) -> QuerySet[LearningTeam]:
    """The year's star learning teams (a reviewed designation)."""
    return (
        LearningTeam.objects.filter(
            reviews__year=year, reviews__outcome=ReviewOutcome.STAR, status=TeamStatus.ACTIVE
        )
        .select_related("area__parent")
        .order_by("area__path", "id")
    )


def team_map() -> list[DistrictTeams]:
    """Active teams per district and town, for the discovery map (two queries)."""
    counts: dict[int, int] = dict(
        LearningTeam.objects.filter(status=TeamStatus.ACTIVE)
        .order_by()
        .values_list("area_id")
        .annotate(n=Count("id"))
        .values_list("area_id", "n")
    )
    towns = Area.objects.filter(level=AreaLevel.TOWN).select_related("parent").order_by("path")
    by_district: dict[int, list[TownCount]] = {}
    districts: dict[int, Area] = {}
    for town in towns:
        if town.parent is None:  # pragma: no cover - a town always has a district
            continue
        districts[town.parent_id] = town.parent  # type: ignore[index]
        by_district.setdefault(town.parent_id, []).append(  # type: ignore[arg-type]
            TownCount(code=town.code, name=town.name, teams=counts.get(town.pk, 0))
        )
    return [
        DistrictTeams(
            code=district.code,
            name=district.name,
            teams=sum(t.teams for t in by_district[pk]),
            towns=tuple(by_district[pk]),
        )
        for pk, district in sorted(districts.items(), key=lambda item: item[1].code)
    ]


# Learning organizations ---------------------------------------------------------------------


def criteria(*, year: int, organization_type: str | None = None) -> QuerySet[RecognitionCriterion]:
    """The published criteria: public."""
    qs = RecognitionCriterion.objects.filter(year=year)
    if organization_type:
        qs = qs.filter(organization_type=organization_type)
    return qs.order_by("organization_type", "code")


def recognised_organizations(
    *, year: int, organization_type: str | None = None
) -> QuerySet[RecognitionApplication]:
    """The public result: organizations recognised in a year."""
    qs = RecognitionApplication.objects.filter(year=year, status=RecognitionStatus.RECOGNISED)
    if organization_type:
        qs = qs.filter(organization_type=organization_type)
    return qs.select_related("area__parent").order_by("organization_type", "area__path", "id")


def recognition_list_staff(
    *, viewer: Any, status: str | None = None, year: int | None = None
) -> QuerySet[RecognitionApplication]:
    qs = RecognitionApplication.objects.restrict(viewer, Action.VIEW)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(year=year)
    return qs.select_related("area").order_by("-year", "id")


def access_recognition(*, viewer: Any, public_id: Any) -> RecognitionApplication:
    """The applicant's own application, or one in the reviewer's scope."""
    qs = RecognitionApplication.objects.select_related("area").filter(public_id=public_id)
    application = qs.first()
    if application is not None and application.applicant_id == getattr(viewer, "pk", -1):
        return application
    application = qs.filter(
        pk__in=RecognitionApplication.objects.restrict(viewer, Action.VIEW).values("pk")
    ).first()
    if application is None:
        raise NotFound(_("No such application."))
    return application


# Awards ---------------------------------------------------------------------------------------


def showcase(*, year: int | None = None) -> list[ShowcaseEntry]:
    """Awarded residents as the public sees them: the name and the story only where the
    awardee consented; never anything else about her."""
    qs = Nomination.objects.filter(status=NominationStatus.AWARDED).select_related(
        "award", "learner__residence_area__parent__parent"
    )
    if year:
        qs = qs.filter(award__year=year)
    entries = []
    for nomination in qs.order_by("-award__year", "award__code", "id"):
        area = nomination.learner.residence_area
        district = area
        while district.level not in (AreaLevel.DISTRICT, AreaLevel.CITY) and district.parent:
            district = district.parent
        entries.append(
            ShowcaseEntry(
                award=nomination.award.name,
                year=nomination.award.year,
                district=district.name,
                name=nomination.learner.name if nomination.show_name else None,
                story=nomination.story if nomination.show_story else None,
            )
        )
    return entries


def award_list() -> QuerySet[Award]:
    return Award.objects.select_related("owner").order_by("-year", "code")


def nomination_list_staff(*, viewer: Any, status: str | None = None) -> QuerySet[Nomination]:
    qs = Nomination.objects.restrict(viewer, Action.VIEW)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("award", "learner__residence_area", "team").order_by("-id")


def nominations_of(*, learner: Learner) -> QuerySet[Nomination]:
    return Nomination.objects.filter(learner=learner).select_related("award").order_by("-id")


# Volunteers -----------------------------------------------------------------------------------


def may_search_volunteers(viewer: Any) -> bool:
    """Staff who may change something in their scope, and leaders of active teams."""
    if not actor_scope(viewer, Action.CHANGE).nothing:
        return True
    return TeamMembership.objects.filter(
        learner__user_id=int(getattr(viewer, "pk", None) or 0),
        status=MembershipStatus.ACTIVE,
        role__in=[MemberRole.LEADER, MemberRole.DEPUTY],
        team__status=TeamStatus.ACTIVE,
    ).exists()


def volunteer_search(
    *,
    viewer: Any,
    q: str | None = None,
    language: str | None = None,
    availability: str | None = None,
    district_code: str | None = None,
) -> QuerySet[VolunteerProfile]:
    """The pool of volunteers open to invitations, for those who may invite."""
    if getattr(viewer, "pk", None) is None or not may_search_volunteers(viewer):
        raise PermissionDenied(_("Only schools and team leaders search the volunteer pool."))
    qs = VolunteerProfile.objects.filter(is_active=True)
    if q:
        qs = qs.filter(Q(skills__icontains=q) | Q(bio__icontains=q))
    if language:
        qs = qs.filter(languages__contains=f",{language},")
    if availability:
        qs = qs.filter(availability__contains=f",{availability},")
    if district_code:
        qs = qs.filter(districts__code=district_code)
    return qs.prefetch_related("districts").order_by("id")


def volunteer_of(*, learner: Learner) -> VolunteerProfile | None:
    return VolunteerProfile.objects.filter(learner=learner).prefetch_related("districts").first()


def invitations_of(*, learner: Learner) -> QuerySet[VolunteerInvitation]:
    return (
        VolunteerInvitation.objects.filter(volunteer__learner=learner)
        .select_related("organization", "team")
        .annotate(hours_taught=_hours_sum())
        .order_by("-id")
    )


def invitation_list_staff(
    *, viewer: Any, status: str | None = None
) -> QuerySet[VolunteerInvitation]:
    """Invitations sent by the viewer's organizations, by teams she leads, or by teams her
    organization oversees."""
    led = TeamMembership.objects.filter(
        learner__user_id=int(getattr(viewer, "pk", None) or 0),
        status=MembershipStatus.ACTIVE,
        role__in=[MemberRole.LEADER, MemberRole.DEPUTY],
    ).values("team_id")
    qs = VolunteerInvitation.objects.filter(
        Q(pk__in=VolunteerInvitation.objects.restrict(viewer, Action.VIEW).values("pk"))
        | Q(team_id__in=led)
    )
    if status:
        qs = qs.filter(status=status)
    return (
        qs.select_related("volunteer", "organization", "team")
        .annotate(hours_taught=_hours_sum())
        .order_by("-id")
    )


def _hours_sum() -> Any:
    return Sum("hours__hours")
