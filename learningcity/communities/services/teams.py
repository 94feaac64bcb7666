"""Learning teams: founding, approval, members, the activity log, the yearly review."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from learningcity.communities.choices import (
    LIVE_MEMBERSHIP,
    MemberRole,
    MembershipStatus,
    ReviewOutcome,
    TeamStatus,
    TeamTopic,
)
from learningcity.communities.errors import CommunitiesErrorCode as Code
from learningcity.communities.models import (
    ActivityPhoto,
    LearningTeam,
    TeamActivity,
    TeamMembership,
    TeamReview,
)
from learningcity.communities.services.common import (
    invalid,
    leads,
    learner_of,
    once,
    oversees,
    raise_if,
)
from learningcity.core import clock
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.network.choices import Action, AreaLevel, OrganizationKind, OrganizationStatus
from learningcity.network.models import Area, LearningSite, Organization

PHOTO_MAX_BYTES_DEFAULT = 3 * 1024 * 1024
PHOTOS_PER_ACTIVITY = 6
# A photo's type is read from its first bytes, never trusted from its name or the browser.
PHOTO_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
}


def team_subject(team: LearningTeam) -> str:
    return f"communities.team:{team.public_id}"


def _team_for_update(public_id: Any) -> LearningTeam:
    team = LearningTeam.objects.select_for_update().filter(public_id=public_id).first()
    if team is None:
        raise NotFound(_("No such learning team."))
    return team


def school_of_town(town: Area) -> Organization | None:
    """The town's community school, which approves its teams."""
    return (
        Organization.objects.filter(
            area=town, kind=OrganizationKind.COMMUNITY_SCHOOL, status=OrganizationStatus.ACTIVE
        )
        .order_by("code")
        .first()
    )


def team_apply(
    *,
    actor: Any,
    name_zh: str,
    topic: str,
    town: Area | None,
    schedule: str,
    name_en: str = "",
    description: str = "",
    site: LearningSite | None = None,
    meeting_place: str = "",
    idempotency_key: str | None = None,
) -> LearningTeam:
    """A resident applies to found a team; she becomes its leader. The town's community
    school then approves or rejects it. A retry with the same key returns the first team."""
    founder = learner_of(actor)
    errors: dict[str, list[str]] = {}
    if not name_zh.strip():
        errors["name_zh"] = [_("Give the team a name.")]
    elif len(name_zh.strip()) > 100:
        errors["name_zh"] = [_("Use at most 100 characters.")]
    if len(name_en.strip()) > 150:
        errors["name_en"] = [_("Use at most 150 characters.")]
    if topic not in TeamTopic.values:
        errors["topic"] = [_("Select a valid choice.")]
    if town is None or town.level != AreaLevel.TOWN:
        errors["town"] = [_("Choose the town or subdistrict where the team meets.")]
    if site is not None and town is not None and not site.area.path.startswith(town.path):
        errors["site"] = [_("Choose a learning site in the team's town.")]
    if site is not None and not site.is_active:
        errors["site"] = [_("This learning site is closed.")]
    if site is None and not meeting_place.strip():
        errors["meeting_place"] = [_("Say where the team meets, or choose a learning site.")]
    if not schedule.strip():
        errors["schedule"] = [_("Say when the team meets, for example every Wednesday 9:00.")]
    if len(description) > 2000:
        errors["description"] = [_("Use at most 2000 characters.")]
    raise_if(errors)
    assert town is not None

    def write() -> LearningTeam:
        team = LearningTeam.objects.create(
            name_zh=name_zh.strip(),
            name_en=name_en.strip(),
            topic=topic,
            description=description.strip(),
            area=town,
            school=school_of_town(town),
            site=site,
            meeting_place=meeting_place.strip()[:200],
            schedule=schedule.strip()[:200],
            founder=founder,
            idempotency_key=idempotency_key,
        )
        TeamMembership.objects.create(
            team=team,
            learner=founder,
            role=MemberRole.LEADER,
            status=MembershipStatus.ACTIVE,
            joined_at=clock.now(),
        )
        audit_record(actor=actor, action="communities.team_apply", subject=team_subject(team))
        return team

    return once(
        actor=actor,
        action="communities.team_apply",
        key=idempotency_key,
        payload={
            "name_zh": name_zh,
            "name_en": name_en,
            "topic": topic,
            "town": town.pk,
            "site": getattr(site, "pk", None),
            "place": meeting_place,
            "schedule": schedule,
        },
        write=write,
        result_of=lambda team: str(team.public_id),
        replay=lambda public_id: LearningTeam.objects.get(public_id=public_id),
    )


