"""Many people at once: real threads, each with its own database connection, on whichever
database the suite runs (SQLite file in WAL mode, or PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from learningcity.catalog.choices import Rationing
from learningcity.catalog.models import Class
from learningcity.enrollment import services
from learningcity.enrollment.choices import ApplicationStatus as S
from learningcity.enrollment.models import Application
from learningcity.enrollment.tests.factories import make_class, make_resident, make_term
from learningcity.learners.models import Learner
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Start every job at the same instant on its own thread; collect results and errors."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(job: Callable[[], Any]) -> None:
        try:
            start.wait()
            value = job()
            with lock:
                results.append(value)
        except BaseException as exc:  # every failure is reported to the test
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_sixteen_people_racing_for_three_seats_never_oversell(city: City) -> None:
    klass = make_class(city, make_term(city), capacity=3, rationing=Rationing.FIRST_COME)
    residents = [make_resident(city) for _ in range(16)]

    def submit(resident: Learner) -> Callable[[], Application]:
        return lambda: services.application_submit(
            actor=resident.user, learner=resident, klass=klass
        )

    results, errors = run_together([submit(r) for r in residents])

    assert errors == []
    assert sorted(a.status for a in results).count(S.ACCEPTED) == 3
    assert Class.objects.get(pk=klass.pk).seats_taken == 3
    assert Application.objects.filter(status=S.ACCEPTED).count() == 3
    # every acknowledged application is stored, exactly once
    assert sorted(a.pk for a in results) == sorted(Application.objects.values_list("pk", flat=True))


def test_the_same_tap_sent_eight_times_at_once_makes_one_application(city: City) -> None:
    klass = make_class(city, make_term(city), capacity=5)
    resident = make_resident(city)

    results, errors = run_together(
        [
            lambda: services.application_submit(
                actor=resident.user, learner=resident, klass=klass, idempotency_key="double-tap"
            )
            for _ in range(8)
        ]
    )

    assert Application.objects.count() == 1
    stored = Application.objects.get()
    # every copy of the tap is answered with that one application, none with a refusal
    assert errors == []
    assert [a.pk for a in results] == [stored.pk] * 8


def test_racing_promotions_offer_a_freed_seat_once(city: City) -> None:
    klass = make_class(city, make_term(city), capacity=1, rationing=Rationing.FIRST_COME)
    holder = make_resident(city)
    held = services.application_submit(actor=holder.user, learner=holder, klass=klass)
    for _ in range(5):
        waiting = make_resident(city)
        services.application_submit(actor=waiting.user, learner=waiting, klass=klass)
    services.application_withdraw(actor=holder.user, public_id=held.public_id)

    results, errors = run_together(
        [lambda: services.waitlist_promote(class_id=klass.pk) for _ in range(6)]
    )

    assert errors == []
    assert sum(len(r) for r in results) == 1
    assert Application.objects.filter(status=S.OFFERED).count() == 1
    assert Class.objects.get(pk=klass.pk).seats_taken == 1
