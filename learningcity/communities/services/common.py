"""Helpers the communities services share: who the resident is, retry-safe writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from learningcity.communities.choices import MemberRole, MembershipStatus
from learningcity.communities.models import LearningTeam, TeamMembership
from learningcity.core.errors import PermissionDenied, ValidationFailed
from learningcity.core.services import idempotency_lookup, idempotency_record, request_fingerprint
from learningcity.learners.models import Learner
from learningcity.network.choices import Action

T = TypeVar("T")


def learner_of(actor: Any) -> Learner:
    """The resident record of the login acting; refused for a login that is not a resident's."""
    learner = None
    if getattr(actor, "pk", None) is not None:
        learner = getattr(actor, "learner", None)
        if learner is None:
            learner = Learner.objects.filter(user_id=actor.pk).first()
    if learner is None:
        raise PermissionDenied(_("Only a resident with a learner record can do this."))
    return learner


def invalid(field: str, message: str, code: str | None = None) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)


def once(
    *,
    actor: Any,
    action: str,
    key: str | None,
    payload: dict[str, Any],
    write: Callable[[], T],
    result_of: Callable[[T], str],
    replay: Callable[[str], T],
) -> T:
    """Run a write once per idempotency key: a retry (or a copy that lost the race to the
    first) is answered with the first result. Without a key, the write simply runs."""
    if not key:
        with transaction.atomic():
            return write()
    fingerprint = request_fingerprint(payload)
    try:
        with transaction.atomic():
            first = idempotency_lookup(actor=actor, action=action, key=key, fingerprint=fingerprint)
            if first is not None:
                return replay(first)
            made = write()
            idempotency_record(
                actor=actor, action=action, key=key, fingerprint=fingerprint, result=result_of(made)
            )
            return made
    except IntegrityError:
        first = idempotency_lookup(actor=actor, action=action, key=key, fingerprint=fingerprint)
        if first is None:
            raise
        return replay(first)


def leads(actor: Any, team: LearningTeam) -> bool:
    """Whether the actor is the team's leader or deputy leader now."""
    if getattr(actor, "pk", None) is None:
        return False
    return TeamMembership.objects.filter(
        team=team,
        learner__user_id=actor.pk,
        status=MembershipStatus.ACTIVE,
        role__in=[MemberRole.LEADER, MemberRole.DEPUTY],
    ).exists()


def oversees(actor: Any, team: LearningTeam, action: str = Action.CHANGE) -> bool:
    """Whether the actor is staff over the team (its town's school or office, or above)."""
    return LearningTeam.objects.restrict(actor, action).filter(pk=team.pk).exists()
