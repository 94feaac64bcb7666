"""Every read in enrollment, scoped to who asks."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from learningcity.catalog.choices import ClassStatus, Rationing
from learningcity.catalog.models import Class, Course, Term
from learningcity.core import clock, crypto, lottery
from learningcity.core.errors import NotFound
from learningcity.core.prepared import PreparedQuery
from learningcity.enrollment.choices import LIVE_STATUSES, ApplicationStatus, DrawStatus, Tier
from learningcity.enrollment.models import (
    Application,
    Attendance,
    Completion,
    Draw,
    DrawEntry,
    Session,
)
from learningcity.learners.choices import MembershipStatus
from learningcity.learners.models import Learner, TargetGroupMembership
from learningcity.learners.selectors import aged_born_on_or_before
from learningcity.network.choices import Action, OrganizationStatus
from learningcity.network.models import GOVERNANCE_KINDS, LearningSite, Organization


def applications_of(*, viewer: Any, learner: Learner) -> QuerySet[Application]:
    """A learner's applications, for the learner or for staff who may see them."""
    if (
        not _is_own(viewer, learner)
        and not Learner.objects.restrict(viewer, Action.VIEW).filter(pk=learner.pk).exists()
    ):
        return Application.objects.none()
    return (
        Application.objects.filter(learner=learner)
        .select_related("klass__course__provider", "klass__site", "term")
        .order_by("-term__starts_on", "rank", "id")
    )


def _is_own(viewer: Any, learner: Learner) -> bool:
    """Whether the viewer is the learner's own login. A learner registered without a login
    has no user, and an anonymous viewer no id: the two must never match."""
    viewer_id = getattr(viewer, "pk", None)
    return viewer_id is not None and learner.user_id == viewer_id


def access_application(*, viewer: Any, public_id: Any) -> Application:
    """The learner's own application, or one in the staff viewer's scope; else 404."""
    application = (
        Application.objects.select_related("learner", "klass__course", "klass__site", "term")
        .filter(public_id=public_id)
        .first()
    )
    if application is None:
        raise NotFound(_("No such application."))
    if _is_own(viewer, application.learner):
        return application
    if Application.objects.restrict(viewer, Action.VIEW).filter(pk=application.pk).exists():
        return application
    raise NotFound(_("No such application."))


def _class_for_application_query(public_id: Any) -> QuerySet[Class]:
    return (
        Class.objects.filter(public_id=public_id)
        .select_related("term", "course")
        .only(
            "id",
            "public_id",
            "status",
            "rationing",
            "applications_open_at",
            "applications_close_at",
            # What a first-come seat's funding reads (the class's dates, the course's price
            # and provider): fetched here rather than one deferred query each when accepted.
            "first_session_on",
            "term__id",
            "term__code",
            "term__max_choices",
            "term__per_learner_cap",
            "course__id",
            "course__title_zh",
            "course__title_en",
            "course__category",
            "course__fee",
            "course__currency",
            "course__provider",
        )
        .annotate(
            term_draw_status=Subquery(
                Draw.objects.filter(term_id=OuterRef("term_id")).order_by().values("status")[:1]
            )
        )
        .order_by()[:1]
    )


# Compiled once per connection: every application in a burst reads its class this way.
_CLASS_FOR_APPLICATION = PreparedQuery(
    "enrollment.class_for_application",
    Class,
    "public_id",
    _class_for_application_query,
    sentinel=uuid.UUID(int=0),
)


def class_for_application(*, public_id: Any) -> Class:
    """A class as application_submit needs it, in one query: the class's own fields it checks,
    its term, its course's titles (for the answer), what a first-come seat's funding reads
    (the class's first session, the course's fee, currency, category and provider) and the
    term's draw status
    (`term_draw_status`, None before the seed is committed); 404 if there is no such class,
    or only a draft, which is not in the public catalog for anyone to apply to."""
    klass = _CLASS_FOR_APPLICATION.first(public_id)
    if klass is None or klass.status == ClassStatus.DRAFT:
        raise NotFound(_("No such class."))
    return klass


RETURNING_STATUSES = (
    ApplicationStatus.ENROLLED,
    ApplicationStatus.COMPLETED,
    ApplicationStatus.NOT_COMPLETED,
)


