"""Applications, rationing, offers and waitlists: no seat sold twice, no application lost."""

import datetime as dt
import io
import json
from decimal import ROUND_FLOOR, Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError

from learningcity.catalog.choices import Rationing
from learningcity.catalog.models import Class, Term
from learningcity.core import clock, lottery
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.creditbank.choices import RecordStatus
from learningcity.creditbank.models import LearningRecord
from learningcity.creditbank.tests.factories import make_bank
from learningcity.enrollment import selectors, services
from learningcity.enrollment.choices import ApplicationStatus as S
from learningcity.enrollment.choices import DrawStatus
from learningcity.enrollment.data import DrawSummary
from learningcity.enrollment.models import Application, Draw, DrawEntry
from learningcity.enrollment.tests.factories import (
    close_window,
    make_class,
    make_resident,
    make_term,
)
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City


def apply(resident: Learner, klass: Class, rank: int = 1, key: str | None = None) -> Application:
    assert resident.user is not None
    return services.application_submit(
        actor=resident.user, learner=resident, klass=klass, rank=rank, idempotency_key=key
    )


def test_first_come_takes_seats_then_waitlists(city: City) -> None:
    klass = make_class(city, make_term(city), capacity=2, rationing=Rationing.FIRST_COME)
    residents = [make_resident(city) for _ in range(3)]

    statuses = [apply(r, klass).status for r in residents]

    assert statuses == [S.ACCEPTED, S.ACCEPTED, S.WAITLISTED]
    klass.refresh_from_db()
    assert klass.seats_taken == 2


def test_a_retry_with_the_same_key_returns_the_first_application(city: City) -> None:
    klass = make_class(city, make_term(city))
    resident = make_resident(city)

    first = apply(resident, klass, key="tap-1")
    again = apply(resident, klass, key="tap-1")

    assert first.pk == again.pk
    assert Application.objects.count() == 1


def test_applying_twice_without_a_key_is_refused(city: City) -> None:
    klass = make_class(city, make_term(city))
    resident = make_resident(city)
    apply(resident, klass)

    with pytest.raises(Conflict) as excinfo:
        apply(resident, klass, rank=2)

    assert excinfo.value.code == "already_applied"


def test_applying_outside_the_window_is_refused(city: City) -> None:
    klass = make_class(city, make_term(city), open_=False)

    with pytest.raises(Conflict) as excinfo:
        apply(make_resident(city), klass)

    assert excinfo.value.code == "window_closed"
    assert Application.objects.count() == 0


def test_one_choice_per_rank_and_no_more_ranks_than_allowed(city: City) -> None:
    term = make_term(city, choices=2)
    resident = make_resident(city)
    apply(resident, make_class(city, term), rank=1)

    with pytest.raises(Conflict):
        apply(resident, make_class(city, term), rank=1)
    with pytest.raises(ValidationFailed) as excinfo:
        apply(resident, make_class(city, term), rank=3)

    assert list(excinfo.value.fields) == ["rank"]


def test_first_come_respects_the_term_cap(city: City) -> None:
    term = make_term(city, cap=1)
    resident = make_resident(city)
    apply(resident, make_class(city, term, rationing=Rationing.FIRST_COME))

    with pytest.raises(Conflict) as excinfo:
        apply(resident, make_class(city, term, rationing=Rationing.FIRST_COME))

    assert excinfo.value.code == "cap_reached"


def test_another_districts_officer_cannot_apply_for_a_resident(city: City) -> None:
    klass = make_class(city, make_term(city))
    resident = make_resident(city, district="a")

    with pytest.raises(NotFound):
        services.application_submit(actor=city.b.officer, learner=resident, klass=klass)

    assert Application.objects.count() == 0


def test_the_town_office_may_apply_on_a_residents_behalf(city: City) -> None:
    klass = make_class(city, make_term(city))
    resident = make_resident(city, district="a")

    application = services.application_submit(
        actor=city.a.town_officer, learner=resident, klass=klass
    )

    assert application.status == S.APPLIED


