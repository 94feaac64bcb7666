"""Pure functions over statements: the digests the filters index, the form in which the
specification compares two statements, the activities and agents a statement relates to,
and the `ids` and `canonical` formats of a query."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from learningcity.xapi.validation import parse_timestamp

# Properties the LRS sets or may reformat, which comparison ignores (xAPI 1.0.3, Part Two,
# 2.3.2 Statement comparison requirements).
IGNORED_IN_COMPARISON = ("authority", "stored", "version", "id")


def digest(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def activity_hash(activity_id: str) -> str:
    return digest("activity " + activity_id)


def verb_hash(verb_id: str) -> str:
    return digest("verb " + verb_id)


def agent_key(agent: dict[str, Any]) -> str:
    """The inverse functional identifier of an agent or identified group, as one string; an
    anonymous group is identified by its members."""
    if "mbox" in agent:
        return "mbox " + str(agent["mbox"]).strip()
    if "mbox_sha1sum" in agent:
        return "mbox_sha1sum " + str(agent["mbox_sha1sum"]).lower()
    if "openid" in agent:
        return "openid " + str(agent["openid"])
    if "account" in agent:
        account = agent["account"]
        return "account " + json.dumps([account.get("homePage"), account.get("name")])
    members = sorted(agent_key(m) for m in agent.get("member", []))
    return "group " + json.dumps(members)


def agent_hash(agent: dict[str, Any]) -> str:
    return digest(agent_key(agent))


def object_hash(obj: dict[str, Any]) -> str:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return activity_hash(obj["id"])
    if kind in ("Agent", "Group"):
        return agent_hash(obj)
    return ""


def comparison_form(
    statement: dict[str, Any], timestamp: dt.datetime | None = None
) -> dict[str, Any]:
    """A shallow copy without what the LRS sets, timestamps as instants (no deep copy: the
    statement is only read). `timestamp` is the statement's own, when parsed already."""
    form = {k: v for k, v in statement.items() if k not in IGNORED_IN_COMPARISON}
    if "timestamp" in form:
        when = timestamp or parse_timestamp(form["timestamp"], "timestamp")
        form["timestamp"] = when.timestamp()
    obj = form.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        form["object"] = comparison_form(obj)
    return form


def fingerprint(statement: dict[str, Any], timestamp: dt.datetime | None = None) -> str:
    form = comparison_form(statement, timestamp)
    text = json.dumps(form, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _agents_of(agent: Any) -> list[dict[str, Any]]:
    if not isinstance(agent, dict):
        return []
    found = [agent]
    found.extend(m for m in agent.get("member", []) if isinstance(m, dict))
    return found


def _context_activities(context: dict[str, Any]) -> list[str]:
    ids: list[str] = []
    for items in context.get("contextActivities", {}).values():
        for item in items if isinstance(items, list) else [items]:
            ids.append(item["id"])
    return ids


def references(statement: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, digest) for every activity and agent the statement relates to beyond its actor
    and object (which have their own columns): the context's activities, instructor and
    team, group members, and what a sub-statement names."""
    refs: list[tuple[str, str]] = []
    actor, obj = statement["actor"], statement["object"]
    refs.extend(("agent", agent_hash(m)) for m in _agents_of(actor)[1:])
    kind = obj.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        refs.extend(("agent", agent_hash(m)) for m in _agents_of(obj)[1:])
    elif kind == "SubStatement":
        refs.append(("agent", agent_hash(obj["actor"])))
        inner = obj["object"]
        if inner.get("objectType", "Activity") == "Activity":
            refs.append(("activity", activity_hash(inner["id"])))
        elif inner.get("objectType") in ("Agent", "Group"):
            refs.append(("agent", agent_hash(inner)))
        refs.extend(references(obj))
    context = statement.get("context", {})
    for key in ("instructor", "team"):
        refs.extend(("agent", agent_hash(a)) for a in _agents_of(context.get(key)))
    refs.extend(("activity", activity_hash(i)) for i in _context_activities(context))
    # The authority is always the storing provider: the query matches it without a row.
    return list(dict.fromkeys(refs))


# Formats of a query ------------------------------------------------------------------------


def _agent_ids(agent: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "objectType" in agent:
        out["objectType"] = agent["objectType"]
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            out[key] = agent[key]
            break
    else:
        if "member" in agent:
            out["member"] = [_agent_ids(m) for m in agent["member"]]
    return out


def _object_ids(obj: dict[str, Any]) -> dict[str, Any]:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return {"objectType": "Activity", "id": obj["id"]}
    if kind in ("Agent", "Group"):
        return _agent_ids(obj)
    if kind == "SubStatement":
        return ids_format(obj)
    return obj


def ids_format(statement: dict[str, Any]) -> dict[str, Any]:
    """Agents, groups and activities reduced to their identifiers."""
    out = dict(statement)
    out["actor"] = _agent_ids(statement["actor"])
    out["object"] = _object_ids(statement["object"])
    if "authority" in statement:
        out["authority"] = _agent_ids(statement["authority"])
    context = statement.get("context")
    if context:
        context = dict(context)
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _agent_ids(context[key])
        if "contextActivities" in context:
            context["contextActivities"] = {
                key: [_object_ids(i) for i in (items if isinstance(items, list) else [items])]
                for key, items in context["contextActivities"].items()
            }
        out["context"] = context
    return out


def _pick(language_map: dict[str, str], languages: list[str]) -> dict[str, str]:
    lowered = {k.lower(): k for k in language_map}
    for wanted in languages:
        wanted = wanted.lower()
        if wanted in lowered:
            return {lowered[wanted]: language_map[lowered[wanted]]}
        for tag, original in lowered.items():
            if tag.split("-")[0] == wanted.split("-")[0]:
                return {original: language_map[original]}
    first = next(iter(language_map), None)
    return {first: language_map[first]} if first is not None else {}


LANGUAGE_MAPS = ("display", "name", "description")


def canonical_format(value: Any, languages: list[str]) -> Any:
    """Every language map reduced to the one language the reader prefers."""
    if isinstance(value, list):
        return [canonical_format(v, languages) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "extensions":
            out[key] = item
        elif (
            key in LANGUAGE_MAPS
            and isinstance(item, dict)
            and all(isinstance(v, str) for v in item.values())
        ):
            out[key] = _pick(item, languages)
        else:
            out[key] = canonical_format(item, languages)
    return out
