"""Completions into the credit bank: registered activity + known actor = one learning record
per statement; everything else is stored and says why not; voiding takes the record back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from learningcity.creditbank.choices import RecordChannel, RecordStatus
from learningcity.creditbank.models import LearningRecord
from learningcity.creditbank.services import account_for
from learningcity.creditbank.tests.factories import make_resident
from learningcity.network.tests.factories import City
from learningcity.xapi import selectors, services
from learningcity.xapi.choices import CreditOutcome
from learningcity.xapi.models import Statement
from learningcity.xapi.tasks import credit_statements
from learningcity.xapi.tests.factories import (
    EXPERIENCED,
    PASSED,
    VOIDED,
    activity_id,
    issue,
    new_id,
    register,
    statement,
)


def _account_actor(number: str) -> dict[str, object]:
    return {"account": {"homePage": settings.CREDENTIALS_BASE_URL, "name": number}}


def _store(city: City, *values: dict[str, object]) -> list[str]:
    issued = issue(city)
    ids = services.statements_store(credential=issued.credential, statements=list(values))
    services.statements_credit(provider_id=city.a.college.pk)
    return ids


def _outcome(statement_id: str) -> Statement:
    return Statement.objects.get(statement_id=statement_id)


def test_a_completion_by_an_account_becomes_one_record(city: City) -> None:
    learner = make_resident(city)
    number = account_for(learner.pk).number
    course = activity_id()
    register(city, course, hours="12")
    (statement_id,) = _store(
        city,
        statement(
            actor=_account_actor(number),
            obj={"id": course},
            result={"score": {"scaled": 0.85}, "completion": True},
            timestamp="2026-03-15T10:00:00+08:00",
        ),
    )
    record = LearningRecord.objects.get(external_id=f"xapi:{statement_id}")
    assert record.channel == RecordChannel.XAPI
    assert record.provider_id == city.a.college.pk
    assert record.hours == Decimal("12.0")
    assert record.score == Decimal("85.00")
    assert record.completed_on == dt.date(2026, 3, 15)
    assert str(record.statement_id) == statement_id
    assert _outcome(statement_id).credit_outcome == CreditOutcome.CREATED
    assert _outcome(statement_id).credit_record == record.public_id


def test_reading_twice_makes_no_second_record(city: City) -> None:
    learner = make_resident(city)
    course = activity_id()
    register(city, course)
    (statement_id,) = _store(
        city, statement(actor=_account_actor(account_for(learner.pk).number), obj={"id": course})
    )
    Statement.objects.filter(statement_id=statement_id).update(credit_outcome=CreditOutcome.PENDING)
    services.statements_credit(provider_id=city.a.college.pk)
    assert LearningRecord.objects.filter(external_id=f"xapi:{statement_id}").count() == 1


def test_a_residents_login_email_names_the_learner(city: City) -> None:
    learner = make_resident(city)
    assert learner.user is not None
    learner.user.email = "wang@example.org"
    learner.user.save(update_fields=["email"])
    course = activity_id()
    register(city, course)
    (statement_id,) = _store(
        city, statement(actor={"mbox": "mailto:Wang@example.org"}, obj={"id": course}, verb=PASSED)
    )
    record = LearningRecord.objects.get(external_id=f"xapi:{statement_id}")
    assert record.account.learner_id == learner.pk
    assert record.passed is True


def test_unknown_activity_unknown_actor_and_failure_say_why(city: City) -> None:
    learner = make_resident(city)
    number = account_for(learner.pk).number
    course = activity_id()
    register(city, course)
    unknown_activity, unknown_actor, failed, other_verb = _store(
        city,
        statement(actor=_account_actor(number), obj={"id": activity_id()}),
        statement(actor={"mbox": "mailto:nobody@example.org"}, obj={"id": course}),
        statement(
            actor=_account_actor(number), obj={"id": course}, verb=PASSED, result={"success": False}
        ),
        statement(actor=_account_actor(number), obj={"id": course}, verb=EXPERIENCED),
    )
    assert _outcome(unknown_activity).credit_outcome == CreditOutcome.UNKNOWN_ACTIVITY
    assert _outcome(unknown_actor).credit_outcome == CreditOutcome.UNKNOWN_ACTOR
    assert _outcome(failed).credit_outcome == CreditOutcome.NOT_PASSED
    assert _outcome(other_verb).credit_outcome == CreditOutcome.NONE
    assert LearningRecord.objects.filter(channel=RecordChannel.XAPI).count() == 0
    lines = selectors.outcomes_of(viewer=city.root, provider=city.a.college)
    assert {line.outcome for line in lines} == {
        CreditOutcome.UNKNOWN_ACTIVITY,
        CreditOutcome.UNKNOWN_ACTOR,
        CreditOutcome.NOT_PASSED,
    }


def test_an_activity_registered_by_another_provider_earns_nothing_here(city: City) -> None:
    learner = make_resident(city)
    course = activity_id()
    register(city, course, provider=city.b.college)
    (statement_id,) = _store(
        city, statement(actor=_account_actor(account_for(learner.pk).number), obj={"id": course})
    )
    assert _outcome(statement_id).credit_outcome == CreditOutcome.UNKNOWN_ACTIVITY


def test_voiding_a_completion_asks_the_credit_bank_to_take_the_record_back(city: City) -> None:
    learner = make_resident(city)
    course = activity_id()
    register(city, course)
    issued = issue(city)
    target = new_id()
    services.statements_store(
        credential=issued.credential,
        statements=[
            {
                **statement(
                    actor=_account_actor(account_for(learner.pk).number), obj={"id": course}
                ),
                "id": target,
            }
        ],
    )
    services.statements_credit(provider_id=city.a.college.pk)
    services.statements_store(
        credential=issued.credential,
        statements=[statement(verb=VOIDED, obj={"objectType": "StatementRef", "id": target})],
    )
    assert _outcome(target).credit_outcome == CreditOutcome.VOID_PENDING
    services.statements_credit(provider_id=city.a.college.pk)
    record = LearningRecord.objects.get(external_id=f"xapi:{target}")
    outcome = _outcome(target).credit_outcome
    # The credit bank withdraws the submitted record when the platform asks for the provider
    assert (outcome, record.status) == (CreditOutcome.REVOKED, RecordStatus.REJECTED)


def test_a_completion_voided_before_it_is_read_makes_no_record(city: City) -> None:
    learner = make_resident(city)
    course = activity_id()
    register(city, course)
    issued = issue(city)
    target = new_id()
    services.statements_store(
        credential=issued.credential,
        statements=[
            {
                **statement(
                    actor=_account_actor(account_for(learner.pk).number), obj={"id": course}
                ),
                "id": target,
            },
            statement(verb=VOIDED, obj={"objectType": "StatementRef", "id": target}),
        ],
    )
    services.statements_credit(provider_id=city.a.college.pk)
    assert _outcome(target).credit_outcome == CreditOutcome.NONE
    assert not LearningRecord.objects.filter(external_id=f"xapi:{target}").exists()


def test_a_batch_that_only_voids_a_credited_statement_queues_the_revocation(
    city: City, django_capture_on_commit_callbacks: Any
) -> None:
    learner = make_resident(city)
    course = activity_id()
    register(city, course)
    issued = issue(city)
    target = new_id()
    completion = statement(actor=_account_actor(account_for(learner.pk).number), obj={"id": course})
    services.statements_store(
        credential=issued.credential, statements=[{**completion, "id": target}]
    )
    services.statements_credit(provider_id=city.a.college.pk)
    queued = DBTaskResult.objects.filter(
        task_path=credit_statements.module_path, status=TaskResultStatus.READY
    )
    before = queued.count()
    # When the provider sends a batch with nothing but the voiding statement
    with django_capture_on_commit_callbacks(execute=True):
        services.statements_store(
            credential=issued.credential,
            statements=[statement(verb=VOIDED, obj={"objectType": "StatementRef", "id": target})],
        )
    # Then the credit bank is asked to take the record back, without waiting for another
    # completion to arrive
    assert _outcome(target).credit_outcome == CreditOutcome.VOID_PENDING
    assert queued.count() == before + 1
    assert queued.order_by("-enqueued_at")[0].args_kwargs["args"] == [city.a.college.pk]
