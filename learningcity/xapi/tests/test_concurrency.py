"""Concurrent writes (row locks on PostgreSQL, one writer at a time on SQLite): two first
writes of one document with If-None-Match: * (one wins, the other 412), merges that both
land, one statement id sent twice at once, and a statement and its voiding sent at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from learningcity.network.tests.factories import City
from learningcity.xapi import services
from learningcity.xapi.choices import DocumentKind
from learningcity.xapi.errors import PreconditionFailed
from learningcity.xapi.models import Document, Statement
from learningcity.xapi.services.documents import DocumentKey
from learningcity.xapi.tests.factories import VOIDED, issue, new_id, statement

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results.append(job())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_two_first_writes_with_if_none_match_one_wins(city: City) -> None:
    credential = issue(city).credential
    key = DocumentKey(kind=DocumentKind.ACTIVITY_PROFILE, activity_hash="a" * 40, document_id="p")

    def write(n: int) -> Callable[[], Any]:
        return lambda: services.document_write(
            credential=credential,
            key=key,
            content=json.dumps({"n": n}).encode(),
            content_type="application/json",
            merge=False,
            if_none_match="*",
        )

    results, errors = run_together([write(1), write(2)])
    assert len(results) == 1
    assert [type(e) for e in errors] == [PreconditionFailed]
    assert Document.objects.count() == 1


def test_concurrent_merges_all_land(city: City) -> None:
    credential = issue(city).credential
    key = DocumentKey(
        kind=DocumentKind.STATE, activity_hash="b" * 40, agent_hash="c" * 40, document_id="s"
    )

    def merge(n: int) -> Callable[[], Any]:
        return lambda: services.document_write(
            credential=credential,
            key=key,
            content=json.dumps({f"k{n}": n}).encode(),
            content_type="application/json",
            merge=True,
        )

    _results, errors = run_together([merge(n) for n in range(6)])
    assert errors == []
    document = Document.objects.get()
    assert json.loads(bytes(document.content)) == {f"k{n}": n for n in range(6)}


def test_one_statement_sent_twice_at_once_is_stored_once(city: City) -> None:
    credential = issue(city).credential
    same = {**statement(), "id": new_id()}

    def send() -> Any:
        return services.statements_store(credential=credential, statements=[dict(same)])

    results, errors = run_together([send, send, send])
    assert errors == []
    assert results == [[same["id"]]] * 3
    assert Statement.objects.filter(statement_id=same["id"]).count() == 1


def _voiding(target: str) -> dict[str, Any]:
    return statement(verb=VOIDED, obj={"objectType": "StatementRef", "id": target})


@pytest.mark.parametrize("held", ["target", "voiding"])
def test_a_statement_and_its_voiding_sent_at_once_end_voided(city: City, held: str) -> None:
    """Two requests, one with a statement and one voiding it, whose transactions overlap:
    neither sees the other's row before it commits, and the statement still ends voided,
    whichever of them commits last."""
    credential = issue(city).credential
    target = new_id()
    first = {**statement(), "id": target} if held == "target" else _voiding(target)
    second = _voiding(target) if held == "target" else {**statement(), "id": target}
    if connection.vendor != "postgresql":
        # SQLite holds one writer at a time: the two requests cannot overlap.
        services.statements_store(credential=credential, statements=[first])
        services.statements_store(credential=credential, statements=[second])
        assert Statement.objects.get(statement_id=target).voided
        return
    stored, committed = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holding() -> None:
        try:
            with transaction.atomic():  # the first request, slow to commit
                services.statements_store(credential=credential, statements=[first])
                stored.set()
                committed.wait(30)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def meanwhile() -> None:
        try:
            stored.wait(30)
            services.statements_store(credential=credential, statements=[second])
        except BaseException as exc:
            errors.append(exc)
        finally:
            committed.set()
            connection.close()

    threads = [threading.Thread(target=holding), threading.Thread(target=meanwhile)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Statement.objects.get(statement_id=target).voided
