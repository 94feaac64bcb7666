"""The filter rule for statements that target statements (xAPI 1.0.3, Part Three, 2.1.3): a
statement whose object is a StatementRef meets the agent, verb, activity and registration
filters when the statement it targets meets them, recursively; since, until, limit and the
cursor apply to the targeting statement itself; voided statements stay out."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from learningcity.network.tests.factories import City
from learningcity.xapi.tests.factories import (
    COMPLETED,
    EXPERIENCED,
    VOIDED,
    XapiClient,
    activity_id,
    issue,
    new_id,
    statement,
)

URL = "/xapi/statements"
ATTESTED = "https://w3id.org/xapi/adl/verbs/attested"
BEN = {"mbox": "mailto:ben@example.org"}
ANDREW = {"mbox": "mailto:andrew@example.org"}


@pytest.fixture
def lrs(city: City) -> XapiClient:
    return XapiClient(issue(city))


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [s["id"] for s in response.json()["statements"]]


def _ref(statement_id: str, actor: dict[str, str] = ANDREW, verb: str = ATTESTED) -> Any:
    return statement(actor=actor, verb=verb, obj={"objectType": "StatementRef", "id": statement_id})


def test_a_statement_meets_the_filters_through_the_statement_it_targets(lrs: XapiClient) -> None:
    course = activity_id()
    registration = str(uuid.uuid4())
    (training,) = lrs.post(
        URL, statement(actor=BEN, obj={"id": course}, context={"registration": registration})
    ).json()
    (confirmed,) = lrs.post(URL, _ref(training)).json()
    lrs.post(URL, statement(actor=ANDREW, verb=EXPERIENCED))  # matches neither filter

    assert _ids(lrs.get(URL, {"agent": json.dumps(BEN)})) == [confirmed, training]
    assert _ids(lrs.get(URL, {"activity": course})) == [confirmed, training]
    assert _ids(lrs.get(URL, {"verb": COMPLETED})) == [confirmed, training]
    assert _ids(lrs.get(URL, {"registration": registration})) == [confirmed, training]
    assert _ids(lrs.get(URL, {"agent": json.dumps(BEN), "activity": course})) == [
        confirmed,
        training,
    ]
    # All the filters on one statement of the chain: Andrew did not complete the course.
    assert _ids(lrs.get(URL, {"agent": json.dumps(ANDREW), "verb": COMPLETED})) == []
    assert _ids(lrs.get(URL, {"agent": json.dumps(ANDREW), "verb": ATTESTED})) == [confirmed]


def test_the_rule_applies_recursively(lrs: XapiClient) -> None:
    course = activity_id()
    (c,) = lrs.post(URL, statement(actor=BEN, obj={"id": course})).json()
    (b,) = lrs.post(URL, _ref(c)).json()
    (a,) = lrs.post(URL, _ref(b, actor={"mbox": "mailto:carol@example.org"})).json()

    assert _ids(lrs.get(URL, {"activity": course})) == [a, b, c]
    assert _ids(lrs.get(URL, {"agent": json.dumps(ANDREW)})) == [a, b]
    assert _ids(lrs.get(URL, {"activity": course, "ascending": "true"})) == [c, b, a]


def test_since_and_until_apply_to_the_targeting_statement(lrs: XapiClient) -> None:
    course = activity_id()
    (training,) = lrs.post(URL, statement(actor=BEN, obj={"id": course})).json()
    stored = lrs.get(URL, {"statementId": training}).json()["stored"]
    (confirmed,) = lrs.post(URL, _ref(training)).json()

    assert _ids(lrs.get(URL, {"activity": course, "since": stored})) == [confirmed]
    assert _ids(lrs.get(URL, {"activity": course, "until": stored})) == [training]


def test_limit_and_more_page_through_direct_and_targeting_statements(lrs: XapiClient) -> None:
    course = activity_id()
    (first,) = lrs.post(URL, statement(obj={"id": course})).json()
    (ref,) = lrs.post(URL, _ref(first)).json()
    (second,) = lrs.post(URL, statement(obj={"id": course})).json()
    lrs.post(URL, statement())  # another activity

    page = lrs.get(URL, {"activity": course, "limit": 2}).json()
    assert [s["id"] for s in page["statements"]] == [second, ref]
    rest = lrs.get(page["more"]).json()
    assert [s["id"] for s in rest["statements"]] == [first]
    assert rest["more"] == ""
    page = lrs.get(URL, {"activity": course, "limit": 1, "ascending": "true"}).json()
    assert [s["id"] for s in page["statements"]] == [first]
    page = lrs.get(page["more"]).json()
    assert [s["id"] for s in page["statements"]] == [ref]
    assert _ids(lrs.get(page["more"])) == [second]


def test_a_voiding_statement_meets_the_filters_of_the_statement_it_voided(
    lrs: XapiClient,
) -> None:
    course = activity_id()
    (training,) = lrs.post(URL, statement(actor=BEN, obj={"id": course})).json()
    (voiding,) = lrs.post(URL, _ref(training, verb=VOIDED)).json()

    # The voided statement stays out; the voiding statement matches through it.
    assert _ids(lrs.get(URL, {"activity": course})) == [voiding]
    assert _ids(lrs.get(URL, {"agent": json.dumps(BEN)})) == [voiding]


def test_a_voided_targeting_statement_stays_out(lrs: XapiClient) -> None:
    course = activity_id()
    (training,) = lrs.post(URL, statement(obj={"id": course})).json()
    (confirmed,) = lrs.post(URL, _ref(training)).json()
    (voiding,) = lrs.post(URL, _ref(confirmed, verb=VOIDED)).json()

    assert _ids(lrs.get(URL, {"activity": course})) == [voiding, training]


def test_a_cycle_of_statement_refs_ends(lrs: XapiClient) -> None:
    a, b = new_id(), new_id()
    lrs.put(f"{URL}?statementId={a}", _ref(b, actor=BEN))
    lrs.put(f"{URL}?statementId={b}", _ref(a, actor=ANDREW))

    assert _ids(lrs.get(URL, {"agent": json.dumps(BEN)})) == [b, a]
    assert _ids(lrs.get(URL, {"activity": activity_id()})) == []


def test_a_statement_ref_in_the_context_does_not_count(lrs: XapiClient) -> None:
    course = activity_id()
    (training,) = lrs.post(URL, statement(obj={"id": course})).json()
    lrs.post(URL, statement(context={"statement": {"objectType": "StatementRef", "id": training}}))

    assert _ids(lrs.get(URL, {"activity": course})) == [training]


def test_another_providers_statement_is_not_followed(city: City, lrs: XapiClient) -> None:
    other = XapiClient(issue(city, city.b.college))
    course = activity_id()
    (theirs,) = other.post(URL, statement(actor=BEN, obj={"id": course})).json()
    (mine,) = lrs.post(URL, _ref(theirs)).json()

    assert _ids(lrs.get(URL, {"activity": course})) == []
    assert _ids(lrs.get(URL, {"agent": json.dumps(ANDREW)})) == [mine]


def test_a_filtered_page_without_targeting_statements_takes_four_queries(
    lrs: XapiClient, django_assert_max_num_queries: Any
) -> None:
    course = activity_id()
    lrs.post(URL, [statement(obj={"id": course}) for _ in range(5)])
    # The credential, the providers it reads (read grants), the page, the targeting ones.
    with django_assert_max_num_queries(4):
        assert len(_ids(lrs.get(URL, {"activity": course}))) == 5
