"""Every change in enrollment: applications, offers, waitlists, the draw, attendance.

Seats are counted on the class row (catalog.Class.seats_taken) and moved only by conditional
UPDATEs, so no seat is sold twice; applications are protected from duplicates by a unique
constraint and by idempotency keys, so no retry makes two and none is lost.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.catalog.choices import ClassStatus, Rationing
from learningcity.catalog.models import Class, Course, Term
from learningcity.catalog.services import class_seat_release, class_seat_take, class_seats_take
from learningcity.core import clock, crypto, lottery
from learningcity.core.bulk import inserting
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.models import uuid7
from learningcity.core.prepared import (
    PreparedQuery,
    column_sql,
    instance,
    prepared_cursor,
    related,
    table_sql,
)
from learningcity.core.services import (
    audit_record,
    idempotency_key_check,
)
from learningcity.creditbank.choices import category_for_course
from learningcity.creditbank.services import record_from_completion
from learningcity.enrollment.choices import (
    LIVE_STATUSES,
    SEAT_STATUSES,
    ApplicationStatus,
    DrawStatus,
    Tier,
)
from learningcity.enrollment.data import CompletionEvent, DrawSummary
from learningcity.enrollment.errors import EnrollmentErrorCode as Code
from learningcity.enrollment.models import (
    Application,
    Attendance,
    Completion,
    Draw,
    DrawEntry,
    Session,
)
from learningcity.enrollment.selectors import draw_learner_key, learner_priorities
from learningcity.funding import services as funding
from learningcity.funding.data import PlaceDelivery
from learningcity.learners.models import Learner
from learningcity.network.choices import Action
from learningcity.network.models import actor_scope

SEED_CONTEXT = "enrollment.draw.seed"
_CHUNK = 500


def offer_ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.ENROLLMENT_OFFER_HOURS)


def _may_act_for(actor: Any, learner: Learner) -> bool:
    """A resident acts for themselves; staff for residents in their scope."""
    if getattr(actor, "pk", None) is not None and learner.user_id == actor.pk:
        return True
    return Learner.objects.restrict(actor, Action.CHANGE).filter(pk=learner.pk).exists()


def _refuse(message: str, code: str, field: str | None = None, status: type = Conflict) -> Any:
    return status(message, code=code, fields={field: [message]} if field else None)


SUBMIT = "application.submit"


def application_submit(
    *,
    actor: Any,
    learner: Learner,
    klass: Class,
    rank: int = 1,
    idempotency_key: str | None = None,
) -> Application:
    """Apply for a class; a retry with the same key returns the first application.

    Everything is read before the write, which is one INSERT (and, for a first-come class,
    its seat, in one short transaction). The application row itself records who sent it and
    under which key. Duplicates are refused by the database's unique constraints (one live
    application per learner and class, one lottery choice per rank, one application per
    learner and key), never by a check beforehand. A refused request that carries a key is
    answered from the application made under that key, if any: it was a retry, or a copy of
    one tap that lost the race to another copy, and both get the first application."""
    if idempotency_key:
        idempotency_key_check(idempotency_key)
    try:
        return _application_submit(
            actor=actor, learner=learner, klass=klass, rank=rank, idempotency_key=idempotency_key
        )
    except (Conflict, ValidationFailed):
        if not idempotency_key:
            raise
        first = (
            Application.objects.select_related("klass__course", "term")
            .filter(learner_id=learner.pk, idempotency_key=idempotency_key)
            .first()
        )
        if first is None:
            raise
        if (first.klass_id, first.rank) != (klass.pk, rank):
            message = _("This idempotency key was already used for a different request.")
            raise Conflict(
                message, code="idempotency_key_reused", fields={"idempotency_key": [message]}
            ) from None
        return first


def lottery_application_submit(
    *,
    actor: Any,
    class_public_id: Any,
    rank: int = 1,
    idempotency_key: str | None = None,
) -> Application | None:
    """A resident's own application to an open lottery class in one statement, or None.

    This is the opening minute's common case (650,000 people, most of them for a draw). The
    applicant is the actor's own learner record and the class is checked, both inside the
    INSERT itself (published, by lottery, window open, rank within the term's choices, the
    term's seed committed and not yet drawn), so the burst costs one round trip, no SQL
    compilation and no read of the learner before it. Anything else (a login without a
    learner record, a first-come class, a closed window, a duplicate, a retry of a key)
    inserts nothing. A retry of a key the resident already used for this class and rank
    (the answer was lost, or a second tap raced the first) is then answered from the first
    application, as application_submit would answer it; anything else returns None: the
    caller then takes application_submit, which reads the learner and the class and
    explains or replays as usual."""
    if idempotency_key:
        idempotency_key_check(idempotency_key)
    if getattr(actor, "pk", None) is None:
        return None
    connection = transaction.get_connection()
    now = clock.now()
    public_id = uuid7()
    class_key = Class._meta.get_field("public_id").get_db_prep_value(class_public_id, connection)
    # Named: each value is sent once however often the statement uses it.
    params = {
        "public_id": Application._meta.get_field("public_id").get_db_prep_value(
            public_id, connection
        ),
        "now": Application._meta.get_field("created_at").get_db_prep_value(now, connection),
        "rank": rank,
        "user": actor.pk,
        "key": idempotency_key,
        "class": class_key,
    }
    insert, titles, replay = _lottery_statements(connection)
    with prepared_cursor(connection) as cursor:
        cursor.execute(insert, params)
        made = cursor.fetchone()
        if made is None:
            if not idempotency_key:
                return None
            # Read after the INSERT settled (a racing copy has committed or rolled back).
            cursor.execute(replay, (actor.pk, idempotency_key, ClassStatus.DRAFT))
            first = cursor.fetchone()
            if first is None or (first[1], first[2]) != (class_key, rank):
                return None
            return _APPLICATION_ANSWERED.first(first[0])
        if titles:
            cursor.execute(titles, (made[1],))
            made = (*made[:3], *cursor.fetchone())
    application_id, class_id, learner_id, course_id, title_zh, title_en, term_id, term_code = made
    alias = connection.alias
    klass = instance(
        Class, alias, id=class_id, public_id=class_public_id, term_id=term_id, course_id=course_id
    )
    related(
        klass, "course", instance(Course, alias, id=course_id, title_zh=title_zh, title_en=title_en)
    )
    application = instance(
        Application,
        alias,
        id=application_id,
        public_id=public_id,
        created_at=now,
        updated_at=now,
        learner_id=learner_id,
        klass_id=class_id,
        term_id=term_id,
        rank=rank,
        status=ApplicationStatus.APPLIED,
        by_lottery=True,
        tier=None,
        in_target_group=None,
        waitlist_position=None,
        offer_expires_at=None,
        decided_at=None,
        submitted_by_id=actor.pk,
        idempotency_key=idempotency_key,
    )
    related(application, "klass", klass)
    related(application, "term", instance(Term, alias, id=term_id, code=term_code))
    return application


# A replayed key's application with what the answer shows, compiled once per connection.
_APPLICATION_ANSWERED = PreparedQuery(
    "enrollment.application_answered",
    Application,
    "id",
    lambda pk: Application.objects.select_related("klass__course", "term").filter(pk=pk),
    sentinel=2**31 - 1,
)


def _lottery_statements(connection: Any) -> tuple[str, str, str]:
    """The SQL of lottery_application_submit for this connection's database, written from the
    models' own table and column names, once per process: the INSERT ... SELECT, (where an
    INSERT cannot return joined columns, as on SQLite) the read of the answer's titles, and
    the read of the application the resident already made under a key (with its class, if
    that is not a draft, which is not found for anyone)."""
    if connection.vendor in _LOTTERY_SQL:
        return _LOTTERY_SQL[connection.vendor]

    def table(model: Any) -> str:
        return table_sql(model, connection)

    def col(model: Any, name: str) -> str:
        return column_sql(model, name, connection)

    a, c, t, d, co, le = Application, Class, Term, Draw, Course, Learner
    columns = ", ".join(
        col(a, name)
        for name in (
            *("public_id", "created_at", "updated_at", "learner", "rank", "status"),
            *("by_lottery", "submitted_by", "idempotency_key", "klass", "term"),
        )
    )
    insert = (
        f"INSERT INTO {table(a)} ({columns}) "  # noqa: S608 - names from the models, values as parameters, constants from the choices
        f"SELECT %(public_id)s, %(now)s, %(now)s, l.{col(le, 'id')}, %(rank)s, "
        f"{_constant(ApplicationStatus.APPLIED)}, TRUE, %(user)s, %(key)s, c.{col(c, 'id')}, "
        f"c.{col(c, 'term')} "
        f"FROM {table(c)} c JOIN {table(t)} t ON t.{col(t, 'id')} = c.{col(c, 'term')} "
        f"JOIN {table(le)} l ON l.{col(le, 'user')} = %(user)s "
        f"WHERE c.{col(c, 'public_id')} = %(class)s "
        f"AND c.{col(c, 'status')} = {_constant(ClassStatus.PUBLISHED)} "
        f"AND c.{col(c, 'rationing')} = {_constant(Rationing.LOTTERY)} "
        f"AND c.{col(c, 'applications_open_at')} <= %(now)s "
        f"AND %(now)s < c.{col(c, 'applications_close_at')} "
        f"AND %(rank)s <= t.{col(t, 'max_choices')} "
        f"AND EXISTS (SELECT 1 FROM {table(d)} d WHERE d.{col(d, 'term')} = c.{col(c, 'term')}) "
        f"AND NOT EXISTS (SELECT 1 FROM {table(d)} d WHERE d.{col(d, 'term')} = "
        f"c.{col(c, 'term')} AND d.{col(d, 'status')} = {_constant(DrawStatus.DRAWN)}) "
        f"ON CONFLICT DO NOTHING"
    )
    titles = (
        f"co.{col(co, 'id')}, co.{col(co, 'title_zh')}, co.{col(co, 'title_en')}, "
        f"t.{col(t, 'id')}, t.{col(t, 'code')} FROM {table(c)} c "
        f"JOIN {table(co)} co ON co.{col(co, 'id')} = c.{col(c, 'course')} "
        f"JOIN {table(t)} t ON t.{col(t, 'id')} = c.{col(c, 'term')}"
    )
    replay = (
        f"SELECT a.{col(a, 'id')}, c.{col(c, 'public_id')}, a.{col(a, 'rank')} "  # noqa: S608 - names from the models, values as parameters
        f"FROM {table(a)} a JOIN {table(le)} l ON l.{col(le, 'id')} = a.{col(a, 'learner')} "
        f"JOIN {table(c)} c ON c.{col(c, 'id')} = a.{col(a, 'klass')} "
        f"WHERE l.{col(le, 'user')} = %s AND a.{col(a, 'idempotency_key')} = %s "
        f"AND c.{col(c, 'status')} <> %s"
    )
    statements: tuple[str, str, str]
    if connection.vendor == "postgresql":
        statements = (
            f"WITH made AS ({insert} RETURNING {col(a, 'id')} AS id, {col(a, 'klass')} AS klass, "
            f"{col(a, 'learner')} AS learner) "
            f"SELECT made.id, made.klass, made.learner, {titles} "
            f"JOIN made ON made.klass = c.{col(c, 'id')}",
            "",
            replay,
        )
    else:
        statements = (
            f"{insert} RETURNING {col(a, 'id')}, {col(a, 'klass')}, {col(a, 'learner')}",
            f"SELECT {titles} WHERE c.{col(c, 'id')} = %s",
            replay,
        )
    _LOTTERY_SQL[connection.vendor] = statements
    return statements


_LOTTERY_SQL: dict[str, tuple[str, str, str]] = {}


def _constant(choice: str) -> str:
    """One of our own choices' values as an SQL literal (never anything a request carries)."""
    if not choice.isidentifier():
        raise ValueError(f"not a plain choice value: {choice!r}")
    return f"'{choice}'"


