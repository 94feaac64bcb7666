"""Statement validation (xAPI 1.0.3 Part Two): generated valid statements pass; each kind of
breakage the specification forbids is refused with the path of the problem."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from learningcity.xapi import validation
from learningcity.xapi.errors import StatementInvalid

iris = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}.example.org/{path}",
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z]{1,10}", fullmatch=True),
    st.from_regex(r"[a-z0-9/]{0,20}", fullmatch=True),
)
tags = st.sampled_from(["en", "en-US", "zh-Hans", "zh-CN", "fr", "x-pig-latin"])
language_maps = st.dictionaries(tags, st.text(max_size=20), min_size=1, max_size=3)
agents = st.one_of(
    st.builds(
        lambda u: {"mbox": f"mailto:{u}@example.org"}, st.from_regex(r"[a-z]{1,8}", fullmatch=True)
    ),
    st.builds(lambda h: {"mbox_sha1sum": h}, st.from_regex(r"[0-9a-f]{40}", fullmatch=True)),
    st.builds(lambda i: {"openid": i}, iris),
    st.builds(
        lambda home, name: {"objectType": "Agent", "account": {"homePage": home, "name": name}},
        iris,
        st.text(min_size=1, max_size=12),
    ),
)
activities = st.builds(
    lambda i, name: {"objectType": "Activity", "id": i, "definition": {"name": name}},
    iris,
    language_maps,
)
scores = st.floats(min_value=-1, max_value=1, allow_nan=False).map(lambda s: {"scaled": s})
results = st.fixed_dictionaries(
    {},
    optional={
        "score": scores,
        "success": st.booleans(),
        "completion": st.booleans(),
        "duration": st.sampled_from(["PT1H", "PT30M10S", "P1D", "PT0.5S", "P2W"]),
    },
)
timestamps = st.datetimes(timezones=st.just(__import__("datetime").UTC)).map(
    lambda d: d.isoformat()
)
statements = st.builds(
    lambda actor, verb, display, obj, result, ts: {
        "actor": actor,
        "verb": {"id": verb, "display": display},
        "object": obj,
        "result": result,
        "timestamp": ts,
    },
    agents,
    iris,
    language_maps,
    st.one_of(activities, agents.map(lambda a: {**a, "objectType": "Agent"})),
    results,
    timestamps,
)


@settings(max_examples=200, deadline=None)
@given(statements)
def test_every_generated_statement_is_valid(value: dict[str, Any]) -> None:
    validation.statement(value)


# Each breakage: a path into the statement and the value put there (None removes it).
BREAKAGES = [
    (("actor",), None),
    (("verb",), None),
    (("object",), None),
    (("verb", "id"), "not an iri"),
    (("verb", "display"), {"not a tag!": "x"}),
    (("verb", "display"), {"en": 3}),
    (("actor", "mbox"), "someone@example.org"),
    (("actor", "openid"), "https://id.example.org/me"),  # two identifiers
    (("object", "id"), "relative/path"),
    (("object", "definition", "type"), "nope"),
    (("object", "definition", "extensions"), {"not-an-iri": 1}),
    (("object", "definition", "interactionType"), "essay"),
    (("result", "score", "scaled"), 1.5),
    (("result", "score", "raw"), 200),
    (("result", "duration"), "1 hour"),
    (("result", "success"), "yes"),
    (("result", "extensions"), {"k": 1}),
    (("timestamp",), "yesterday"),
    (("timestamp",), "2026-01-01T10:00:00-00:00"),
    (("context", "registration"), "not-a-uuid"),
    (("context", "language"), "english please"),
    (("id",), "12345"),
    (("version",), "2.0.0"),
    (("unknown",), 1),
    (("verb", "display", "en"), None),
]


def _statement() -> dict[str, Any]:
    return {
        "id": "c6d7a5e6-7d5b-4b3a-9f3b-2f0f6f6a1e01",
        "actor": {"mbox": "mailto:wang@example.org", "name": "王秀英"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "completed"}},
        "object": {
            "id": "https://lms.example.org/course/1",
            "definition": {"name": {"zh-Hans": "书法"}},
        },
        "result": {"score": {"scaled": 0.9, "raw": 90, "min": 0, "max": 100}, "success": True},
        "context": {"registration": "2a1f5e9c-6f0b-4f7e-9d1a-0f8b7c6d5e4f", "language": "zh-Hans"},
        "timestamp": "2026-03-15T10:00:00+08:00",
    }


def test_the_base_statement_is_valid() -> None:
    validation.statement(_statement())


@pytest.mark.parametrize(("path", "value"), BREAKAGES)
def test_a_broken_statement_is_refused(path: tuple[str, ...], value: Any) -> None:
    broken = copy.deepcopy(_statement())
    target = broken
    for key in path[:-1]:
        target = target.setdefault(key, {})
    if value is None and path[-1] != "en":
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    with pytest.raises(StatementInvalid):
        validation.statement(broken)


def test_a_null_value_is_refused_with_its_path() -> None:
    broken = _statement()
    broken["result"]["response"] = None
    with translation.override("en"), pytest.raises(StatementInvalid) as caught:
        validation.statement(broken)
    assert caught.value.message == "result.response: must not be null."


def test_a_voiding_statement_must_point_at_a_statement() -> None:
    voiding = _statement()
    voiding["verb"]["id"] = validation.VOIDED
    with pytest.raises(StatementInvalid):
        validation.statement(voiding)
    voiding["object"] = {"objectType": "StatementRef", "id": "c6d7a5e6-7d5b-4b3a-9f3b-2f0f6f6a1e02"}
    validation.statement(voiding)


def test_an_anonymous_group_must_list_its_members() -> None:
    value = _statement()
    value["actor"] = {"objectType": "Group", "name": "team"}
    with pytest.raises(StatementInvalid):
        validation.statement(value)
    value["actor"]["member"] = [{"mbox": "mailto:a@example.org"}]
    validation.statement(value)


def test_a_group_cannot_contain_a_group() -> None:
    value = _statement()
    value["actor"] = {
        "objectType": "Group",
        "member": [{"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}]}],
    }
    with pytest.raises(StatementInvalid):
        validation.statement(value)


def test_revision_and_platform_only_with_an_activity_object() -> None:
    value = _statement()
    value["object"] = {"objectType": "Agent", "mbox": "mailto:b@example.org"}
    value["context"] = {"platform": "Moodle"}
    with pytest.raises(StatementInvalid):
        validation.statement(value)


def test_a_substatement_cannot_nest_or_carry_an_id() -> None:
    inner = {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:a@example.org"},
        "verb": {"id": "http://example.org/verbs/plan"},
        "object": {"id": "https://example.org/a"},
    }
    value = _statement()
    value["object"] = inner
    validation.statement(value)
    value["object"] = {**inner, "id": "c6d7a5e6-7d5b-4b3a-9f3b-2f0f6f6a1e02"}
    with pytest.raises(StatementInvalid):
        validation.statement(value)
    value["object"] = {**inner, "object": dict(inner)}
    with pytest.raises(StatementInvalid):
        validation.statement(value)


def test_interaction_components_belong_to_their_type() -> None:
    value = _statement()
    value["object"]["definition"] = {
        "interactionType": "choice",
        "correctResponsesPattern": ["a"],
        "choices": [{"id": "a", "description": {"en": "A"}}],
    }
    validation.statement(value)
    value["object"]["definition"]["scale"] = [{"id": "1"}]
    with pytest.raises(StatementInvalid):
        validation.statement(value)


def test_attachments_need_their_required_properties() -> None:
    value = _statement()
    value["attachments"] = [
        {
            "usageType": "https://example.org/usage/certificate",
            "display": {"en": "certificate"},
            "contentType": "application/pdf",
            "length": 10,
            "sha2": "a" * 64,
        }
    ]
    validation.statement(value)
    del value["attachments"][0]["sha2"]
    with pytest.raises(StatementInvalid):
        validation.statement(value)


@pytest.mark.parametrize(
    ("text", "hours"), [("PT1H30M", 1.5), ("P1D", 24.0), ("PT90S", 0.025), ("P1W", 168.0)]
)
def test_duration_hours(text: str, hours: float) -> None:
    assert validation.duration_hours(text) == pytest.approx(hours)