def test_the_seed_is_committed_before_the_first_lottery_application(city: City) -> None:
    term = make_term(city)
    apply(make_resident(city), make_class(city, term))

    draw = Draw.objects.get(term=term)

    assert draw.status == DrawStatus.COMMITTED
    assert draw.seed == ""
    assert len(draw.commitment) == 64


def draw_term(city: City, term: Term, classes: list[Class]) -> DrawSummary:
    for klass in classes:
        close_window(klass)
    return services.lottery_draw(actor=city.root, term=term)


def test_the_draw_offers_no_more_than_the_seats_and_waitlists_the_rest(city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term, capacity=3)
    for _ in range(10):
        apply(make_resident(city), klass)

    summary = draw_term(city, term, [klass])

    assert (summary.applications, summary.offered, summary.waitlisted) == (10, 3, 7)
    klass.refresh_from_db()
    assert klass.seats_taken == 3
    positions = sorted(
        p or 0
        for p in DrawEntry.objects.filter(offered=False).values_list("waitlist_position", flat=True)
    )
    assert positions == [1, 2, 3, 4, 5, 6, 7]
    assert AuditEntry.objects.filter(action="lottery.draw").count() == 1


def test_the_draw_respects_the_cap_across_ranked_choices(city: City) -> None:
    term = make_term(city, cap=1)
    piano, ballet = make_class(city, term, capacity=5), make_class(city, term, capacity=5)
    residents = [make_resident(city) for _ in range(4)]
    for resident in residents:
        apply(resident, piano, rank=1)
        apply(resident, ballet, rank=2)

    draw_term(city, term, [piano, ballet])

    for resident in residents:
        held = Application.objects.filter(learner=resident, status=S.OFFERED)
        assert [a.klass_id for a in held] == [piano.pk]


def test_the_draw_waits_for_every_window_to_close(city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term)
    apply(make_resident(city), klass)

    with pytest.raises(Conflict) as excinfo:
        services.lottery_draw(actor=city.root, term=term)

    assert excinfo.value.code == "draw_not_ready"


def test_only_the_municipal_administration_draws(city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term)
    apply(make_resident(city), klass)
    close_window(klass)

    with pytest.raises(PermissionDenied):
        services.lottery_draw(actor=city.a.officer, term=term)


def test_a_term_is_drawn_once(city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term)
    apply(make_resident(city), klass)
    draw_term(city, term, [klass])

    with pytest.raises(Conflict) as excinfo:
        services.lottery_draw(actor=city.root, term=term)

    assert excinfo.value.code == "draw_done"


def test_the_published_draw_verifies_and_a_tampered_one_does_not(city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term, capacity=2)
    for _ in range(6):
        apply(make_resident(city), klass)
    draw_term(city, term, [klass])
    draw = Draw.objects.get(term=term)
    assert lottery.commitment(draw.seed) == draw.commitment
    out = io.StringIO()

    call_command("lottery", "verify", term.code, stdout=out)

    assert "verifies" in out.getvalue()
    DrawEntry.objects.filter(draw=draw, offered=False).update(offered=True)
    with pytest.raises(CommandError, match="does NOT verify"):
        call_command(
            "lottery", "verify", str(klass.public_id), stdout=io.StringIO(), stderr=io.StringIO()
        )


def test_the_published_draw_names_no_learner_by_their_public_id(city: City) -> None:
    """A learner's public id is on their credentials beside their name: the publication
    names learners by a per-term digest instead, and still recomputes."""
    term = make_term(city)
    klass = make_class(city, term, capacity=1)
    residents = [make_resident(city) for _ in range(3)]
    for resident in residents:
        apply(resident, klass)
    draw_term(city, term, [klass])

    publication = selectors.draw_publication(draw=Draw.objects.get(term=term))

    text = json.dumps(publication)
    assert not any(str(r.public_id) in text for r in residents)
    assert {e["learner"] for e in publication["entries"]} == {
        selectors.draw_learner_key(term_code=term.code, learner_public_id=r.public_id)
        for r in residents
    }
    assert lottery.verify_publication(publication) == []