def _application_submit(
    *,
    actor: Any,
    learner: Learner,
    klass: Class,
    rank: int = 1,
    idempotency_key: str | None = None,
) -> Application:
    """The work of application_submit: the checks, then the write.

    First-come classes take a seat at once (or join the waiting list); lottery classes wait
    for the term's draw, whose seed commitment exists before the first application. The
    priority the draw uses (tier, target groups) is decided by the draw, for everyone at
    once."""
    if not _may_act_for(actor, learner):
        raise NotFound(_("No such learner."))
    now = clock.now()
    term = klass.term
    if klass.status != ClassStatus.PUBLISHED:
        raise _refuse(_("This class is not open for applications."), Code.CLASS_UNAVAILABLE)
    if not klass.applications_open_at <= now < klass.applications_close_at:
        raise _refuse(_("Applications for this class are not open now."), Code.WINDOW_CLOSED)
    if not 1 <= rank <= term.max_choices:
        raise ValidationFailed(
            _("Choose a rank from 1 to %(max)s.") % {"max": term.max_choices},
            code=Code.TOO_MANY_CHOICES,
            fields={"rank": [_("Choose a rank from 1 to %(max)s.") % {"max": term.max_choices}]},
        )
    by_lottery = klass.rationing == Rationing.LOTTERY
    application = Application(
        learner=learner,
        klass=klass,
        term=term,
        rank=rank,
        by_lottery=by_lottery,
        status=ApplicationStatus.APPLIED,
        submitted_by_id=getattr(actor, "pk", None),
        idempotency_key=idempotency_key,
    )
    if by_lottery and _term_drawn(klass):
        # The term has been drawn and this class reopened: a late applicant joins the end
        # of the waiting list (after everyone the draw placed), never a draw that is over.
        application.status = ApplicationStatus.WAITLISTED
    try:
        if by_lottery and not transaction.get_connection().in_atomic_block:
            # One INSERT in autocommit: the shortest hold of SQLite's write lock.
            application.save(force_insert=True)
        else:
            with transaction.atomic():
                if not by_lottery:
                    _take_first_come_seat(application, now, actor)
                application.save(force_insert=True)
    except IntegrityError:
        raise _duplicate_refusal(application) from None
    return application


