"""Every read in enrollment, scoped to who asks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from learningcity.catalog.models import Class, Term
from learningcity.core.errors import NotFound
from learningcity.enrollment.choices import ApplicationStatus, DrawStatus
from learningcity.enrollment.models import Application, Completion, Draw, DrawEntry, Session
from learningcity.learners.models import Learner
from learningcity.network.choices import Action


def applications_of(*, viewer: Any, learner: Learner) -> QuerySet[Application]:
    """A learner's applications, for the learner or for staff who may see them."""
    if (
        learner.user_id != getattr(viewer, "pk", None)
        and not Learner.objects.restrict(viewer, Action.VIEW).filter(pk=learner.pk).exists()
    ):
        return Application.objects.none()
    return (
        Application.objects.filter(learner=learner)
        .select_related("klass__course__provider", "klass__site", "term")
        .order_by("-term__starts_on", "rank", "id")
    )


def access_application(*, viewer: Any, public_id: Any) -> Application:
    """The learner's own application, or one in the staff viewer's scope; else 404."""
    application = (
        Application.objects.select_related("learner", "klass__course", "klass__site", "term")
        .filter(public_id=public_id)
        .first()
    )
    if application is None:
        raise NotFound("No such application.")
    if application.learner.user_id == getattr(viewer, "pk", None):
        return application
    if Application.objects.restrict(viewer, Action.VIEW).filter(pk=application.pk).exists():
        return application
    raise NotFound("No such application.")


def class_applicants(*, viewer: Any, klass: Class) -> QuerySet[Application]:
    """Who applied to a class the viewer's organization runs."""
    if not Class.objects.restrict(viewer, Action.VIEW).filter(pk=klass.pk).exists():
        raise NotFound("No such class.")
    return (
        Application.objects.filter(klass=klass)
        .select_related("learner")
        .order_by("status", "draw_entries__waitlist_position", "id")
    )


def class_status_counts(*, klass: Class) -> dict[str, int]:
    return dict(
        Application.objects.filter(klass=klass)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )


@dataclass(frozen=True)
class Explanation:
    """Why an application got what it got, in figures a resident can follow."""

    status: str
    rationing: str
    round: int | None
    reason: str | None
    tier: int | None
    in_group: bool
    lottery_number: str | None
    waitlist_position: int | None
    seats: int
    reserved: int
    applicants_in_round: int
    offered_in_round: int
    commitment: str | None
    seed: str | None


def application_explanation(*, application: Application) -> Explanation:
    klass = application.klass
    entry = DrawEntry.objects.select_related("draw").filter(application=application).first()
    applicants = offered = 0
    seats, reserved = klass.capacity, klass.group_quota
    draw = Draw.objects.filter(term_id=application.term_id).first()
    if entry is not None:
        same_round = DrawEntry.objects.filter(
            draw=entry.draw, round=entry.round, application__klass=klass
        )
        applicants = same_round.count()
        offered = same_round.filter(offered=True).count()
        for key, capacity, quota in entry.draw.seats:
            if key == str(klass.public_id):
                seats, reserved = capacity, quota
    return Explanation(
        status=application.status,
        rationing=klass.rationing,
        round=entry.round if entry else None,
        reason=entry.reason if entry else None,
        tier=entry.tier if entry else application.tier,
        in_group=entry.in_group if entry else application.in_target_group,
        lottery_number=entry.lottery_number if entry else None,
        waitlist_position=_waitlist_position(application, entry),
        seats=seats,
        reserved=reserved,
        applicants_in_round=applicants,
        offered_in_round=offered,
        commitment=draw.commitment if draw else None,
        seed=draw.seed if draw and draw.status == DrawStatus.DRAWN else None,
    )


def _waitlist_position(application: Application, entry: DrawEntry | None) -> int | None:
    """Where the application stands in its class's waiting list now (1 = next)."""
    if application.status != ApplicationStatus.WAITLISTED:
        return None
    waiting = Application.objects.filter(
        klass_id=application.klass_id, status=ApplicationStatus.WAITLISTED
    )
    if entry is not None and entry.waitlist_position is not None:
        return (
            waiting.filter(draw_entries__waitlist_position__lt=entry.waitlist_position).count() + 1
        )
    return waiting.filter(id__lt=application.pk).count() + 1


def draw_for(*, term: Term) -> Draw:
    draw = Draw.objects.filter(term=term).first()
    if draw is None:
        raise NotFound("This term has no draw.")
    return draw


def draw_publication(*, draw: Draw) -> dict[str, Any]:
    """Everything needed to recompute a draw, without personal data: applications and
    learners appear only by their random public ids."""
    entries = (
        DrawEntry.objects.filter(draw=draw)
        .order_by("id")
        .values_list(
            "application__public_id",
            "application__learner__public_id",
            "application__klass__public_id",
            "rank",
            "tier",
            "in_group",
            "held",
            "offered",
            "round",
            "reason",
            "waitlist_position",
        )
    )
    return {
        "term": draw.term.code,
        "algorithm": draw.algorithm,
        "commitment": draw.commitment,
        "seed": draw.seed if draw.status == DrawStatus.DRAWN else None,
        "status": draw.status,
        "cap": draw.cap,
        "seats": draw.seats,
        "inputs_digest": draw.inputs_digest,
        "results_digest": draw.results_digest,
        "entries": [
            {
                "application": str(a),
                "learner": str(learner),
                "class": str(k),
                "rank": rank,
                "tier": tier,
                "in_group": group,
                "held": held,
                "offered": offered,
                "round": round_,
                "reason": reason,
                "waitlist_position": position,
            }
            for a, learner, k, rank, tier, group, held, offered, round_, reason, position in entries
        ],
    }


def class_sessions(*, viewer: Any, klass: Class) -> QuerySet[Session]:
    if not Class.objects.restrict(viewer, Action.VIEW).filter(pk=klass.pk).exists():
        raise NotFound("No such class.")
    return Session.objects.filter(klass=klass).order_by("number")


def completions_since(*, after_id: int = 0, limit: int = 1000) -> QuerySet[Completion]:
    """Completions in the order they were decided, for the credit bank to consume."""
    return (
        Completion.objects.filter(id__gt=after_id)
        .select_related("application__klass__course__provider")
        .order_by("id")[:limit]
    )