def test_a_draw_made_before_learner_digests_still_verifies(
    city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    term = make_term(city)
    klass = make_class(city, term, capacity=1)
    for _ in range(3):
        apply(make_resident(city), klass)
    with monkeypatch.context() as before:
        before.setattr(
            services,
            "draw_learner_key",
            lambda *, term_code, learner_public_id: str(learner_public_id),
        )
        draw_term(city, term, [klass])

    publication = selectors.draw_publication(draw=Draw.objects.get(term=term))

    assert lottery.verify_publication(publication) == []


def test_a_learner_without_a_login_is_not_the_anonymous_visitor(city: City) -> None:
    klass = make_class(city, make_term(city))
    learner = make_learner(actor=city.root, area=city.a.neighbourhood)
    application = services.application_submit(actor=city.a.officer, learner=learner, klass=klass)

    with pytest.raises(NotFound):
        selectors.access_application(viewer=AnonymousUser(), public_id=application.public_id)
    assert not selectors.applications_of(viewer=AnonymousUser(), learner=learner).exists()


def test_accepting_then_declining_rules(city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term, capacity=1)
    winner, other = make_resident(city), make_resident(city)
    apply(winner, klass)
    apply(other, klass)
    draw_term(city, term, [klass])
    offered = Application.objects.get(status=S.OFFERED)

    with pytest.raises(NotFound):  # someone else's offer
        services.offer_accept(actor=city.b.officer, public_id=offered.public_id)
    accepted = services.offer_accept(actor=offered.learner.user, public_id=offered.public_id)

    assert accepted.status == S.ACCEPTED
    with pytest.raises(Conflict):
        services.offer_decline(actor=offered.learner.user, public_id=offered.public_id)


def test_a_declined_offer_goes_to_the_next_on_the_waiting_list(city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term, capacity=1)
    for _ in range(3):
        apply(make_resident(city), klass)
    draw_term(city, term, [klass])
    offered = Application.objects.get(status=S.OFFERED)
    first_waiting = DrawEntry.objects.get(waitlist_position=1).application

    services.offer_decline(actor=offered.learner.user, public_id=offered.public_id)
    promoted = services.waitlist_promote(class_id=klass.pk)

    assert [a.pk for a in promoted] == [first_waiting.pk]
    klass.refresh_from_db()
    assert klass.seats_taken == 1
    assert services.waitlist_promote(class_id=klass.pk) == []  # running again changes nothing


def test_expired_offers_free_their_seats(city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term, capacity=1)
    for _ in range(2):
        apply(make_resident(city), klass)
    draw_term(city, term, [klass])

    expired = services.offers_expire(now=clock.now() + dt.timedelta(days=30))
    promoted = services.waitlist_promote(class_id=klass.pk)

    assert expired == 1
    assert Application.objects.filter(status=S.EXPIRED).count() == 1
    assert [a.status for a in promoted] == [S.OFFERED]


def test_an_expired_offer_cannot_be_accepted(city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term, capacity=1)
    apply(make_resident(city), klass)
    draw_term(city, term, [klass])
    offered = Application.objects.get(status=S.OFFERED)
    Application.objects.filter(pk=offered.pk).update(
        offer_expires_at=clock.now() - dt.timedelta(seconds=1)
    )

    with pytest.raises(Conflict) as excinfo:
        services.offer_accept(actor=offered.learner.user, public_id=offered.public_id)

    assert excinfo.value.code == "offer_expired"


def test_withdrawing_a_first_come_place_frees_the_seat(city: City) -> None:
    klass = make_class(city, make_term(city), capacity=1, rationing=Rationing.FIRST_COME)
    holder = make_resident(city)
    application = apply(holder, klass)

    services.application_withdraw(actor=holder.user, public_id=application.public_id)

    klass.refresh_from_db()
    assert klass.seats_taken == 0
    assert Application.objects.get(pk=application.pk).status == S.WITHDRAWN


# Transactional: the real worker commits and closes connections, as it does in production.
@pytest.mark.django_db(transaction=True)
def test_promotion_runs_as_a_background_task(city: City) -> None:
    klass = make_class(city, make_term(city), capacity=1, rationing=Rationing.FIRST_COME)
    holder, waiting = make_resident(city), make_resident(city)
    held = apply(holder, klass)
    queued = apply(waiting, klass)

    services.application_withdraw(actor=holder.user, public_id=held.public_id)
    call_command(
        "db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO()
    )

    queued.refresh_from_db()
    assert queued.status == S.OFFERED


def test_attendance_decides_completion(city: City) -> None:
    klass = make_class(city, make_term(city), capacity=2, rationing=Rationing.FIRST_COME)
    keen, absent = make_resident(city), make_resident(city)
    keen_app, absent_app = apply(keen, klass), apply(absent, klass)
    sessions = services.sessions_schedule(actor=city.a.school_admin, klass=klass)
    for session in sessions:
        services.attendance_record(
            actor=city.a.school_admin,
            session=session,
            marks={keen_app.pk: True, absent_app.pk: False},
        )

    events = services.class_complete(actor=city.a.school_admin, klass=klass)

    assert [(e.source, e.completed, str(e.attendance_rate)) for e in events] == [
        (f"enrollment:{keen_app.public_id}", True, "100.00"),
        (f"enrollment:{absent_app.public_id}", False, "0.00"),
    ]
    assert Application.objects.get(pk=keen_app.pk).status == S.COMPLETED


def test_completion_lands_in_the_credit_bank(city: City) -> None:
    make_bank(city)  # the Service Center's leisure standard: 15 hours a credit, 80 % attendance
    klass = make_class(city, make_term(city), capacity=2, rationing=Rationing.FIRST_COME)
    keen, absent = make_resident(city), make_resident(city)
    keen_app, absent_app = apply(keen, klass), apply(absent, klass)
    for session in services.sessions_schedule(actor=city.a.school_admin, klass=klass):
        services.attendance_record(
            actor=city.a.school_admin,
            session=session,
            marks={keen_app.pk: True, absent_app.pk: False},
        )

    services.class_complete(actor=city.a.school_admin, klass=klass)
    services.class_complete(actor=city.a.school_admin, klass=klass)  # a second click

    record = LearningRecord.objects.get(external_id=f"enrollment:{keen_app.public_id}")
    assert record.status == RecordStatus.VERIFIED
    assert record.account.learner == keen
    assert record.hours == klass.course.hours
    assert record.credits == (klass.course.hours / 15).quantize(Decimal("0.1"), ROUND_FLOOR)
    missed = LearningRecord.objects.get(external_id=f"enrollment:{absent_app.public_id}")
    assert missed.credits == 0 and missed.passed is False
    assert LearningRecord.objects.count() == 2


def test_another_providers_staff_cannot_take_attendance(city: City) -> None:
    klass = make_class(city, make_term(city), rationing=Rationing.FIRST_COME)
    application = apply(make_resident(city), klass)
    sessions = services.sessions_schedule(actor=city.a.school_admin, klass=klass)

    with pytest.raises(NotFound):
        services.attendance_record(
            actor=city.b.school_admin, session=sessions[0], marks={application.pk: True}
        )


def test_attendance_only_for_enrolled_learners(city: City) -> None:
    klass = make_class(city, make_term(city), rationing=Rationing.FIRST_COME)
    sessions = services.sessions_schedule(actor=city.a.school_admin, klass=klass)
    stranger = apply(
        make_resident(city), make_class(city, klass.term, rationing=Rationing.FIRST_COME)
    )

    with pytest.raises(ValidationFailed):
        services.attendance_record(
            actor=city.a.school_admin, session=sessions[0], marks={stranger.pk: True}
        )


def test_seats_never_exceed_capacity_even_if_asked(city: City) -> None:
    klass = make_class(city, make_term(city), capacity=1, rationing=Rationing.FIRST_COME)
    from learningcity.catalog.services import class_seat_take

    assert class_seat_take(class_id=klass.pk) is True
    assert class_seat_take(class_id=klass.pk) is False
    assert Class.objects.get(pk=klass.pk).seats_taken == 1