_NOT_FETCHED = object()


def _term_drawn(klass: Class) -> bool:
    """Whether the class's term has been drawn; its seed is committed first if it has no draw
    yet. The status comes with the class when selectors.class_for_application fetched it."""
    status = getattr(klass, "term_draw_status", _NOT_FETCHED)
    if status is _NOT_FETCHED:
        status = Draw.objects.filter(term_id=klass.term_id).order_by().values_list("status").first()
        status = status[0] if status else None
    if status is None:
        status = draw_commit(term=klass.term).status
    return bool(status == DrawStatus.DRAWN)


def _take_first_come_seat(application: Application, now: dt.datetime, actor: Any) -> None:
    """A seat now or a waiting-list place, within the learner's cap for the term. The learner
    row is locked so two of their applications at once cannot both pass the cap. A seat taken
    is a place accepted: its subsidy and entitlement are committed with it."""
    term = application.term
    lock, count = _first_come_statements(transaction.get_connection())
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(lock, (application.learner_id,))
        # A statement of its own, so that it sees what a racing application committed.
        cursor.execute(count, (application.learner_id, term.pk, *SEAT_STATUSES))
        (holding,) = cursor.fetchone()
    if holding >= term.per_learner_cap:
        raise _refuse(
            _("You already hold the most classes allowed in this term (%(cap)s).")
            % {"cap": term.per_learner_cap},
            Code.CAP_REACHED,
        )
    if class_seat_take(class_id=application.klass_id):
        application.status = ApplicationStatus.ACCEPTED
        application.decided_at = now
        _commit_funding(actor, application)
    else:
        application.status = ApplicationStatus.WAITLISTED