@transaction.atomic
def team_decide(*, actor: Any, public_id: Any, approve: bool, reason: str = "") -> LearningTeam:
    """The town's community school (or office) approves a team, or rejects it with a reason.
    Deciding again the same way is answered with the team as it is."""
    team = LearningTeam.objects.restrict(actor, Action.CHANGE).filter(public_id=public_id).first()
    if team is None:
        raise NotFound(_("No such learning team."))
    if not approve and not reason.strip():
        raise invalid("reason", _("Give the reason, so the founder knows what to change."))
    wanted = TeamStatus.ACTIVE if approve else TeamStatus.REJECTED
    changed = LearningTeam.objects.filter(pk=team.pk, status=TeamStatus.PENDING).update(
        status=wanted,
        decided_by=actor,
        decided_at=clock.now(),
        decision_reason=reason.strip()[:500],
        updated_at=clock.now(),
    )
    team.refresh_from_db()
    if not changed:
        if team.status == wanted:
            return team
        raise Conflict(_("This team has already been decided."), code=Code.WRONG_STATUS)
    audit_record(
        actor=actor,
        action="communities.team_approve" if approve else "communities.team_reject",
        subject=team_subject(team),
        reason=reason.strip()[:500],
    )
    return team


def team_join(*, actor: Any, public_id: Any) -> TeamMembership:
    """A resident asks to join an active team; the leader or deputy decides. Asking again
    returns the request already made."""
    learner = learner_of(actor)
    team = LearningTeam.objects.filter(public_id=public_id, status=TeamStatus.ACTIVE).first()
    if team is None:
        raise NotFound(_("No such learning team."))
    try:
        with transaction.atomic():
            membership = TeamMembership.objects.create(team=team, learner=learner)
            audit_record(
                actor=actor,
                action="communities.team_join",
                subject=team_subject(team),
                data={"membership": str(membership.public_id)},
            )
            return membership
    except IntegrityError:
        existing = TeamMembership.objects.filter(
            team=team, learner=learner, status__in=LIVE_MEMBERSHIP
        ).first()
        if existing is None:  # pragma: no cover - the live row was removed in between
            raise
        return existing


def _membership_for_decision(actor: Any, public_id: Any) -> TeamMembership:
    membership = (
        TeamMembership.objects.select_for_update()
        .select_related("team")
        .filter(public_id=public_id)
        .first()
    )
    if membership is None or not (
        leads(actor, membership.team) or oversees(actor, membership.team)
    ):
        raise NotFound(_("No such membership."))
    return membership


@transaction.atomic
def membership_decide(*, actor: Any, public_id: Any, accept: bool) -> TeamMembership:
    """The leader, a deputy or the school lets a resident in, or not."""
    membership = _membership_for_decision(actor, public_id)
    wanted = MembershipStatus.ACTIVE if accept else MembershipStatus.REFUSED
    if membership.status == wanted:
        return membership
    if membership.status != MembershipStatus.REQUESTED:
        raise Conflict(_("This request has already been answered."), code=Code.WRONG_STATUS)
    membership.status = wanted
    membership.joined_at = clock.now() if accept else None
    membership.save(update_fields=["status", "joined_at", "updated_at"])
    audit_record(
        actor=actor,
        action="communities.member_accept" if accept else "communities.member_refuse",
        subject=team_subject(membership.team),
        data={"membership": str(membership.public_id)},
    )
    return membership


