"""Retries racing each other: real threads, each with its own connection, on the database the
suite runs. A join, a founding or an hours record sent several times at once makes one row."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from learningcity.communities import services
from learningcity.communities.choices import TeamTopic
from learningcity.communities.models import LearningTeam, TeamMembership, VolunteerHours
from learningcity.communities.tests.factories import make_resident, make_team
from learningcity.core import clock
from learningcity.network.tests.factories import City

pytestmark = pytest.mark.django_db(transaction=True)

COPIES = 6


def run_together(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    start = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(job: Callable[[], Any]) -> None:
        try:
            start.wait()
            result = job()
            with lock:
                results.append(result)
        except BaseException as exc:  # every failure is reported to the test
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def test_copies_of_a_join_make_one_request(city: City) -> None:
    team = make_team(city)
    neighbour = make_resident(city)

    results, errors = run_together(
        [lambda: services.team_join(actor=neighbour.user, public_id=team.public_id)] * COPIES
    )

    assert errors == []
    assert len({m.pk for m in results}) == 1
    assert TeamMembership.objects.filter(team=team, learner=neighbour).count() == 1


def test_copies_of_a_founding_with_one_key_make_one_team(city: City) -> None:
    founder = make_resident(city)

    def found() -> LearningTeam:
        return services.team_apply(
            actor=founder.user,
            name_zh="书法社",
            topic=TeamTopic.CALLIGRAPHY,
            town=city.a.town,
            meeting_place="活动室",
            schedule="每周五",
            idempotency_key="same-tap",
        )

    results, errors = run_together([found] * COPIES)

    assert errors == []
    assert len({t.pk for t in results}) == 1
    assert LearningTeam.objects.filter(founder=founder).count() == 1


def test_copies_of_an_hours_record_with_one_key_make_one_record(city: City) -> None:
    volunteer = make_resident(city)
    profile = services.volunteer_offer(
        actor=volunteer.user,
        display_name="陈老师",
        skills="书法",
        languages=["zh"],
        availability=["weekend"],
        district_codes=[city.a.area.code],
    )
    invitation = services.volunteer_invite(
        actor=city.a.school_admin,
        volunteer_id=profile.public_id,
        organization=city.a.school,
        subject="书法",
    )
    services.invitation_respond(actor=volunteer.user, public_id=invitation.public_id, accept=True)

    def record() -> VolunteerHours:
        return services.hours_record(
            actor=city.a.school_admin,
            public_id=invitation.public_id,
            taught_on=clock.today() - dt.timedelta(days=1),
            hours=Decimal("2.0"),
            idempotency_key="session-1",
        )

    results, errors = run_together([record] * COPIES)

    assert errors == []
    assert len({r.pk for r in results}) == 1
    assert VolunteerHours.objects.count() == 1
