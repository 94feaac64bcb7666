"""A prepared query answers exactly what its queryset answers, for every value, on every
connection (each thread has its own)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import connection
from django.utils import translation

from learningcity.accounts.models import ApiToken
from learningcity.accounts.services import api_token_create, token_digest, user_for_token
from learningcity.core.errors import NotFound
from learningcity.core.prepared import PreparedQuery, prepared_cursor
from learningcity.enrollment.selectors import class_for_application
from learningcity.enrollment.tests.factories import make_class, make_resident, make_term
from learningcity.network.tests.factories import City


@pytest.mark.django_db
def test_prepared_class_lookup_matches_the_queryset(city: City) -> None:
    term = make_term(city)
    first, second = make_class(city, term), make_class(city, term)

    for klass in (first, second, first):
        found = class_for_application(public_id=klass.public_id)
        assert (found.pk, found.term.code, found.course.title_en) == (
            klass.pk,
            term.code,
            klass.course.title_en,
        )
        assert found.applications_open_at == klass.applications_open_at
        assert getattr(found, "term_draw_status", "missing") is None
    with translation.override("en"), pytest.raises(NotFound, match="No such class"):
        class_for_application(public_id=uuid.uuid4())


@pytest.mark.django_db
def test_prepared_token_lookup_follows_revocation(city: City) -> None:
    resident = make_resident(city)
    assert resident.user is not None
    issued = api_token_create(actor=city.root, user=resident.user, name="app")

    user = user_for_token(issued.plaintext, related=("user__learner",))
    assert user is not None
    assert user == resident.user and user.learner == resident
    ApiToken.objects.filter(pk=issued.token.pk).update(revoked_at=issued.token.created_at)
    assert user_for_token(issued.plaintext, related=("user__learner",)) is None


def test_a_parameter_that_is_not_unique_is_refused() -> None:
    query = PreparedQuery(
        "test.twice",
        ApiToken,
        "digest",
        lambda d: ApiToken.objects.filter(digest=d, prefix=d),
        sentinel="x" * 64,
    )
    with pytest.raises(RuntimeError):
        query.first("y" * 64)


@pytest.mark.django_db(transaction=True)
def test_each_thread_compiles_on_its_own_connection(city: City) -> None:
    resident = make_resident(city)
    assert resident.user is not None
    issued = api_token_create(actor=city.root, user=resident.user, name="app")
    found: list[object] = []

    def look() -> None:
        from django.db import connection

        try:
            found.append(user_for_token(issued.plaintext))
        finally:
            connection.close()

    threads = [threading.Thread(target=look) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [resident.user] * 4
    assert token_digest(issued.plaintext) == issued.token.digest


@pytest.mark.django_db
def test_a_prepared_cursor_answers_like_django_and_is_logged(
    django_assert_num_queries: Any,
) -> None:
    with django_assert_num_queries(2), prepared_cursor(connection) as cursor:
        answers = []
        for value in (2, 3):
            cursor.execute("SELECT %s + 1", (value,))
            answers.append(cursor.fetchone()[0])

    assert answers == [3, 4]
    if connection.vendor == "postgresql":
        # PostgreSQL planned it once and keeps the plan for this connection's next runs
        with connection.cursor() as plain:
            plain.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["SELECT $1 + 1%"],
            )
            assert plain.fetchone()[0] == 1
