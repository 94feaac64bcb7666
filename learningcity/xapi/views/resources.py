"""The xAPI resources under /xapi/: statements, state, activity and agent profiles, activities,
agents and about. Thin: each parses the request, calls a service or selector and answers."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.utils.http import http_date
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.xapi import canonical, selectors, services, validation
from learningcity.xapi.choices import DocumentKind
from learningcity.xapi.errors import BadRequest, StatementInvalid
from learningcity.xapi.models import Credential
from learningcity.xapi.services.documents import DocumentKey
from learningcity.xapi.views.protocol import (
    VERSION,
    XRequest,
    json_body,
    multipart,
    multipart_response,
    resource,
)

STATEMENT_PARAMS = frozenset(
    {
        "statementId",
        "voidedStatementId",
        "agent",
        "verb",
        "activity",
        "registration",
        "related_activities",
        "related_agents",
        "since",
        "until",
        "limit",
        "format",
        "attachments",
        "ascending",
        "cursor",
    }
)
SINGLE_PARAMS = frozenset({"statementId", "voidedStatementId", "format", "attachments"})


def _bad(field: str, message: str) -> BadRequest:
    return BadRequest(message, fields={field: [message]})


def _bool(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise _bad(name, _("Use true or false."))
    return value == "true"


def _when(params: dict[str, str], name: str) -> dt.datetime | None:
    if name not in params:
        return None
    try:
        return validation.parse_timestamp(params[name], name)
    except StatementInvalid as exc:
        raise _bad(name, exc.message) from None


def _iri_param(params: dict[str, str], name: str, *, required: bool) -> str:
    value = params.get(name, "")
    if not value:
        if required:
            raise _bad(name, _("This parameter is required."))
        return ""
    try:
        return validation.iri(value, name)
    except StatementInvalid as exc:
        raise _bad(name, exc.message) from None


def _agent_param(params: dict[str, str], name: str = "agent") -> dict[str, Any]:
    if name not in params:
        raise _bad(name, _("This parameter is required."))
    try:
        return validation.agent_parameter(params[name], name)
    except StatementInvalid as exc:
        raise _bad(name, exc.message) from None


def _uuid_param(params: dict[str, str], name: str) -> str:
    if name not in params:
        return ""
    try:
        return validation.uuid_string(params[name], name)
    except StatementInvalid as exc:
        raise _bad(name, exc.message) from None


def _consistent(response: HttpResponse) -> HttpResponse:
    response["X-Experience-API-Consistent-Through"] = clock.now().isoformat()
    return response


# Statements -------------------------------------------------------------------------------


def _content(xreq: XRequest) -> tuple[Any, list[services.Part]]:
    media = xreq.content_type.split(";")[0].strip().lower()
    if media == "multipart/mixed":
        return multipart(xreq)
    if media not in ("application/json", ""):
        raise _bad("Content-Type", _("Send statements as application/json or multipart/mixed."))
    return json_body(xreq), []


def _put(xreq: XRequest, credential: Credential) -> HttpResponse:
    statement_id = _uuid_param(xreq.params, "statementId")
    if not statement_id:
        raise _bad("statementId", _("PUT needs the statementId parameter."))
    if set(xreq.params) - {"statementId"}:
        raise _bad("statementId", _("PUT takes only the statementId parameter."))
    statement, parts = _content(xreq)
    if not isinstance(statement, dict):
        raise StatementInvalid(_("PUT takes one statement, a JSON object."))
    if "id" in statement and str(statement["id"]).lower() != statement_id:
        raise _bad("statementId", _("The statement's id is not the statementId parameter."))
    statement = {**statement, "id": statement_id}
    services.statements_store(credential=credential, statements=[statement], parts=parts)
    return HttpResponse(status=204)


def _post(xreq: XRequest, credential: Credential) -> HttpResponse:
    if xreq.params:
        raise _bad(next(iter(xreq.params)), _("POST takes no parameters."))
    content, parts = _content(xreq)
    statements = content if isinstance(content, list) else [content]
    ids = services.statements_store(credential=credential, statements=statements, parts=parts)
    return JsonResponse(ids, safe=False)


def _shape(body: str, fmt: str, languages: list[str]) -> str:
    if fmt == "exact":
        return body
    value = json.loads(body)
    if fmt == "ids":
        value = canonical.ids_format(value)
    else:
        value = canonical.canonical_format(value, languages)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _answer(first: str, shas: list[str], with_attachments: bool) -> HttpResponse:
    if with_attachments:  # multipart whenever asked, even with no attachment to send
        found = selectors.attachments_get(shas) if shas else []
        return multipart_response(
            first.encode(), [(a.sha2, a.content_type, bytes(a.content)) for a in found]
        )
    return HttpResponse(first.encode(), content_type="application/json")


def _get(xreq: XRequest, credential: Credential) -> HttpResponse:
    params = xreq.params
    unknown = set(params) - STATEMENT_PARAMS
    if unknown:
        name = sorted(unknown)[0]
        raise _bad(name, _("The statements resource has no parameter %(name)s.") % {"name": name})
    fmt = params.get("format", "exact")
    if fmt not in ("exact", "ids", "canonical"):
        raise _bad("format", _("Use ids, exact or canonical."))
    with_attachments = _bool(params, "attachments")
    single = [n for n in ("statementId", "voidedStatementId") if n in params]
    if single:
        if len(single) > 1 or set(params) - SINGLE_PARAMS:
            raise _bad(
                single[0],
                _("statementId or voidedStatementId go only with format and attachments."),
            )
        row = selectors.statement_get(
            credential=credential,
            statement_id=params[single[0]],
            voided=single[0] == "voidedStatementId",
        )
        response = _answer(
            _shape(row.body, fmt, xreq.languages), list(row.attachments), with_attachments
        )
        response["Last-Modified"] = http_date(row.stored.timestamp())
        return _consistent(response)
    limit_text = params.get("limit", "0")
    if not limit_text.isdigit():
        raise _bad("limit", _("Use a whole number from 0."))
    cursor_text = params.get("cursor", "")
    if cursor_text and not cursor_text.isdigit():
        raise _bad("cursor", _("Use the more link as given."))
    query = selectors.StatementQuery(
        agent=_agent_param(params) if "agent" in params else None,
        verb=_iri_param(params, "verb", required=False),
        activity=_iri_param(params, "activity", required=False),
        registration=uuid.UUID(_uuid_param(params, "registration"))
        if "registration" in params
        else None,
        related_activities=_bool(params, "related_activities"),
        related_agents=_bool(params, "related_agents"),
        since=_when(params, "since"),
        until=_when(params, "until"),
        limit=int(limit_text),
        ascending=_bool(params, "ascending"),
        cursor=int(cursor_text) if cursor_text else None,
    )
    page = selectors.statements_query(credential=credential, query=query)
    more = ""
    if page.last_id is not None:
        rest = {k: v for k, v in params.items() if k != "cursor"}
        more = "/xapi/statements?" + urlencode({**rest, "cursor": str(page.last_id)})
    bodies = (
        page.bodies if fmt == "exact" else [_shape(b, fmt, xreq.languages) for b in page.bodies]
    )
    first = '{"statements":[' + ",".join(bodies) + '],"more":' + json.dumps(more) + "}"
    return _consistent(_answer(first, page.attachments, with_attachments))


@resource(methods=("GET", "PUT", "POST"))
def statements(xreq: XRequest, credential: Credential | None) -> HttpResponse:
    assert credential is not None
    if xreq.method == "PUT":
        return _put(xreq, credential)
    if xreq.method == "POST":
        return _post(xreq, credential)
    return _get(xreq, credential)


# Documents ---------------------------------------------------------------------------------


def _document(
    xreq: XRequest, credential: Credential, key: DocumentKey, id_param: str, *, listing_ok: bool
) -> HttpResponse:
    params = xreq.params
    if xreq.method == "GET":
        if not key.document_id:
            if not listing_ok:
                raise _bad(id_param, _("This parameter is required."))
            ids = selectors.document_ids(
                credential=credential, key=key, since=_when(params, "since")
            )
            return JsonResponse(ids, safe=False)
        document = selectors.document_get(credential=credential, key=key)
        response = HttpResponse(bytes(document.content), content_type=document.content_type)
        response["ETag"] = f'"{document.etag}"'
        response["Last-Modified"] = http_date(document.updated.timestamp())
        return response
    if xreq.method == "DELETE":
        every = not key.document_id
        if every and key.kind != DocumentKind.STATE:
            raise _bad(id_param, _("This parameter is required."))
        services.document_delete(
            credential=credential, key=key, if_match=xreq.header("if-match"), every=every
        )
        return HttpResponse(status=204)
    if not key.document_id:
        raise _bad(id_param, _("This parameter is required."))
    document = services.document_write(
        credential=credential,
        key=key,
        content=xreq.body,
        content_type=xreq.content_type or "application/octet-stream",
        merge=xreq.method == "POST",
        if_match=xreq.header("if-match"),
        if_none_match=xreq.header("if-none-match"),
    )
    response = HttpResponse(status=204)
    response["ETag"] = f'"{document.etag}"'
    return response


def _only(params: dict[str, str], allowed: set[str]) -> None:
    unknown = set(params) - allowed
    if unknown:
        name = sorted(unknown)[0]
        raise _bad(name, _("This resource has no parameter %(name)s.") % {"name": name})


@resource(methods=("GET", "PUT", "POST", "DELETE"))
def state(xreq: XRequest, credential: Credential | None) -> HttpResponse:
    assert credential is not None
    params = xreq.params
    _only(params, {"activityId", "agent", "registration", "stateId", "since"})
    key = DocumentKey(
        kind=DocumentKind.STATE,
        activity_hash=canonical.activity_hash(_iri_param(params, "activityId", required=True)),
        agent_hash=canonical.agent_hash(_agent_param(params)),
        registration=_uuid_param(params, "registration"),
        document_id=params.get("stateId", ""),
    )
    return _document(xreq, credential, key, "stateId", listing_ok=True)


@resource(methods=("GET", "PUT", "POST", "DELETE"))
def activity_profile(xreq: XRequest, credential: Credential | None) -> HttpResponse:
    assert credential is not None
    params = xreq.params
    _only(params, {"activityId", "profileId", "since"})
    key = DocumentKey(
        kind=DocumentKind.ACTIVITY_PROFILE,
        activity_hash=canonical.activity_hash(_iri_param(params, "activityId", required=True)),
        document_id=params.get("profileId", ""),
    )
    return _document(xreq, credential, key, "profileId", listing_ok=True)


@resource(methods=("GET", "PUT", "POST", "DELETE"))
def agent_profile(xreq: XRequest, credential: Credential | None) -> HttpResponse:
    assert credential is not None
    params = xreq.params
    _only(params, {"agent", "profileId", "since"})
    key = DocumentKey(
        kind=DocumentKind.AGENT_PROFILE,
        agent_hash=canonical.agent_hash(_agent_param(params)),
        document_id=params.get("profileId", ""),
    )
    return _document(xreq, credential, key, "profileId", listing_ok=True)


# Activities, agents, about ---------------------------------------------------------------


@resource(methods=("GET",))
def activities(xreq: XRequest, credential: Credential | None) -> HttpResponse:
    _only(xreq.params, {"activityId"})
    activity_id = _iri_param(xreq.params, "activityId", required=True)
    return JsonResponse(selectors.activity_get(activity_id))


@resource(methods=("GET",))
def agents(xreq: XRequest, credential: Credential | None) -> HttpResponse:
    _only(xreq.params, {"agent"})
    return JsonResponse(selectors.person_of(_agent_param(xreq.params)))


@resource(methods=("GET",), public=True)
def about(xreq: XRequest, credential: Credential | None) -> HttpResponse:
    return JsonResponse({"version": [VERSION, "1.0.2", "1.0.1", "1.0.0"], "extensions": {}})