@transaction.atomic
def member_role_set(*, actor: Any, public_id: Any, role: str) -> TeamMembership:
    """The leader (or the school) makes a member deputy, member again, or the new leader;
    handing over the lead makes the old leader a deputy."""
    if role not in MemberRole.values:
        raise invalid("role", _("Select a valid choice."))
    membership = _membership_for_decision(actor, public_id)
    team = membership.team
    is_leader = TeamMembership.objects.filter(
        team=team,
        learner__user_id=actor.pk,
        role=MemberRole.LEADER,
        status=MembershipStatus.ACTIVE,
    ).exists()
    if not (is_leader or oversees(actor, team)):
        raise PermissionDenied(_("Only the team's leader or its school can change roles."))
    if membership.status != MembershipStatus.ACTIVE:
        raise Conflict(_("Only a member of the team can have a role."), code=Code.NOT_A_MEMBER)
    if membership.role == role:
        return membership
    if membership.role == MemberRole.LEADER:
        raise Conflict(
            _("To change the leader, make another member the leader."),
            code=Code.LEADER_CANNOT_LEAVE,
        )
    if role == MemberRole.LEADER:
        TeamMembership.objects.filter(
            team=team, role=MemberRole.LEADER, status=MembershipStatus.ACTIVE
        ).update(role=MemberRole.DEPUTY, updated_at=clock.now())
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        actor=actor,
        action="communities.member_role",
        subject=team_subject(team),
        data={"membership": str(membership.public_id), "role": role},
    )
    return membership


@transaction.atomic
def team_leave(*, actor: Any, public_id: Any) -> TeamMembership:
    """A member leaves (or withdraws a request). The leader hands over the lead first."""
    learner = learner_of(actor)
    membership = (
        TeamMembership.objects.select_for_update()
        .select_related("team")
        .filter(team__public_id=public_id, learner=learner, status__in=LIVE_MEMBERSHIP)
        .first()
    )
    if membership is None:
        # Leaving twice (a retried tap) answers with the membership already left.
        left = (
            TeamMembership.objects.filter(
                team__public_id=public_id, learner=learner, status=MembershipStatus.LEFT
            )
            .order_by("-id")
            .first()
        )
        if left is not None:
            return left
        raise NotFound(_("You are not a member of this team."), code=Code.NOT_A_MEMBER)
    if membership.role == MemberRole.LEADER and membership.status == MembershipStatus.ACTIVE:
        raise Conflict(
            _("Hand the lead to another member before you leave."),
            code=Code.LEADER_CANNOT_LEAVE,
        )
    membership.status = MembershipStatus.LEFT
    membership.left_at = clock.now()
    membership.save(update_fields=["status", "left_at", "updated_at"])
    audit_record(
        actor=actor, action="communities.team_leave", subject=team_subject(membership.team)
    )
    return membership