def _first_come_statements(connection: Any) -> tuple[str, str]:
    """The first-come seat's two reads, written from the models' names: the learner's row
    locked (where the database locks rows; SQLite's write lock is the transaction's), and
    the count of the places she holds in the term. Compiling their querysets cost more than
    running them."""
    lo, ap = Learner, Application
    lock = (
        f"SELECT 1 FROM {table_sql(lo, connection)} "  # noqa: S608 - names from the models, values as parameters
        f"WHERE {column_sql(lo, 'id', connection)} = %s"
        + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    )
    count = (
        f"SELECT COUNT(*) FROM {table_sql(ap, connection)} "  # noqa: S608 - names from the models, values as parameters
        f"WHERE {column_sql(ap, 'learner', connection)} = %s "
        f"AND {column_sql(ap, 'term', connection)} = %s "
        f"AND {column_sql(ap, 'status', connection)} IN ({', '.join(['%s'] * len(SEAT_STATUSES))})"
    )
    return lock, count


def _duplicate_refusal(application: Application) -> Conflict:
    """Which unique constraint refused the application, in words the applicant can act on
    (read after the refusal, only to explain it)."""
    live = Application.objects.filter(learner_id=application.learner_id, status__in=LIVE_STATUSES)
    same_rank = live.filter(term_id=application.term_id, rank=application.rank, by_lottery=True)
    if (
        application.by_lottery
        and not live.filter(klass_id=application.klass_id).exists()
        and same_rank.exists()
    ):
        return _refuse(
            _("You already have a choice with this rank in this term."), Code.RANK_TAKEN, "rank"
        )
    # Also a key already used (the caller answers from its record).
    return _refuse(_("You have already applied for this class."), Code.ALREADY_APPLIED)