def learner_priorities(
    *, term: Term, learners: QuerySet[Any], on: dt.date
) -> dict[int, tuple[int, bool]]:
    """Each learner's priority in a term's lottery, by learner id: (tier, in a target group).

    Tier: returning learners (enrolled in a class of another term) after first-time ones.
    Target groups as learners.selectors.learner_target_groups decides them for one learner
    (the aged by birth date; verified memberships in force on `on`), here for many in a few
    queries. `learners` is a query of learner ids (`.values("learner_id")` or `("pk")`).
    Learners who are neither returning nor in a group are left out (first-time, no group)."""
    returning = set(
        Application.objects.filter(learner_id__in=learners, status__in=RETURNING_STATUSES)
        .exclude(term=term)
        .order_by()
        .values_list("learner_id", flat=True)
        .distinct()
    )
    in_group = set(
        Learner.objects.filter(pk__in=learners, birth_date__lte=aged_born_on_or_before(on))
        .order_by()
        .values_list("pk", flat=True)
    )
    in_group.update(
        TargetGroupMembership.objects.filter(
            learner_id__in=learners, status=MembershipStatus.VERIFIED, valid_from__lte=on
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by()
        .values_list("learner_id", flat=True)
        .distinct()
    )
    return {
        learner: (Tier.RETURNING if learner in returning else Tier.FIRST_TIME, learner in in_group)
        for learner in returning | in_group
    }


def class_applicants(*, viewer: Any, klass: Class) -> QuerySet[Application]:
    """Who applied to a class the viewer's organization runs."""
    if not Class.objects.restrict(viewer, Action.VIEW).filter(pk=klass.pk).exists():
        raise NotFound(_("No such class."))
    return (
        Application.objects.filter(klass=klass)
        .select_related("learner")
        .order_by("status", F("draw_entries__waitlist_position").asc(nulls_last=True), "id")
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
    tier, in_group = _priority(application, entry)
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
        tier=tier,
        in_group=in_group,
        lottery_number=entry.lottery_number if entry else None,
        waitlist_position=_waitlist_position(application, entry),
        seats=seats,
        reserved=reserved,
        applicants_in_round=applicants,
        offered_in_round=offered,
        commitment=draw.commitment if draw else None,
        seed=draw.seed if draw and draw.status == DrawStatus.DRAWN else None,
    )


def _priority(application: Application, entry: DrawEntry | None) -> tuple[int, bool]:
    """The priority the draw used; before the draw, the one it would use if drawn today."""
    if entry is not None:
        return entry.tier, entry.in_group
    if application.tier is not None and application.in_target_group is not None:
        return application.tier, application.in_target_group
    priorities = learner_priorities(
        term=application.term,
        learners=Learner.objects.filter(pk=application.learner_id).values("pk"),
        on=clock.today(),
    )
    return priorities.get(application.learner_id, (Tier.FIRST_TIME, False))


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
    # Not placed by a draw (first-come, or a late applicant after it): behind everyone the
    # draw placed, then in the order of applying.
    ahead = waiting.filter(Q(draw_entries__isnull=False) | Q(id__lt=application.pk))
    return ahead.exclude(pk=application.pk).distinct().count() + 1


def draw_for(*, term: Term) -> Draw:
    draw = Draw.objects.filter(term=term).first()
    if draw is None:
        raise NotFound(_("This term has no draw."))
    return draw


DRAW_LEARNER_CONTEXT = "enrollment.draw.learner"


def draw_learner_key(*, term_code: str, learner_public_id: Any) -> str:
    """How a learner is named in a term's draw and its publication: a keyed digest of their
    public id, different in every term. The public id itself is printed on the learner's
    credentials beside their name, so publishing it would tie every entry (their choices,
    their target group, their result) to a named person. The digest is as stable as the id,
    so a rerun of the draw and every recomputation give the same result."""
    return crypto.blind_index(f"{term_code}\x00{learner_public_id}", context=DRAW_LEARNER_CONTEXT)


def draw_publication(*, draw: Draw) -> dict[str, Any]:
    """Everything needed to recompute a draw, without personal data: applications appear by
    their random public ids, learners by `draw_learner_key`."""
    entries = list(
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
            "lottery_number",
        )
    )
    name = _published_learner(draw, entries[0][1], entries[0][-1]) if entries else str
    names = {learner: name(learner) for learner in {e[1] for e in entries}}
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
                "learner": names[learner],
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
            for a, learner, k, rank, tier, group, held, offered, round_, reason, position, _n in (
                entries
            )
        ],
    }


def _published_learner(draw: Draw, learner_public_id: Any, number: str) -> Any:
    """The naming the draw itself used, told by one entry's lottery number: the keyed digest,
    or (a draw made before digests were used) the public id, so that it still recomputes."""
    if draw.seed and number == lottery.lottery_number(draw.seed, str(learner_public_id)):
        return str
    code = draw.term.code
    return lambda public_id: draw_learner_key(term_code=code, learner_public_id=public_id)


