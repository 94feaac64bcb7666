"""Statement validation after xAPI 1.0.3, Part Two (Data): every MUST a learning record store
can check on a statement alone. Pure: it reads JSON values and raises `StatementInvalid` with
the path of the first problem ("actor.mbox") and a message in the user's language."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

from django.utils.translation import gettext as _

from learningcity.xapi.errors import StatementInvalid

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
VERSIONS = ("1.0.0", "1.0.1", "1.0.2", "1.0.3")

STATEMENT_KEYS = frozenset(
    {
        "id",
        "actor",
        "verb",
        "object",
        "result",
        "context",
        "timestamp",
        "stored",
        "authority",
        "version",
        "attachments",
    }
)
SUBSTATEMENT_KEYS = frozenset(
    {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
)
AGENT_KEYS = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
GROUP_KEYS = AGENT_KEYS | {"member"}
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
ACTIVITY_KEYS = frozenset({"objectType", "id", "definition"})
DEFINITION_KEYS = frozenset(
    {
        "name",
        "description",
        "type",
        "moreInfo",
        "extensions",
        "interactionType",
        "correctResponsesPattern",
        "choices",
        "scale",
        "source",
        "target",
        "steps",
    }
)
INTERACTION_TYPES = frozenset(
    {
        "true-false",
        "choice",
        "fill-in",
        "long-fill-in",
        "matching",
        "performance",
        "sequencing",
        "likert",
        "numeric",
        "other",
    }
)
# Which component lists each interaction type may carry.
COMPONENTS = {
    "choice": ("choices",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "matching": ("source", "target"),
    "performance": ("steps",),
}
RESULT_KEYS = frozenset({"score", "success", "completion", "response", "duration", "extensions"})
SCORE_KEYS = frozenset({"scaled", "raw", "min", "max"})
CONTEXT_KEYS = frozenset(
    {
        "registration",
        "instructor",
        "team",
        "contextActivities",
        "revision",
        "platform",
        "language",
        "statement",
        "extensions",
    }
)
CONTEXT_ACTIVITY_KEYS = frozenset({"parent", "grouping", "category", "other"})
ATTACHMENT_KEYS = frozenset(
    {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}
)

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA2 = re.compile(r"^[0-9a-fA-F]{56,128}$")
# RFC 5646, loosely: a primary subtag and further subtags of letters and digits.
_LANGUAGE = re.compile(
    r"^(?:[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*|[xXiI]-[A-Za-z0-9]{1,8}(?:-[A-Za-z0-9]{1,8})*)$"
)
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(?:\s*;.*)?$")
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+\-]\d{2}:?\d{2})?$"
)
_DURATION = re.compile(
    r"^P(?:(?P<w>\d+(?:\.\d+)?)W|"
    r"(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?)$"
)


def fail(path: str, message: str) -> StatementInvalid:
    full = _("%(path)s: %(problem)s") % {"path": path or "statement", "problem": message}
    return StatementInvalid(full, fields={path or "statement": [message]})


def _object(value: Any, path: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(path, _("must be a JSON object."))
    for key, item in value.items():
        if key not in allowed:
            raise fail(f"{path}.{key}" if path else key, _("is not a property defined here."))
        if item is None:
            raise fail(f"{path}.{key}" if path else key, _("must not be null."))
    return value


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise fail(path, _("must be a string."))
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise fail(path, _("must be true or false."))
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(path, _("must be a number."))
    return float(value)


def iri(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _IRI.match(value):
        raise fail(path, _("must be an absolute IRI (for example https://example.org/x)."))
    return value


def uuid_string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise fail(path, _("must be a UUID."))
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise fail(path, _("must be a UUID.")) from None
    if len(value) != 36:
        raise fail(path, _("must be a UUID."))
    return str(parsed)


def language_tag(value: Any, path: str) -> str:
    if not isinstance(value, str) or not _LANGUAGE.match(value):
        raise fail(path, _("must be an RFC 5646 language tag (for example zh-Hans or en-US)."))
    return value


def language_map(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise fail(path, _("must be a language map (an object of language tags to strings)."))
    for tag, text in value.items():
        language_tag(tag, f"{path}.{tag}")
        _string(text, f"{path}.{tag}")


def extensions(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise fail(path, _("must be an object whose keys are IRIs."))
    for key in value:
        iri(key, f"{path}.{key}")


def parse_timestamp(value: Any, path: str) -> dt.datetime:
    """An ISO 8601 timestamp; a missing zone is UTC; the unknown-offset form -00:00 is refused
    as RFC 3339 says."""
    if not isinstance(value, str):
        raise fail(path, _("must be an ISO 8601 timestamp."))
    match = _TIMESTAMP.match(value)
    if not match:
        raise fail(path, _("must be an ISO 8601 timestamp."))
    zone = match.group(8)
    if zone in ("-00:00", "-0000"):
        raise fail(path, _("must not use the offset -00:00."))
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = match.group(7) or ""
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    tz = dt.UTC
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if offset >= dt.timedelta(hours=24):
            raise fail(path, _("must be an ISO 8601 timestamp."))
        tz = dt.timezone(sign * offset)
    try:
        return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError:
        raise fail(path, _("must be an ISO 8601 timestamp.")) from None


def duration(value: Any, path: str) -> str:
    if not isinstance(value, str) or value in ("P", "PT") or value.endswith("T"):
        raise fail(path, _("must be an ISO 8601 duration (for example PT1H30M)."))
    if not _DURATION.match(value):
        raise fail(path, _("must be an ISO 8601 duration (for example PT1H30M)."))
    return value


def duration_hours(value: str) -> float:
    """Hours in an ISO 8601 duration (a year as 365 days, a month as 30)."""
    match = _DURATION.match(value)
    if not match:
        return 0.0
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    days = (
        parts.get("w", 0) * 7
        + parts.get("y", 0) * 365
        + parts.get("mo", 0) * 30
        + parts.get("d", 0)
    )
    return days * 24 + parts.get("h", 0) + parts.get("mi", 0) / 60 + parts.get("s", 0) / 3600


# Agents, groups, activities ---------------------------------------------------------------


def _ifis(value: dict[str, Any], path: str) -> int:
    count = 0
    if "mbox" in value:
        if not isinstance(value["mbox"], str) or not _MAILTO.match(value["mbox"]):
            raise fail(f"{path}.mbox", _("must be mailto: followed by an email address."))
        count += 1
    if "mbox_sha1sum" in value:
        if not isinstance(value["mbox_sha1sum"], str) or not _SHA1.match(value["mbox_sha1sum"]):
            raise fail(f"{path}.mbox_sha1sum", _("must be a SHA-1 digest in hexadecimal."))
        count += 1
    if "openid" in value:
        iri(value["openid"], f"{path}.openid")
        count += 1
    if "account" in value:
        account = _object(value["account"], f"{path}.account", frozenset({"homePage", "name"}))
        if "homePage" not in account or "name" not in account:
            raise fail(f"{path}.account", _("must have a homePage and a name."))
        iri(account["homePage"], f"{path}.account.homePage")
        _string(account["name"], f"{path}.account.name")
        count += 1
    return count


def agent(value: Any, path: str) -> None:
    value = _object(value, path, AGENT_KEYS)
    if value.get("objectType", "Agent") != "Agent":
        raise fail(f"{path}.objectType", _("must be Agent."))
    if "name" in value:
        _string(value["name"], f"{path}.name")
    if _ifis(value, path) != 1:
        raise fail(path, _("must have exactly one of mbox, mbox_sha1sum, openid or account."))


def group(value: Any, path: str) -> None:
    value = _object(value, path, GROUP_KEYS)
    if "name" in value:
        _string(value["name"], f"{path}.name")
    ifis = _ifis(value, path)
    if ifis > 1:
        raise fail(path, _("must have at most one of mbox, mbox_sha1sum, openid or account."))
    if "member" in value:
        members = value["member"]
        if not isinstance(members, list):
            raise fail(f"{path}.member", _("must be a list of agents."))
        for i, member in enumerate(members):
            if isinstance(member, dict) and member.get("objectType") == "Group":
                raise fail(f"{path}.member[{i}]", _("a group's members must be agents."))
            agent(member, f"{path}.member[{i}]")
    elif ifis == 0:
        raise fail(path, _("an anonymous group must list its members."))
    if ifis == 0 and not value.get("member"):
        raise fail(f"{path}.member", _("an anonymous group must list its members."))


def actor(value: Any, path: str) -> None:
    if isinstance(value, dict) and value.get("objectType") == "Group":
        group(value, path)
    else:
        agent(value, path)


def identified_group(value: Any, path: str) -> None:
    group(value, path)
    if _ifis(value, path) != 1:
        raise fail(path, _("must be an identified group."))


def _components(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise fail(path, _("must be a list of interaction components."))
    seen: set[str] = set()
    for i, item in enumerate(value):
        item = _object(item, f"{path}[{i}]", frozenset({"id", "description"}))
        if "id" not in item:
            raise fail(f"{path}[{i}].id", _("is required."))
        ident = _string(item["id"], f"{path}[{i}].id")
        if ident in seen:
            raise fail(f"{path}[{i}].id", _("appears twice."))
        seen.add(ident)
        if "description" in item:
            language_map(item["description"], f"{path}[{i}].description")


def definition(value: Any, path: str) -> None:
    value = _object(value, path, DEFINITION_KEYS)
    for key in ("name", "description"):
        if key in value:
            language_map(value[key], f"{path}.{key}")
    if "type" in value:
        iri(value["type"], f"{path}.type")
    if "moreInfo" in value:
        iri(value["moreInfo"], f"{path}.moreInfo")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")
    kind = value.get("interactionType")
    if kind is not None and kind not in INTERACTION_TYPES:
        raise fail(f"{path}.interactionType", _("is not an interaction type of xAPI."))
    if "correctResponsesPattern" in value:
        if kind is None:
            raise fail(f"{path}.correctResponsesPattern", _("needs an interactionType."))
        pattern = value["correctResponsesPattern"]
        if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
            raise fail(f"{path}.correctResponsesPattern", _("must be a list of strings."))
    for key in ("choices", "scale", "source", "target", "steps"):
        if key in value:
            if kind is None or key not in COMPONENTS.get(kind, ()):
                raise fail(f"{path}.{key}", _("does not belong to this interactionType."))
            _components(value[key], f"{path}.{key}")


def activity(value: Any, path: str) -> None:
    value = _object(value, path, ACTIVITY_KEYS)
    if value.get("objectType", "Activity") != "Activity":
        raise fail(f"{path}.objectType", _("must be Activity."))
    if "id" not in value:
        raise fail(f"{path}.id", _("is required."))
    iri(value["id"], f"{path}.id")
    if "definition" in value:
        definition(value["definition"], f"{path}.definition")


def statement_ref(value: Any, path: str) -> None:
    value = _object(value, path, frozenset({"objectType", "id"}))
    if value.get("objectType") != "StatementRef":
        raise fail(f"{path}.objectType", _("must be StatementRef."))
    if "id" not in value:
        raise fail(f"{path}.id", _("is required."))
    uuid_string(value["id"], f"{path}.id")


def verb(value: Any, path: str) -> None:
    value = _object(value, path, frozenset({"id", "display"}))
    if "id" not in value:
        raise fail(f"{path}.id", _("is required."))
    iri(value["id"], f"{path}.id")
    if "display" in value:
        language_map(value["display"], f"{path}.display")


def result(value: Any, path: str) -> None:
    value = _object(value, path, RESULT_KEYS)
    if "score" in value:
        score = _object(value["score"], f"{path}.score", SCORE_KEYS)
        numbers = {k: _number(score[k], f"{path}.score.{k}") for k in score}
        if "scaled" in numbers and not -1 <= numbers["scaled"] <= 1:
            raise fail(f"{path}.score.scaled", _("must be from -1 to 1."))
        low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
        if low is not None and high is not None and low >= high:
            raise fail(f"{path}.score.max", _("must be greater than min."))
        if raw is not None and low is not None and raw < low:
            raise fail(f"{path}.score.raw", _("must not be less than min."))
        if raw is not None and high is not None and raw > high:
            raise fail(f"{path}.score.raw", _("must not be more than max."))
    for key in ("success", "completion"):
        if key in value:
            _bool(value[key], f"{path}.{key}")
    if "response" in value:
        _string(value["response"], f"{path}.response")
    if "duration" in value:
        duration(value["duration"], f"{path}.duration")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")


def _context_activities(value: Any, path: str) -> None:
    value = _object(value, path, CONTEXT_ACTIVITY_KEYS)
    for key, item in value.items():
        items = item if isinstance(item, list) else [item]
        for i, one in enumerate(items):
            activity(one, f"{path}.{key}[{i}]" if isinstance(item, list) else f"{path}.{key}")


def context(value: Any, path: str, *, object_type: str) -> None:
    value = _object(value, path, CONTEXT_KEYS)
    if "registration" in value:
        uuid_string(value["registration"], f"{path}.registration")
    if "instructor" in value:
        actor(value["instructor"], f"{path}.instructor")
    if "team" in value:
        if not isinstance(value["team"], dict) or value["team"].get("objectType") != "Group":
            raise fail(f"{path}.team", _("must be a group."))
        group(value["team"], f"{path}.team")
    if "contextActivities" in value:
        _context_activities(value["contextActivities"], f"{path}.contextActivities")
    for key in ("revision", "platform"):
        if key in value:
            _string(value[key], f"{path}.{key}")
            if object_type != "Activity":
                raise fail(f"{path}.{key}", _("is only allowed when the object is an activity."))
    if "language" in value:
        language_tag(value["language"], f"{path}.language")
    if "statement" in value:
        statement_ref(value["statement"], f"{path}.statement")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")


def attachment(value: Any, path: str) -> None:
    value = _object(value, path, ATTACHMENT_KEYS)
    for key in ("usageType", "display", "contentType", "length", "sha2"):
        if key not in value:
            raise fail(f"{path}.{key}", _("is required."))
    iri(value["usageType"], f"{path}.usageType")
    language_map(value["display"], f"{path}.display")
    if "description" in value:
        language_map(value["description"], f"{path}.description")
    if not isinstance(value["contentType"], str) or not _MEDIA_TYPE.match(value["contentType"]):
        raise fail(f"{path}.contentType", _("must be an Internet media type."))
    length = value["length"]
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise fail(f"{path}.length", _("must be a whole number of bytes."))
    if not isinstance(value["sha2"], str) or not _SHA2.match(value["sha2"]):
        raise fail(f"{path}.sha2", _("must be a SHA-2 digest in hexadecimal."))
    if "fileUrl" in value:
        iri(value["fileUrl"], f"{path}.fileUrl")


def _object_of(value: Any, path: str, *, sub: bool) -> str:
    if not isinstance(value, dict):
        raise fail(path, _("must be a JSON object."))
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        activity(value, path)
    elif kind == "Agent":
        agent(value, path)
    elif kind == "Group":
        group(value, path)
    elif kind == "StatementRef":
        statement_ref(value, path)
    elif kind == "SubStatement":
        if sub:
            raise fail(path, _("a sub-statement cannot contain another sub-statement."))
        _body(value, path, SUBSTATEMENT_KEYS, sub=True)
    else:
        raise fail(f"{path}.objectType", _("is not an object type of xAPI."))
    return str(kind)


def _body(value: Any, path: str, keys: frozenset[str], *, sub: bool) -> dt.datetime | None:
    """Check a statement or sub-statement; returns its timestamp, parsed (None when absent)."""
    value = _object(value, path, keys)
    prefix = f"{path}." if path else ""
    for key in ("actor", "verb", "object"):
        if key not in value:
            raise fail(f"{prefix}{key}", _("is required."))
    if sub and value.get("objectType") != "SubStatement":
        raise fail(f"{prefix}objectType", _("must be SubStatement."))
    actor(value["actor"], f"{prefix}actor")
    verb(value["verb"], f"{prefix}verb")
    kind = _object_of(value["object"], f"{prefix}object", sub=sub)
    if value["verb"]["id"] == VOIDED and kind != "StatementRef":
        raise fail(f"{prefix}object", _("a voiding statement's object must be a StatementRef."))
    if "result" in value:
        result(value["result"], f"{prefix}result")
    if "context" in value:
        context(value["context"], f"{prefix}context", object_type=kind)
    timestamp = None
    if "timestamp" in value:
        timestamp = parse_timestamp(value["timestamp"], f"{prefix}timestamp")
    if "attachments" in value:
        if not isinstance(value["attachments"], list):
            raise fail(f"{prefix}attachments", _("must be a list."))
        for i, item in enumerate(value["attachments"]):
            attachment(item, f"{prefix}attachments[{i}]")
    return timestamp


def statement(value: Any) -> dt.datetime | None:
    """Raise StatementInvalid unless `value` is a valid xAPI 1.0.3 statement; returns its
    timestamp, parsed (None when it has none), so that no one parses it again."""
    timestamp = _body(value, "", STATEMENT_KEYS, sub=False)
    if "id" in value:
        uuid_string(value["id"], "id")
    if "stored" in value:
        parse_timestamp(value["stored"], "stored")
    if "authority" in value:
        actor(value["authority"], "authority")
    if "version" in value:
        version = _string(value["version"], "version")
        if not re.match(r"^1\.0(\.\d+)?$", version):
            raise fail("version", _("must be a 1.0.x version of xAPI."))
    return timestamp


def agent_parameter(raw: str, path: str = "agent") -> dict[str, Any]:
    """An Agent (or identified Group) given as a JSON query parameter."""
    try:
        value = json.loads(raw)
    except ValueError:
        raise fail(path, _("must be a JSON object.")) from None
    actor(value, path)
    if isinstance(value, dict) and _ifis(value, path) != 1:
        raise fail(path, _("must be an identified agent or group."))
    return dict(value)