def _locked(actor: Any, public_id: Any) -> Application:
    application = (
        Application.objects.select_for_update()
        .select_related("learner", "klass", "term")
        .filter(public_id=public_id)
        .first()
    )
    if application is None or not _may_act_for(actor, application.learner):
        raise NotFound(_("No such application."))
    return application


def _set_status(application: Application, status: str, actor: Any, **extra: Any) -> None:
    before = application.status
    application.status = status
    application.decided_at = clock.now()
    for name, value in extra.items():
        setattr(application, name, value)
    application.save(update_fields=["status", "decided_at", "updated_at", *extra])
    audit_record(
        actor=actor,
        action=f"application.{status}",
        subject=f"application:{application.public_id}",
        data={"from": before, "class": str(application.klass.public_id)},
    )


def _source(application: Application) -> str:
    """The opaque key by which the money and credit ledgers name a place."""
    return f"enrollment:{application.public_id}"


def _commit_funding(actor: Any, application: Application) -> None:
    """Commit the place's subsidy (all three levels) and spend the learner's entitlement, in
    the acceptance's transaction; a short budget or entitlement refuses the acceptance."""
    funding.place_commit(
        actor=actor,
        learner=application.learner,
        klass=application.klass,
        source=_source(application),
    )


@transaction.atomic
def offer_accept(*, actor: Any, public_id: Any) -> Application:
    application = _locked(actor, public_id)
    if application.status == ApplicationStatus.ACCEPTED:
        return application  # a retry of the same acceptance
    if application.status != ApplicationStatus.OFFERED:
        raise _refuse(_("Only an offered place can be accepted."), Code.WRONG_STATUS)
    if application.offer_expires_at and application.offer_expires_at <= clock.now():
        raise _refuse(_("This offer has expired."), Code.OFFER_EXPIRED)
    _commit_funding(actor, application)
    _set_status(application, ApplicationStatus.ACCEPTED, actor)
    return application


@transaction.atomic
def offer_decline(*, actor: Any, public_id: Any) -> Application:
    application = _locked(actor, public_id)
    if application.status == ApplicationStatus.DECLINED:
        return application
    if application.status != ApplicationStatus.OFFERED:
        raise _refuse(_("Only an offered place can be declined."), Code.WRONG_STATUS)
    _set_status(application, ApplicationStatus.DECLINED, actor)
    _free_seat(application.klass_id)
    return application


@transaction.atomic
def application_withdraw(*, actor: Any, public_id: Any) -> Application:
    """Withdraw from a class at any point before it is completed; a held seat is freed.
    Before the class starts, the place's subsidy and entitlement are refunded (reversing
    entries); after, the provider is paid for the sessions attended when the class ends."""
    application = _locked(actor, public_id)
    if application.status == ApplicationStatus.WITHDRAWN:
        return application
    if application.status not in LIVE_STATUSES:
        raise _refuse(_("This application can no longer be withdrawn."), Code.WRONG_STATUS)
    held_seat = application.status in SEAT_STATUSES
    _set_status(application, ApplicationStatus.WITHDRAWN, actor)
    if held_seat:
        _free_seat(application.klass_id)
        if clock.today() < application.klass.first_session_on:
            funding.place_refund(
                actor=actor, source=_source(application), reason=_("Withdrawn before the class")
            )
    return application


def _free_seat(class_id: int) -> None:
    class_seat_release(class_id=class_id)
    # Imported here: tasks import this module to do their work.
    from learningcity.enrollment.tasks import promote_waitlist

    transaction.on_commit(lambda: promote_waitlist.enqueue(class_id))


@transaction.atomic
def waitlist_promote(*, class_id: int) -> list[Application]:
    """Offer freed seats to the waiting list, in its order, skipping learners who already
    hold as many classes as the term allows. Safe to run twice or concurrently: the class
    row is locked while it runs, and each offer takes its seat conditionally."""
    klass = Class.objects.select_for_update().select_related("term").get(pk=class_id)
    promoted: list[Application] = []
    # The draw's order first, then late and first-come applicants in the order they applied.
    waiting = Application.objects.filter(klass=klass, status=ApplicationStatus.WAITLISTED).order_by(
        F("draw_entries__waitlist_position").asc(nulls_last=True), "id"
    )
    expires = clock.now() + offer_ttl()
    for application in waiting:
        if klass.seats_taken + len(promoted) >= klass.capacity:
            break
        holding = Application.objects.filter(
            learner_id=application.learner_id, term=klass.term, status__in=SEAT_STATUSES
        ).count()
        if holding >= klass.term.per_learner_cap:
            continue
        if not class_seat_take(class_id=klass.pk):
            break
        _set_status(application, ApplicationStatus.OFFERED, None, offer_expires_at=expires)
        promoted.append(application)
    if promoted:
        _schedule_expiry(class_id, expires)
    return promoted


