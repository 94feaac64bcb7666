"""Volunteer teachers: residents offer to teach; schools and teams invite; hours are kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from learningcity.communities.choices import (
    Availability,
    InvitationStatus,
    TeachingLanguage,
    TeamStatus,
)
from learningcity.communities.errors import CommunitiesErrorCode as Code
from learningcity.communities.models import (
    LearningTeam,
    VolunteerHours,
    VolunteerInvitation,
    VolunteerProfile,
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
from learningcity.core.errors import Conflict, NotFound
from learningcity.core.services import audit_record
from learningcity.network.choices import Action, AreaLevel
from learningcity.network.models import Area, Organization


def _joined(values: Sequence[str]) -> str:
    return "," + ",".join(sorted(set(values))) + ","


@transaction.atomic
def volunteer_offer(
    *,
    actor: Any,
    display_name: str,
    skills: str,
    languages: Sequence[str],
    availability: Sequence[str],
    district_codes: Sequence[str],
    bio: str = "",
    is_active: bool = True,
) -> VolunteerProfile:
    """A resident offers to teach, or changes her offer (the same call again is harmless)."""
    learner = learner_of(actor)
    errors: dict[str, list[str]] = {}
    if not display_name.strip() or len(display_name) > 60:
        errors["display_name"] = [_("Give the name schools should see, at most 60 characters.")]
    if not skills.strip() or len(skills) > 300:
        errors["skills"] = [_("Say what you can teach, at most 300 characters.")]
    if not languages or any(code not in TeachingLanguage.values for code in languages):
        errors["languages"] = [_("Choose at least one language you teach in.")]
    if not availability or any(code not in Availability.values for code in availability):
        errors["availability"] = [_("Choose when you can teach.")]
    districts = list(Area.objects.filter(code__in=list(district_codes), level=AreaLevel.DISTRICT))
    if not district_codes or len(districts) != len(set(district_codes)):
        errors["districts"] = [_("Choose the districts where you can teach.")]
    raise_if(errors)
    profile, created = VolunteerProfile.objects.select_for_update().update_or_create(
        learner=learner,
        defaults={
            "display_name": display_name.strip(),
            "skills": skills.strip(),
            "bio": bio.strip()[:1000],
            "languages": _joined(languages),
            "availability": _joined(availability),
            "is_active": is_active,
        },
    )
    profile.districts.set(districts)
    audit_record(
        actor=actor,
        action="communities.volunteer_offer" if created else "communities.volunteer_update",
        subject=f"communities.volunteer:{profile.public_id}",
        data={"active": is_active},
    )
    return profile


def volunteer_invite(
    *,
    actor: Any,
    volunteer_id: Any,
    subject: str,
    organization: Organization | None = None,
    team: LearningTeam | None = None,
    message: str = "",
    idempotency_key: str | None = None,
) -> VolunteerInvitation:
    """A school (its staff) or a team (its leader or deputy) invites a volunteer."""
    if (organization is None) == (team is None):
        raise invalid("organization", _("Invite either for an organization or for a team."))
    if organization is not None and not (
        Organization.objects.restrict(actor, Action.CHANGE).filter(pk=organization.pk).exists()
    ):
        raise NotFound(_("No such organization."))
    if team is not None and not (
        team.status == TeamStatus.ACTIVE and (leads(actor, team) or oversees(actor, team))
    ):
        raise NotFound(_("No such learning team."))
    profile = VolunteerProfile.objects.filter(public_id=volunteer_id, is_active=True).first()
    if profile is None:
        raise NotFound(_("No such volunteer."), code=Code.NO_PROFILE)
    if profile.learner.user_id == actor.pk:
        raise invalid("volunteer", _("You cannot invite yourself."))
    if not subject.strip():
        raise invalid("subject", _("Say what you would like the volunteer to teach."))

    def write() -> VolunteerInvitation:
        invitation = VolunteerInvitation.objects.create(
            volunteer=profile,
            organization=organization,
            team=team,
            subject=subject.strip()[:150],
            message=message.strip()[:1000],
            invited_by=actor,
            idempotency_key=idempotency_key,
        )
        audit_record(
            actor=actor,
            action="communities.volunteer_invite",
            subject=f"communities.invitation:{invitation.public_id}",
            data={"volunteer": str(profile.public_id)},
        )
        return invitation

    return once(
        actor=actor,
        action="communities.volunteer_invite",
        key=idempotency_key,
        payload={
            "volunteer": str(volunteer_id),
            "organization": getattr(organization, "pk", None),
            "team": getattr(team, "pk", None),
            "subject": subject,
        },
        write=write,
        result_of=lambda invitation: str(invitation.public_id),
        replay=lambda value: VolunteerInvitation.objects.get(public_id=value),
    )


@transaction.atomic
def invitation_respond(*, actor: Any, public_id: Any, accept: bool) -> VolunteerInvitation:
    """The volunteer accepts or declines; answering the same way again changes nothing."""
    invitation = (
        VolunteerInvitation.objects.select_for_update()
        .filter(
            public_id=public_id, volunteer__learner__user_id=int(getattr(actor, "pk", None) or 0)
        )
        .first()
    )
    if invitation is None:
        raise NotFound(_("No such invitation."))
    wanted = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    if invitation.status == wanted:
        return invitation
    if invitation.status != InvitationStatus.INVITED:
        raise Conflict(_("You have already answered this invitation."), code=Code.WRONG_STATUS)
    invitation.status = wanted
    invitation.responded_at = clock.now()
    invitation.save(update_fields=["status", "responded_at", "updated_at"])
    audit_record(
        actor=actor,
        action="communities.invitation_accept" if accept else "communities.invitation_decline",
        subject=f"communities.invitation:{invitation.public_id}",
    )
    return invitation


def may_record_hours(actor: Any, invitation: VolunteerInvitation) -> bool:
    """The inviting school's staff; for a team's invitation its leaders or its school."""
    if invitation.organization_id is not None:
        return (
            Organization.objects.restrict(actor, Action.CHANGE)
            .filter(pk=invitation.organization_id)
            .exists()
        )
    assert invitation.team is not None
    return leads(actor, invitation.team) or oversees(actor, invitation.team)


def hours_record(
    *,
    actor: Any,
    public_id: Any,
    taught_on: dt.date,
    hours: Decimal,
    note: str = "",
    idempotency_key: str | None = None,
) -> VolunteerHours:
    """The inviter records hours taught under an accepted invitation (audited). A retry with
    the same key returns the first record, never a second."""
    invitation = (
        VolunteerInvitation.objects.select_related("team", "organization")
        .filter(public_id=public_id)
        .first()
    )
    if invitation is None or not may_record_hours(actor, invitation):
        raise NotFound(_("No such invitation."))
    if invitation.status != InvitationStatus.ACCEPTED:
        raise Conflict(
            _("Hours are recorded once the volunteer has accepted."), code=Code.WRONG_STATUS
        )
    errors: dict[str, list[str]] = {}
    if not Decimal(0) < hours <= Decimal(12) or hours != hours.quantize(Decimal("0.1")):
        errors["hours"] = [_("Enter hours from 0.1 to 12, in tenths.")]
    if taught_on > clock.today():
        errors["taught_on"] = [_("The date cannot be in the future.")]
    raise_if(errors)

    def write() -> VolunteerHours:
        row = VolunteerHours.objects.create(
            invitation=invitation,
            taught_on=taught_on,
            hours=hours,
            note=note.strip()[:300],
            recorded_by=actor,
            idempotency_key=idempotency_key,
        )
        audit_record(
            actor=actor,
            action="communities.volunteer_hours",
            subject=f"communities.invitation:{invitation.public_id}",
            data={"hours": str(hours), "taught_on": taught_on.isoformat()},
        )
        return row

    return once(
        actor=actor,
        action="communities.volunteer_hours",
        key=idempotency_key,
        payload={"invitation": str(public_id), "on": taught_on, "hours": str(hours)},
        write=write,
        result_of=lambda row: str(row.public_id),
        replay=lambda value: VolunteerHours.objects.get(public_id=value),
    )
