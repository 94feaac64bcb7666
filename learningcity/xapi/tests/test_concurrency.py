"""Concurrent writes (row locks on PostgreSQL, one writer at a time on SQLite): two first
writes of one document with If-None-Match: * (one wins, the other 412), merges that both
land, and one statement id sent twice at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from learningcity.network.tests.factories import City
from learningcity.xapi import services
from learningcity.xapi.choices import DocumentKind
from learningcity.xapi.errors import PreconditionFailed
from learningcity.xapi.models import Document, Statement
from learningcity.xapi.services.documents import DocumentKey
from learningcity.xapi.tests.factories import issue, new_id, statement

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