def photo_check(upload: UploadedFile, field: str = "photos") -> tuple[str, str]:
    """The photo's real type and extension, or a field error saying what is accepted."""
    limit = int(getattr(settings, "COMMUNITIES_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES_DEFAULT))
    if upload.size is None or upload.size > limit:
        message = _("A photo may be at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
        raise invalid(field, message, Code.FILE_REJECTED)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in PHOTO_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    raise invalid(field, _("Upload a photo as a JPEG or PNG file."), Code.FILE_REJECTED)


def activity_log(
    *,
    actor: Any,
    public_id: Any,
    held_on: dt.date,
    title: str,
    description: str = "",
    attendees: int = 0,
    photos: Sequence[tuple[UploadedFile, str]] = (),
    idempotency_key: str | None = None,
) -> TeamActivity:
    """A member (or the school) writes a meeting into the team's log, with photos, each
    described for those who cannot see it. A retry with the same key returns the first."""
    team = LearningTeam.objects.filter(public_id=public_id).first()
    if team is None:
        raise NotFound(_("No such learning team."))
    member = TeamMembership.objects.filter(
        team=team,
        learner__user_id=int(getattr(actor, "pk", None) or 0),
        status=MembershipStatus.ACTIVE,
    ).exists()
    if not (member or oversees(actor, team)):
        raise NotFound(_("No such learning team."))
    if team.status != TeamStatus.ACTIVE:
        raise Conflict(_("Only an approved team keeps an activity log."), code=Code.WRONG_STATUS)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Say what the team did.")]
    if held_on > clock.today():
        errors["held_on"] = [_("The date cannot be in the future.")]
    if not 0 <= attendees <= 10000:
        errors["attendees"] = [_("Enter a number from 0 to 10000.")]
    if len(photos) > PHOTOS_PER_ACTIVITY:
        errors["photos"] = [_("Add at most 6 photos.")]
    kinds: list[tuple[str, str]] = []
    for upload, caption in photos:
        try:
            kinds.append(photo_check(upload))
        except ValidationFailed as exc:
            errors.update(exc.fields)
        if not caption.strip():
            errors["photo_descriptions"] = [_("Describe each photo in a few words.")]
    raise_if(errors)

    def write() -> TeamActivity:
        activity = TeamActivity.objects.create(
            team=team,
            held_on=held_on,
            title=title.strip()[:150],
            description=description.strip()[:4000],
            attendees=attendees,
            logged_by=actor,
            idempotency_key=idempotency_key,
        )
        for (upload, caption), (kind, extension) in zip(photos, kinds, strict=True):
            photo = ActivityPhoto(
                activity=activity,
                content_type=kind,
                size=upload.size or 0,
                description=caption.strip()[:200],
            )
            photo.image.save(f"{secrets.token_hex(16)}.{extension}", upload, save=False)
            photo.save()
        audit_record(
            actor=actor,
            action="communities.activity_log",
            subject=team_subject(team),
            data={"activity": str(activity.public_id), "photos": len(photos)},
        )
        return activity

    return once(
        actor=actor,
        action="communities.activity_log",
        key=idempotency_key,
        payload={"team": str(team.public_id), "held_on": held_on, "title": title},
        write=write,
        result_of=lambda activity: str(activity.public_id),
        replay=lambda value: TeamActivity.objects.get(public_id=value),
    )


@transaction.atomic
def team_review(
    *, actor: Any, public_id: Any, year: int, outcome: str, comments: str
) -> TeamReview:
    """The school reviews an active team's year; "star" names it a star learning team.
    One review per team and year: a second is refused."""
    team = LearningTeam.objects.restrict(actor, Action.CHANGE).filter(public_id=public_id).first()
    if team is None:
        raise NotFound(_("No such learning team."))
    errors: dict[str, list[str]] = {}
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = [_("Select a valid choice.")]
    if not 2000 <= year <= clock.today().year:
        errors["year"] = [_("Review a year that has begun.")]
    if not comments.strip():
        errors["comments"] = [_("Write a few words on the team's year.")]
    raise_if(errors)
    if team.status != TeamStatus.ACTIVE:
        raise Conflict(_("Only an active team is reviewed."), code=Code.WRONG_STATUS)
    try:
        with transaction.atomic():
            review = TeamReview.objects.create(
                team=team,
                year=year,
                outcome=outcome,
                comments=comments.strip()[:1000],
                reviewed_by=actor,
            )
    except IntegrityError:
        first = TeamReview.objects.get(team=team, year=year)
        if (first.outcome, first.comments) == (outcome, comments.strip()[:1000]):
            return first  # the same review sent again
        raise Conflict(
            _("This team has already been reviewed for that year."), code=Code.ALREADY_REVIEWED
        ) from None
    audit_record(
        actor=actor,
        action="communities.team_review",
        subject=team_subject(team),
        data={"year": year, "outcome": outcome},
    )
    return review