def class_sessions(*, viewer: Any, klass: Class) -> QuerySet[Session]:
    if not Class.objects.restrict(viewer, Action.VIEW).filter(pk=klass.pk).exists():
        raise NotFound(_("No such class."))
    return Session.objects.filter(klass=klass).order_by("number")


def completions_since(*, after_id: int = 0, limit: int = 1000) -> QuerySet[Completion]:
    """Completions in the order they were decided, for the credit bank to consume."""
    return (
        Completion.objects.filter(id__gt=after_id)
        .select_related("application__klass__course__provider")
        .order_by("id")[:limit]
    )


# Reads for the enrollment pages (views/). Each takes the viewer where scope applies.


def learner_for_user(*, user: Any) -> Learner | None:
    """The resident record of a login, or None (staff logins usually have none)."""
    if getattr(user, "pk", None) is None:
        return None
    return Learner.objects.filter(user_id=user.pk).first()


def class_for_applying(*, public_id: Any) -> Class:
    """A class a resident may look at to apply: any class that is not a draft."""
    klass = (
        Class.objects.select_related("course__provider", "site", "term")
        .exclude(status=ClassStatus.DRAFT)
        .filter(public_id=public_id)
        .first()
    )
    if klass is None:
        raise NotFound(_("No such class."))
    return klass


def term_choices(*, learner: Learner, term: Term) -> list[Application]:
    """The learner's live applications in a term, lottery choices first by rank."""
    return sorted(
        Application.objects.filter(learner=learner, term=term, status__in=LIVE_STATUSES)
        .select_related("klass__course", "klass__site")
        .order_by("rank", "id"),
        key=lambda a: (a.klass.rationing != Rationing.LOTTERY, a.rank, a.pk),
    )


def access_class(*, viewer: Any, public_id: Any, action: str = Action.VIEW) -> Class:
    """A class the viewer's organization runs (or in their area), else 404."""
    klass = (
        Class.objects.restrict(viewer, action)
        .select_related("course__provider", "site", "term")
        .filter(public_id=public_id)
        .first()
    )
    if klass is None:
        raise NotFound(_("No such class."))
    return klass


def may_change_class(*, viewer: Any, klass: Class) -> bool:
    return Class.objects.restrict(viewer, Action.CHANGE).filter(pk=klass.pk).exists()


def staff_class_list(*, viewer: Any) -> QuerySet[Class]:
    """The classes the viewer's organizations run (or in their area), newest term first."""
    return (
        Class.objects.restrict(viewer, Action.VIEW)
        .select_related("course__provider", "site", "term")
        .order_by("-term__starts_on", "term_id", "course__code", "weekday", "starts_at", "id")
    )


def status_counts_by_class(*, class_ids: list[int]) -> dict[int, dict[str, int]]:
    """Applications per status for several classes, in one query."""
    counts: dict[int, dict[str, int]] = {pk: {} for pk in class_ids}
    rows = (
        Application.objects.filter(klass_id__in=class_ids)
        .order_by()
        .values_list("klass_id", "status")
        .annotate(n=Count("id"))
    )
    for klass_id, status, n in rows:
        counts[klass_id][status] = n
    return counts


@dataclass(frozen=True)
class SessionRow:
    session: Session
    marked: int
    present: int


def class_session_rows(*, viewer: Any, klass: Class) -> list[SessionRow]:
    """The class's sessions with how many marks each has (0 = roll not yet taken)."""
    sessions = class_sessions(viewer=viewer, klass=klass).annotate(
        marked=Count("marks"), present=Count("marks", filter=Q(marks__present=True))
    )
    return [SessionRow(s, s.marked, s.present) for s in sessions]


def access_session(*, viewer: Any, session_id: int, action: str = Action.CHANGE) -> Session:
    """A session of a class in the viewer's scope, else 404."""
    session = (
        Session.objects.select_related("klass__course", "klass__site", "klass__term")
        .filter(pk=session_id, klass__in=Class.objects.restrict(viewer, action))
        .first()
    )
    if session is None:
        raise NotFound(_("No such session."))
    return session


@dataclass(frozen=True)
class RollCallRow:
    """One enrolled learner at a session: this session's mark, and the one before it."""

    application_id: int
    name: str
    present: bool | None
    last_time: bool | None


@dataclass(frozen=True)
class RollCall:
    rows: list[RollCallRow]
    previous: Session | None
    recorded_at: Any
    recorded_by: str


