"""Awards for residents ("learning star"): nomination, the nominee's consent, review."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from learningcity.communities.choices import MembershipStatus, NominationStatus
from learningcity.communities.errors import CommunitiesErrorCode as Code
from learningcity.communities.models import Award, LearningTeam, Nomination, TeamMembership
from learningcity.communities.services.common import invalid, leads, raise_if
from learningcity.core import clock
from learningcity.core.errors import Conflict, NotFound, PermissionDenied
from learningcity.core.services import audit_record
from learningcity.learners.models import Learner
from learningcity.network.choices import Action
from learningcity.network.models import Organization


def nomination_subject(nomination: Nomination) -> str:
    return f"communities.nomination:{nomination.public_id}"


@transaction.atomic
def award_create(
    *,
    actor: Any,
    code: str,
    year: int,
    name_zh: str,
    owner: Organization,
    name_en: str = "",
    description_zh: str = "",
    description_en: str = "",
) -> Award:
    """An organization (the commission, a district office) sets up an award it runs."""
    if not Organization.objects.restrict(actor, Action.CHANGE).filter(pk=owner.pk).exists():
        raise PermissionDenied(_("You may set up awards only for your own organization."))
    errors: dict[str, list[str]] = {}
    if not code.strip() or len(code) > 40:
        errors["code"] = [_("Give a short code of at most 40 characters.")]
    if not name_zh.strip():
        errors["name_zh"] = [_("Give the award a name.")]
    raise_if(errors)
    try:
        with transaction.atomic():
            award = Award.objects.create(
                code=code.strip(),
                year=year,
                name_zh=name_zh.strip(),
                name_en=name_en.strip(),
                description_zh=description_zh.strip()[:500],
                description_en=description_en.strip()[:500],
                owner=owner,
            )
    except IntegrityError:
        raise Conflict(_("An award with this code exists.")) from None
    audit_record(actor=actor, action="communities.award_create", subject=f"award:{award.code}")
    return award


def _may_nominate(actor: Any, learner: Learner, award: Award, team: LearningTeam | None) -> bool:
    """Staff nominate residents of their area (or for an award their organization runs);
    a team's leader or deputy nominates an active member of the team."""
    if team is not None:
        member = TeamMembership.objects.filter(
            team=team, learner=learner, status=MembershipStatus.ACTIVE
        ).exists()
        return member and leads(actor, team)
    if Learner.objects.restrict(actor, Action.CHANGE).filter(pk=learner.pk).exists():
        return True
    return Organization.objects.restrict(actor, Action.CHANGE).filter(pk=award.owner_id).exists()


def nomination_create(
    *,
    actor: Any,
    award: Award,
    learner: Learner,
    story: str,
    team: LearningTeam | None = None,
) -> Nomination:
    """Nominate a resident. One nomination per award and resident: the same nominator's
    retry returns it, anyone else's is refused."""
    if not _may_nominate(actor, learner, award, team):
        raise NotFound(_("No such learner."))
    if not story.strip():
        raise invalid("story", _("Tell the resident's learning story in a few sentences."))
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                award=award,
                learner=learner,
                nominated_by=actor,
                team=team,
                story=story.strip()[:4000],
            )
            audit_record(
                actor=actor,
                action="communities.nominate",
                subject=nomination_subject(nomination),
                data={"award": award.code, "team": str(team.public_id) if team else None},
            )
            return nomination
    except IntegrityError:
        first = Nomination.objects.filter(award=award, learner=learner).first()
        if first is not None and first.nominated_by_id == actor.pk:
            return first
        raise Conflict(
            _("This resident has already been nominated for this award."),
            code=Code.WRONG_STATUS,
        ) from None


@transaction.atomic
def nomination_consent(
    *, actor: Any, public_id: Any, show_name: bool, show_story: bool
) -> Nomination:
    """The nominee says what the public showcase may show: the name, the story, both or
    neither. She may change her mind at any time."""
    nomination = (
        Nomination.objects.select_for_update()
        .filter(public_id=public_id, learner__user_id=int(getattr(actor, "pk", None) or 0))
        .first()
    )
    if nomination is None:
        raise NotFound(_("No such nomination."))
    nomination.show_name = show_name
    nomination.show_story = show_story
    nomination.consented_at = clock.now()
    nomination.save(update_fields=["show_name", "show_story", "consented_at", "updated_at"])
    audit_record(
        actor=actor,
        action="communities.nomination_consent",
        subject=nomination_subject(nomination),
        data={"show_name": show_name, "show_story": show_story},
    )
    return nomination


@transaction.atomic
def nomination_review(*, actor: Any, public_id: Any, award: bool, reason: str) -> Nomination:
    """Staff over the nominee's area (or the award's organization) decide, with a reason;
    nobody decides on their own nomination."""
    nomination = (
        Nomination.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(public_id=public_id)
        .first()
    )
    if nomination is None:
        raise NotFound(_("No such nomination."))
    if nomination.nominated_by_id == actor.pk:
        raise PermissionDenied(_("Someone other than the nominator reviews a nomination."))
    if not reason.strip():
        raise invalid("reason", _("Give the reason for the decision."))
    wanted = NominationStatus.AWARDED if award else NominationStatus.NOT_AWARDED
    if nomination.status == wanted:
        return nomination
    if nomination.status != NominationStatus.NOMINATED:
        raise Conflict(_("This nomination has already been decided."), code=Code.WRONG_STATUS)
    nomination.status = wanted
    nomination.reviewed_by = actor
    nomination.reviewed_at = clock.now()
    nomination.review_reason = reason.strip()[:500]
    nomination.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "review_reason", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="communities.nomination_review",
        subject=nomination_subject(nomination),
        reason=nomination.review_reason,
        data={"status": wanted},
    )
    return nomination