def _schedule_expiry(class_id: int, when: dt.datetime) -> None:
    from learningcity.enrollment.tasks import expire_offers

    transaction.on_commit(
        lambda: expire_offers.using(run_after=when + dt.timedelta(seconds=1)).enqueue(class_id)
    )


@transaction.atomic
def offers_expire(*, class_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Expire every offer past its time (of one class, or all); each freed seat goes down
    the waiting list. Returns how many expired."""
    now = now or clock.now()
    overdue = Application.objects.select_for_update().filter(
        status=ApplicationStatus.OFFERED, offer_expires_at__lte=now
    )
    if class_id is not None:
        overdue = overdue.filter(klass_id=class_id)
    expired = 0
    for application in overdue.select_related("klass"):
        _set_status(application, ApplicationStatus.EXPIRED, None)
        _free_seat(application.klass_id)
        expired += 1
    return expired


def draw_commit(*, term: Term) -> Draw:
    """Create the term's draw with a secret seed and publish its commitment, once."""
    existing = Draw.objects.filter(term=term).first()
    if existing is not None:
        return existing
    seed = secrets.token_hex(32)
    try:
        with transaction.atomic():
            return Draw.objects.create(
                term=term,
                algorithm=lottery.ALGORITHM,
                commitment=lottery.commitment(seed),
                seed_encrypted=crypto.encrypt(seed, context=SEED_CONTEXT),
            )
    except IntegrityError:  # another request committed it first: theirs stands
        return Draw.objects.get(term=term)


ENTRY_COLUMNS = (
    "draw_id",
    "application_id",
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


@transaction.atomic
def lottery_draw(*, actor: Any, term: Term, now: dt.datetime | None = None) -> DrawSummary:
    """Draw the term: every APPLIED application to its lottery classes gets an offer or a
    waiting-list place, recorded with the inputs so anyone can recompute it."""
    if not actor_scope(actor, Action.CHANGE).everything:
        raise PermissionDenied(_("Only the municipal administration runs a term's draw."))
    started = time.perf_counter()
    now = now or clock.now()
    draw = Draw.objects.select_for_update().filter(term=term).first()
    if draw is None:
        raise _refuse(_("No one has applied to this term's lottery classes."), Code.DRAW_NOT_READY)
    if draw.status == DrawStatus.DRAWN:
        raise _refuse(_("This term has already been drawn."), Code.DRAW_DONE)
    classes = list(
        Class.objects.select_for_update()
        .filter(term=term, rationing=Rationing.LOTTERY)
        .order_by("id")
    )
    if any(c.applications_close_at > now for c in classes):
        raise _refuse(
            _("Some lottery classes of this term are still taking applications."),
            Code.DRAW_NOT_READY,
        )
    applied = Application.objects.filter(
        term=term, status=ApplicationStatus.APPLIED, klass__rationing=Rationing.LOTTERY
    )
    rows = list(
        applied.values_list(
            "id", "public_id", "learner_id", "learner__public_id", "klass__public_id", "rank"
        )
    )
    # Priority is decided here, for every applicant at once, as of the draw's day; the draw
    # entries publish it with each choice, and the applications keep it.
    priority = learner_priorities(
        term=term, learners=applied.values("learner_id"), on=timezone.localdate(now)
    )
    by_public = {str(c.public_id): c for c in classes}
    seats = [
        lottery.Seats(key, max(c.capacity - c.seats_taken, 0), min(c.group_quota, c.capacity))
        for key, c in by_public.items()
    ]
    held_before = Counter(
        Application.objects.filter(term=term, status__in=SEAT_STATUSES).values_list(
            "learner__public_id", flat=True
        )
    )
    # Learners enter the draw (and its publication) by a keyed digest, never by their id.
    names = {
        learner: draw_learner_key(term_code=term.code, learner_public_id=learner)
        for learner in {row[3] for row in rows}
    }
    choices = [
        lottery.Choice(
            str(public),
            names[learner],
            str(klass),
            rank,
            *priority.get(learner_id, (Tier.FIRST_TIME, False)),
            held_before[learner],
        )
        for _id, public, learner_id, learner, klass, rank in rows
    ]
    seed = crypto.decrypt(draw.seed_encrypted, context=SEED_CONTEXT)
    result = lottery.draw(seed=seed, seats=seats, choices=choices, cap=term.per_learner_cap)
    ids = {str(public): pk for pk, public, *_rest in rows}
    learner_of = {str(public): names[learner] for _pk, public, _lid, learner, *_rest in rows}
    # Tens of thousands of entries: plain rows straight to the database (COPY on PostgreSQL).
    with inserting(DrawEntry._meta.db_table, ENTRY_COLUMNS) as write:
        for c in choices:
            outcome = result.outcomes[c.application]
            write(
                (
                    draw.pk,
                    ids[c.application],
                    c.rank,
                    c.tier,
                    c.in_group,
                    c.held,
                    outcome.offered,
                    outcome.round,
                    outcome.reason,
                    outcome.waitlist_position,
                    result.numbers[learner_of[c.application]],
                )
            )
    offered = [ids[a] for a, o in result.outcomes.items() if o.offered]
    waiting = [ids[a] for a, o in result.outcomes.items() if not o.offered]
    expires = now + offer_ttl()
    # One UPDATE per chunk of applications that share a result and a priority.
    decided: dict[tuple[bool, int, bool], list[int]] = defaultdict(list)
    for c in choices:
        decided[(result.outcomes[c.application].offered, c.tier, c.in_group)].append(
            ids[c.application]
        )
    for (was_offered, tier, in_group), pks in sorted(decided.items()):
        changes: dict[str, Any] = {"tier": tier, "in_target_group": in_group, "decided_at": now}
        if was_offered:
            changes.update(status=ApplicationStatus.OFFERED, offer_expires_at=expires)
        else:
            changes.update(status=ApplicationStatus.WAITLISTED)
        for chunk in _chunks(pks):
            Application.objects.filter(pk__in=chunk).update(**changes)
    per_class = Counter(c.klass for c in choices if result.outcomes[c.application].offered)
    for key, count in per_class.items():
        if not class_seats_take(class_id=by_public[key].pk, count=count):
            raise Conflict(_("A class had fewer seats than the draw gave; nothing was saved."))
    draw.seed = seed
    draw.seats = [[s.key, s.capacity, s.quota] for s in seats]
    draw.cap = term.per_learner_cap
    draw.inputs_digest = lottery.inputs_digest(seats, choices, term.per_learner_cap)
    draw.results_digest = result.digest()
    draw.status = DrawStatus.DRAWN
    draw.drawn_at = now
    draw.drawn_by_id = getattr(actor, "pk", None)
    draw.applications = len(choices)
    draw.seconds = round(time.perf_counter() - started, 3)
    draw.save()
    audit_record(
        actor=actor,
        action="lottery.draw",
        subject=f"term:{term.code}",
        data={
            "applications": len(choices),
            "offered": len(offered),
            "results_digest": draw.results_digest,
        },
    )
    for klass in classes:
        if per_class.get(str(klass.public_id)):
            _schedule_expiry(klass.pk, expires)
    return DrawSummary(
        term=term.code,
        applications=len(choices),
        offered=len(offered),
        waitlisted=len(waiting),
        seconds=draw.seconds,
        results_digest=draw.results_digest,
    )


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _access_class(actor: Any, klass: Class) -> Class:
    if not Class.objects.restrict(actor, Action.CHANGE).filter(pk=klass.pk).exists():
        raise NotFound(_("No such class."))
    return klass


@transaction.atomic
def sessions_schedule(*, actor: Any, klass: Class) -> list[Session]:
    """The class's weekly sessions from its first date; accepted places become enrolments.
    Running it again changes nothing."""
    _access_class(actor, klass)
    existing = {s.number: s for s in Session.objects.filter(klass=klass)}
    for number in range(1, klass.sessions + 1):
        if number not in existing:
            on = klass.first_session_on + dt.timedelta(weeks=number - 1)
            existing[number] = Session.objects.create(klass=klass, number=number, on=on)
    accepted = Application.objects.filter(klass=klass, status=ApplicationStatus.ACCEPTED)
    for application in accepted.select_related("klass"):
        _set_status(application, ApplicationStatus.ENROLLED, actor)
    return [existing[n] for n in sorted(existing)]


@transaction.atomic
def attendance_record(*, actor: Any, session: Session, marks: dict[int, bool]) -> int:
    """Mark who was present at a session (application id → present); a second roll call
    overwrites the first. Only enrolled learners of that class can be marked."""
    _access_class(actor, session.klass)
    enrolled = set(
        Application.objects.filter(
            klass=session.klass_id, status=ApplicationStatus.ENROLLED, pk__in=list(marks)
        ).values_list("pk", flat=True)
    )
    unknown = set(marks) - enrolled
    if unknown:
        message = _("Some learners are not enrolled in this class.")
        raise ValidationFailed(
            message, fields={"marks": [message]}, extra={"applications": sorted(unknown)}
        )
    for application_id, present in marks.items():
        Attendance.objects.update_or_create(
            session=session,
            application_id=application_id,
            defaults={"present": present, "recorded_by_id": getattr(actor, "pk", None)},
        )
    audit_record(
        actor=actor,
        action="attendance.record",
        subject=f"session:{session.pk}",
        data={"present": sum(marks.values()), "absent": len(marks) - sum(marks.values())},
    )
    return len(marks)


@transaction.atomic
def class_complete(*, actor: Any, klass: Class) -> list[CompletionEvent]:
    """Close the class: each enrolled learner completes if they attended at least the
    class's share of the sessions held. Returns the events the credit bank consumes."""
    _access_class(actor, klass)
    held = Session.objects.filter(klass=klass, marks__isnull=False).distinct().count()
    if held == 0:
        message = _("Take attendance for at least one session first.")
        raise ValidationFailed(message, fields={"sessions": [message]})
    events = []
    places: list[PlaceDelivery] = []
    enrolled = (
        Application.objects.select_for_update()
        .filter(klass=klass, status=ApplicationStatus.ENROLLED)
        .select_related("klass__course__provider")
    )
    for application in enrolled:
        attended = Attendance.objects.filter(application=application, present=True).count()
        rate = (Decimal(attended) * 100 / Decimal(held)).quantize(Decimal("0.01"))
        completed = rate >= klass.completion_min_attendance
        completion = Completion.objects.create(
            application=application,
            completed=completed,
            attendance_rate=rate,
            sessions_attended=attended,
            sessions_held=held,
            decided_by_id=getattr(actor, "pk", None),
        )
        status = ApplicationStatus.COMPLETED if completed else ApplicationStatus.NOT_COMPLETED
        _set_status(application, status, actor)
        event = completion_event(completion)
        _bank(event, application.klass)
        events.append(event)
        places.append(PlaceDelivery(_source(application), application.learner_id, attended, held))
    # Those who left after the class started: the provider is paid for what they attended.
    left = Application.objects.filter(klass=klass, status=ApplicationStatus.WITHDRAWN)
    for application in left:
        attended = Attendance.objects.filter(application=application, present=True).count()
        places.append(PlaceDelivery(_source(application), application.learner_id, attended, held))
    funding.class_deliver(actor=actor, klass=klass, places=places)
    return events


def _bank(event: CompletionEvent, klass: Class) -> None:
    """Record the completion in the learner's credit bank, in the same transaction: the
    platform saw the class, so the record is verified and its standard grants the credits."""
    course = klass.course
    record_from_completion(
        source=event.source,
        learner_id=event.learner_id,
        provider_code=event.provider_code,
        category=category_for_course(course.category),
        title=course.title_zh or course.title_en,
        course_code=course.code,
        completed=event.completed,
        attendance_rate=event.attendance_rate,
        # The hours the learner was there for, not the hours the course offered.
        hours=(event.hours * event.attendance_rate / 100).quantize(Decimal("0.1")),
        completed_on=clock.today(),
    )


def completion_event(completion: Completion) -> CompletionEvent:
    application = completion.application
    course = application.klass.course
    return CompletionEvent(
        source=f"enrollment:{application.public_id}",
        learner_id=application.learner_id,
        class_public_id=str(application.klass.public_id),
        course_code=course.code,
        provider_code=course.provider.code,
        completed=completion.completed,
        attendance_rate=completion.attendance_rate,
        hours=course.hours,
        decided_at=completion.created_at,
    )