def roll_call(*, session: Session) -> RollCall:
    """Who is enrolled, as marked at this session (if the roll was taken) and at the last
    session before it. Three queries, whatever the class size."""
    enrolled = list(
        Application.objects.filter(klass_id=session.klass_id, status=ApplicationStatus.ENROLLED)
        .select_related("learner")
        .order_by("learner__name", "id")
    )
    previous = (
        Session.objects.filter(klass_id=session.klass_id, number__lt=session.number)
        .order_by("-number")
        .first()
    )
    marks = Attendance.objects.filter(
        session_id__in=[session.pk] + ([previous.pk] if previous else [])
    ).select_related("recorded_by")
    now_marks: dict[int, bool] = {}
    last_marks: dict[int, bool] = {}
    latest: Attendance | None = None
    for mark in marks:
        if mark.session_id == session.pk:
            now_marks[mark.application_id] = mark.present
            if latest is None or mark.recorded_at > latest.recorded_at:
                latest = mark
        else:
            last_marks[mark.application_id] = mark.present
    rows = [
        RollCallRow(a.pk, a.learner.name, now_marks.get(a.pk), last_marks.get(a.pk))
        for a in enrolled
    ]
    recorder = ""
    if latest is not None and latest.recorded_by is not None:
        recorder = latest.recorded_by.get_username()
    return RollCall(
        rows=rows,
        previous=previous,
        recorded_at=latest.recorded_at if latest else None,
        recorded_by=recorder,
    )


def access_term(*, code: str) -> Term:
    term = Term.objects.filter(code=code).first()
    if term is None:
        raise NotFound(_("No such term."))
    return term


@dataclass(frozen=True)
class LotteryClassRow:
    klass: Class
    applied: int
    closed: bool


@dataclass(frozen=True)
class TermDrawOverview:
    """What the municipal office needs to decide whether to run a term's draw."""

    term: Term
    classes: list[LotteryClassRow]
    applied: int
    all_closed: bool
    draw: Draw | None
    offered: int
    waitlisted: int


def term_draw_overview(*, term: Term, now: Any) -> TermDrawOverview:
    classes = list(
        Class.objects.filter(term=term, rationing=Rationing.LOTTERY)
        .select_related("course__provider", "site")
        .annotate(
            applied=Count("applications", filter=Q(applications__status=ApplicationStatus.APPLIED))
        )
        .order_by("course__code", "id")
    )
    rows = [LotteryClassRow(c, c.applied, c.applications_close_at <= now) for c in classes]
    draw = Draw.objects.filter(term=term, klass__isnull=True).select_related("drawn_by").first()
    offered = waitlisted = 0
    if draw is not None and draw.status == DrawStatus.DRAWN:
        tally = dict(
            DrawEntry.objects.filter(draw=draw)
            .order_by()
            .values_list("offered")
            .annotate(n=Count("id"))
        )
        offered, waitlisted = tally.get(True, 0), tally.get(False, 0)
    return TermDrawOverview(
        term=term,
        classes=rows,
        applied=sum(r.applied for r in rows),
        all_closed=all(r.closed for r in rows),
        draw=draw,
        offered=offered,
        waitlisted=waitlisted,
    )


def draw_for_term(*, term: Term) -> Draw | None:
    """The term's draw if its commitment has been made (at the first lottery application)."""
    return Draw.objects.filter(term=term, klass__isnull=True).first()


def live_application(*, learner: Learner, klass: Class) -> Application | None:
    return Application.objects.filter(
        learner=learner, klass=klass, status__in=LIVE_STATUSES
    ).first()


def provider_choices(*, viewer: Any) -> QuerySet[Organization]:
    """Providers the viewer may publish courses for (offices govern; they do not teach)."""
    return (
        Organization.objects.restrict(viewer, Action.CHANGE)
        .filter(status=OrganizationStatus.ACTIVE)
        .exclude(kind__in=GOVERNANCE_KINDS)
        .order_by("code")
    )


def course_choices(*, viewer: Any) -> QuerySet[Course]:
    return Course.objects.restrict(viewer, Action.CHANGE).filter(is_active=True).order_by("code")


def site_choices(*, viewer: Any) -> QuerySet[LearningSite]:
    return (
        LearningSite.objects.restrict(viewer, Action.CHANGE)
        .filter(is_active=True)
        .order_by("name_zh", "id")
    )


def open_terms(*, today: Any) -> QuerySet[Term]:
    """Terms a new class can still be scheduled in."""
    return Term.objects.filter(ends_on__gte=today).order_by("starts_on", "code")
