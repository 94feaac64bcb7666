"""Many people registering at once: real threads, each with its own database connection, on
whichever database the suite runs (SQLite in WAL mode, or PostgreSQL). The event never
overfills, and every acknowledged registration is stored once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from learningcity.events import services
from learningcity.events.choices import RegistrationStatus as S
from learningcity.events.models import Event, Registration
from learningcity.events.tests.factories import make_event, make_resident
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


def test_twenty_people_racing_for_five_places_never_overfill(city: City) -> None:
    event = make_event(city, capacity=5)
    residents = [make_resident(city) for _ in range(20)]

    def registering(resident: Learner) -> Callable[[], Any]:
        return lambda: services.registration_create(
            actor=resident.user, learner=resident, event=event
        )

    results, errors = run_together([registering(r) for r in residents])

    assert errors == []
    assert [r.status for r in results].count(S.REGISTERED) == 5
    assert Event.objects.get(pk=event.pk).seats_taken == 5
    assert Registration.objects.filter(status=S.REGISTERED).count() == 5
    assert Registration.objects.filter(status=S.WAITLISTED).count() == 15
    positions = sorted(Registration.objects.values_list("position", flat=True))
    assert positions == list(range(1, 21))
    assert sorted(r.pk for r in results) == sorted(
        Registration.objects.values_list("pk", flat=True)
    )


def test_the_same_tap_sent_eight_times_at_once_registers_once(city: City) -> None:
    event = make_event(city, capacity=3)
    resident = make_resident(city)

    results, errors = run_together(
        [
            lambda: services.registration_create(
                actor=resident.user, learner=resident, event=event, idempotency_key="tap"
            )
            for _ in range(8)
        ]
    )

    stored = Registration.objects.get()
    assert errors == []
    assert [r.pk for r in results] == [stored.pk] * 8
    assert Event.objects.get(pk=event.pk).seats_taken == 1


def test_cancellations_racing_registrations_never_overfill(city: City) -> None:
    event = make_event(city, capacity=2)
    holders = [make_resident(city) for _ in range(2)]
    held = [services.registration_create(actor=h.user, learner=h, event=event) for h in holders]
    newcomers = [make_resident(city) for _ in range(6)]

    def cancelling(holder: Learner, registration: Registration) -> Callable[[], Any]:
        return lambda: services.registration_cancel(
            actor=holder.user, public_id=registration.public_id
        )

    def registering(learner: Learner) -> Callable[[], Any]:
        return lambda: services.registration_create(
            actor=learner.user, learner=learner, event=event
        )

    jobs = [cancelling(h, r) for h, r in zip(holders, held, strict=True)]
    jobs += [registering(n) for n in newcomers]

    _results, errors = run_together(jobs)

    assert errors == []
    assert Event.objects.get(pk=event.pk).seats_taken == 2
    assert Registration.objects.filter(status=S.REGISTERED).count() == 2
    assert Registration.objects.filter(status=S.WAITLISTED).count() == 4
