"""Applying in a burst: the database settles duplicates, the draw decides priority, and the
submission makes a fixed, small number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from learningcity.accounts.services import api_token_create, api_token_revoke, user_for_token
from learningcity.catalog.choices import ClassStatus, Rationing
from learningcity.catalog.models import Class
from learningcity.core import clock
from learningcity.core.errors import Conflict
from learningcity.core.models import AuditEntry, IdempotencyRecord
from learningcity.enrollment import selectors, services
from learningcity.enrollment.choices import APPLY_PER_MINUTE, Tier
from learningcity.enrollment.choices import ApplicationStatus as S
from learningcity.enrollment.models import Application, Draw, DrawEntry
from learningcity.enrollment.tests.factories import (
    close_window,
    make_class,
    make_resident,
    make_term,
)
from learningcity.learners.choices import TargetGroup
from learningcity.learners.models import Learner
from learningcity.learners.selectors import learner_target_groups
from learningcity.learners.services import membership_add, membership_verify
from learningcity.network.tests.factories import City


def apply(resident: Learner, klass: Class, rank: int = 1, key: str | None = None) -> Application:
    assert resident.user is not None
    return services.application_submit(
        actor=resident.user, learner=resident, klass=klass, rank=rank, idempotency_key=key
    )


def bearer(resident: Learner, key: str | None = None) -> dict[str, str]:
    assert resident.user is not None
    token = api_token_create(actor=None, user=resident.user, name="t").plaintext
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


def test_a_lottery_application_through_the_api_is_one_statement_after_the_token(
    city: City, client: Client, django_assert_num_queries: Any
) -> None:
    term = make_term(city)
    apply(make_resident(city), make_class(city, term))  # the term's seed is committed
    klass = make_class(city, term)
    resident = make_resident(city)
    headers = bearer(resident, key="tap-1")

    # token + user; then one INSERT ... SELECT that finds the learner and checks the class as
    # it writes
    # (on PostgreSQL it also returns the course's titles; SQLite reads them after)
    expected = 2 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(expected):
        response = client.post(
            "/api/v1/applications",
            {"class_id": str(klass.public_id), "rank": 1},
            content_type="application/json",
            headers=headers,
        )

    assert response.status_code == 201
    body = response.json()
    made = Application.objects.select_related("klass__course", "term").get(public_id=body["id"])
    assert (made.learner, made.idempotency_key, made.submitted_by) == (
        resident,
        "tap-1",
        resident.user,
    )
    assert (made.klass, made.term, made.rank, made.status, made.by_lottery) == (
        klass,
        term,
        1,
        S.APPLIED,
        True,
    )
    assert body == {
        "id": str(made.public_id),
        "class_id": str(klass.public_id),
        "course_title_zh": made.klass.course.title_zh,
        "course_title_en": "Piano for beginners",
        "term": term.code,
        "rank": 1,
        "status": "applied",
        "offer_expires_at": None,
        "decided_at": None,
    }


@pytest.mark.parametrize(
    "case",
    ["first_come", "window_closed", "not_published", "rank_too_high", "no_seed", "drawn", "staff"],
)
def test_the_one_statement_path_writes_nothing_when_the_case_is_not_plain(
    city: City, case: str
) -> None:
    # Given a lottery term whose seed is committed, and one unusual thing about the request
    term = make_term(city, choices=3)
    resident = make_resident(city)
    klass = make_class(city, term)
    if case != "no_seed":
        services.draw_commit(term=term)
    actor: Any = resident.user
    rank = 1
    if case == "first_come":
        klass.rationing = Rationing.FIRST_COME
    elif case == "window_closed":
        klass.applications_close_at = clock.now()
    elif case == "not_published":
        klass.status = ClassStatus.DRAFT
    elif case == "rank_too_high":
        rank = 4
    elif case == "drawn":
        Draw.objects.filter(term=term).update(status="drawn")
    elif case == "staff":
        actor = city.root
    klass.save()

    # When the burst's path is tried
    made = services.lottery_application_submit(
        actor=actor, class_public_id=klass.public_id, rank=rank
    )

    # Then it declines, leaving the case to application_submit, and writes nothing
    assert made is None
    assert not Application.objects.filter(learner=resident).exists()


def test_the_one_statement_path_returns_the_application_as_stored(city: City) -> None:
    term = make_term(city)
    resident = make_resident(city)
    klass = make_class(city, term)
    services.draw_commit(term=term)

    made = services.lottery_application_submit(
        actor=resident.user, class_public_id=klass.public_id, rank=2, idempotency_key="k"
    )

    # Every field is known (none left to read later) and equals the stored row
    assert made is not None
    assert made.get_deferred_fields() == set()
    stored = Application.objects.get(pk=made.pk)
    fields = [field.attname for field in Application._meta.concrete_fields]
    assert [getattr(made, name) for name in fields] == [getattr(stored, name) for name in fields]
    assert (made.klass.public_id, made.klass.course.title_zh, made.term.code) == (
        klass.public_id,
        klass.course.title_zh,
        term.code,
    )


def test_a_retried_key_gets_the_first_application_and_a_new_key_is_left_to_the_full_path(
    city: City,
) -> None:
    term = make_term(city)
    resident = make_resident(city)
    klass = make_class(city, term)
    services.draw_commit(term=term)
    first = services.lottery_application_submit(
        actor=resident.user, class_public_id=klass.public_id, idempotency_key="k"
    )
    assert first is not None

    again = services.lottery_application_submit(
        actor=resident.user, class_public_id=klass.public_id, idempotency_key="k"
    )
    other_key = services.lottery_application_submit(
        actor=resident.user, class_public_id=klass.public_id, idempotency_key="j"
    )

    assert again is not None
    assert (again.pk, again.klass.course.title_en, again.term.code) == (
        first.pk,
        "Piano for beginners",
        term.code,
    )
    assert other_key is None
    assert list(Application.objects.filter(learner=resident)) == [first]
    assert apply(resident, klass, key="k") == first


@pytest.mark.parametrize("case", ["other_class", "other_rank", "draft", "someone_else"])
def test_a_key_is_replayed_only_for_its_own_request_and_class(city: City, case: str) -> None:
    # Given a resident's first-come application under a key (the one-statement path never
    # makes those, so the replay is not only for its own applications)
    term = make_term(city, choices=3)
    resident = make_resident(city)
    klass = make_class(city, term, rationing=Rationing.FIRST_COME)
    apply(resident, klass, key="k")
    actor: Any = resident.user
    class_id, rank = klass.public_id, 1
    if case == "other_class":
        class_id = make_class(city, term, rationing=Rationing.FIRST_COME).public_id
    elif case == "other_rank":
        rank = 2
    elif case == "draft":
        Class.objects.filter(pk=klass.pk).update(status=ClassStatus.DRAFT)
    elif case == "someone_else":
        actor = make_resident(city).user

    # When the same key comes again with something different
    answer = services.lottery_application_submit(
        actor=actor, class_public_id=class_id, rank=rank, idempotency_key="k"
    )

    # Then the one-statement path leaves it to application_submit (which refuses or makes
    # a new application), and writes nothing
    assert answer is None
    assert Application.objects.count() == 1


def test_a_retry_of_a_first_come_application_is_answered_by_the_one_statement_path(
    city: City,
) -> None:
    term = make_term(city)
    resident = make_resident(city)
    klass = make_class(city, term, rationing=Rationing.FIRST_COME)
    first = apply(resident, klass, key="k")

    again = services.lottery_application_submit(
        actor=resident.user, class_public_id=klass.public_id, idempotency_key="k"
    )

    assert again is not None
    assert (again.pk, again.status, again.klass.public_id) == (
        first.pk,
        S.ACCEPTED,
        klass.public_id,
    )
    assert Application.objects.count() == 1


def test_the_database_holds_one_lottery_choice_per_rank(city: City) -> None:
    term = make_term(city)
    resident = make_resident(city)
    first = apply(resident, make_class(city, term), rank=1)
    second = make_class(city, term)

    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            learner=resident, klass=second, term=term, rank=1, by_lottery=True
        )

    assert first.by_lottery is True


def test_a_second_choice_with_a_taken_rank_is_refused_and_changes_nothing(city: City) -> None:
    term = make_term(city)
    resident = make_resident(city)
    apply(resident, make_class(city, term), rank=1)
    other = make_class(city, term)
    audits = AuditEntry.objects.count()

    with pytest.raises(Conflict) as excinfo:
        apply(resident, other, rank=1, key="other-tap")

    assert excinfo.value.code == "rank_taken"
    assert list(excinfo.value.fields) == ["rank"]
    assert Application.objects.count() == 1
    assert AuditEntry.objects.count() == audits
    assert not IdempotencyRecord.objects.filter(key="other-tap").exists()


def test_first_come_ranks_are_not_lottery_choices(city: City) -> None:
    term = make_term(city)
    resident = make_resident(city)
    apply(resident, make_class(city, term), rank=1)

    taken = apply(resident, make_class(city, term, rationing=Rationing.FIRST_COME), rank=1)

    assert (taken.status, taken.by_lottery) == (S.ACCEPTED, False)


def test_a_retry_after_the_window_closed_returns_the_first_application(city: City) -> None:
    klass = make_class(city, make_term(city))
    resident = make_resident(city)
    first = apply(resident, klass, key="tap-late")
    close_window(klass)

    again = apply(resident, klass, key="tap-late")

    assert again.pk == first.pk


def test_a_key_reused_for_another_class_is_refused(city: City) -> None:
    term = make_term(city)
    resident = make_resident(city)
    apply(resident, make_class(city, term), key="tap-1")

    with pytest.raises(Conflict) as excinfo:
        apply(resident, make_class(city, term), rank=2, key="tap-1")

    assert excinfo.value.code == "idempotency_key_reused"
    assert Application.objects.count() == 1


def test_a_retry_of_a_withdrawn_application_returns_it_and_makes_no_other(city: City) -> None:
    klass = make_class(city, make_term(city))
    resident = make_resident(city)
    first = apply(resident, klass, key="tap-1")
    services.application_withdraw(actor=resident.user, public_id=first.public_id)

    again = apply(resident, klass, key="tap-1")

    assert (again.pk, again.status) == (first.pk, S.WITHDRAWN)
    assert Application.objects.count() == 1


def test_the_seed_is_committed_even_for_a_class_fetched_without_its_draw(city: City) -> None:
    term = make_term(city)
    klass = make_class(city, term)
    fetched = selectors.class_for_application(public_id=klass.public_id)
    assert fetched.term_draw_status is None  # type: ignore[attr-defined]

    apply(make_resident(city), fetched)

    assert Draw.objects.filter(term=term).count() == 1
    refetched = selectors.class_for_application(public_id=klass.public_id)
    assert refetched.term_draw_status == "committed"  # type: ignore[attr-defined]


def _aged_and_member_and_returning(city: City) -> tuple[Learner, Learner, Learner, Learner]:
    aged = make_resident(city, birth_date=dt.date(1950, 5, 1))
    member = make_resident(city)
    membership = membership_add(
        actor=city.root,
        learner=member,
        group=TargetGroup.DISABLED,
        valid_from=clock.today() - dt.timedelta(days=30),
    )
    membership_verify(actor=city.root, membership_id=membership.pk, approve=True)
    lapsed = make_resident(city)
    old = membership_add(
        actor=city.root,
        learner=lapsed,
        group=TargetGroup.DISABLED,
        valid_from=clock.today() - dt.timedelta(days=400),
        valid_until=clock.today() - dt.timedelta(days=1),
    )
    membership_verify(actor=city.root, membership_id=old.pk, approve=True)
    returning = make_resident(city)
    earlier = make_class(city, make_term(city), rationing=Rationing.FIRST_COME)
    held = apply(returning, earlier)
    Application.objects.filter(pk=held.pk).update(status=S.COMPLETED)
    return aged, member, lapsed, returning


def test_bulk_priorities_agree_with_the_one_learner_rules(city: City) -> None:
    aged, member, lapsed, returning = _aged_and_member_and_returning(city)
    plain = make_resident(city)
    term = make_term(city)
    everyone = [aged, member, lapsed, returning, plain]

    priorities = selectors.learner_priorities(
        term=term,
        learners=Learner.objects.filter(pk__in=[x.pk for x in everyone]).values("pk"),
        on=clock.today(),
    )

    for learner in everyone:
        _tier, in_group = priorities.get(learner.pk, (Tier.FIRST_TIME, False))
        assert in_group == bool(learner_target_groups(learner=learner, on=clock.today()))
    assert priorities[returning.pk] == (Tier.RETURNING, False)
    assert priorities[aged.pk] == (Tier.FIRST_TIME, True)
    assert plain.pk not in priorities


def test_the_draw_decides_priority_and_publishes_it(city: City) -> None:
    aged, member, lapsed, returning = _aged_and_member_and_returning(city)
    term = make_term(city)
    klass = make_class(city, term, capacity=2, quota=1)
    applications = {r.pk: apply(r, klass) for r in (aged, member, lapsed, returning)}
    assert {a.tier for a in applications.values()} == {None}

    close_window(klass)
    services.lottery_draw(actor=city.root, term=term)

    stored = {
        a.learner_id: (a.tier, a.in_target_group) for a in Application.objects.filter(term=term)
    }
    assert stored == {
        aged.pk: (Tier.FIRST_TIME, True),
        member.pk: (Tier.FIRST_TIME, True),
        lapsed.pk: (Tier.FIRST_TIME, False),
        returning.pk: (Tier.RETURNING, False),
    }
    entries = {
        e.application.learner_id: (e.tier, e.in_group)
        for e in DrawEntry.objects.select_related("application")
    }
    assert entries == stored


def test_before_the_draw_the_explanation_shows_the_priority_it_would_use(city: City) -> None:
    aged, *_rest = _aged_and_member_and_returning(city)
    application = apply(aged, make_class(city, make_term(city)))

    explanation = selectors.application_explanation(
        application=selectors.access_application(viewer=aged.user, public_id=application.public_id)
    )

    assert (explanation.tier, explanation.in_group) == (Tier.FIRST_TIME, True)


def test_a_token_brings_the_learner_in_its_query_and_is_still_checked(
    city: City, django_assert_num_queries: Any
) -> None:
    resident = make_resident(city)
    assert resident.user is not None
    issued = api_token_create(actor=None, user=resident.user, name="t")

    with django_assert_num_queries(1):
        user = user_for_token(issued.plaintext, related=("user__learner",))
        assert user is not None
        assert user.learner.pk == resident.pk
    api_token_revoke(actor=None, token=issued.token)

    assert user_for_token(issued.plaintext, related=("user__learner",)) is None


@pytest.mark.django_db(transaction=True)
def test_two_choices_with_one_rank_at_once_leave_one(city: City) -> None:
    from tests.test_concurrency import run_together

    term = make_term(city)
    resident = make_resident(city)
    classes = [make_class(city, term) for _ in range(4)]

    def choose(klass: Class) -> Callable[[], Application]:
        return lambda: apply(resident, klass, rank=1)

    results, errors = run_together([choose(k) for k in classes])

    assert len(results) == 1
    assert [getattr(e, "code", e) for e in errors] == ["rank_taken"] * 3
    assert Application.objects.filter(learner=resident).count() == 1


def test_a_script_hammering_applications_is_slowed_down_with_429(
    city: City, client: Client
) -> None:
    term = make_term(city)
    klass = make_class(city, term)
    headers = bearer(make_resident(city))
    body = {"class_id": str(klass.public_id), "rank": 1}

    answers = [
        client.post("/api/v1/applications", body, content_type="application/json", headers=headers)
        for _ in range(APPLY_PER_MINUTE + 1)
    ]

    assert answers[0].status_code == 201
    assert {a.status_code for a in answers[1:-1]} == {409}  # already applied
    assert answers[-1].status_code == 429
    assert int(answers[-1]["Retry-After"]) >= 1
    assert Application.objects.filter(klass=klass).count() == 1
