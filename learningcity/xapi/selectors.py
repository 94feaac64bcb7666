"""Every read of the learning record store. A credential reads its provider's statements and
those of every provider that granted its provider a live read grant; documents (state,
activity and agent profiles) stay per provider, granted or not. Staff read credentials,
registrations, read grants and statement outcomes of the providers in their scope."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from learningcity.core.errors import NotFound
from learningcity.network.choices import Action
from learningcity.network.models import Organization
from learningcity.xapi import canonical
from learningcity.xapi.choices import CreditOutcome, RefKind
from learningcity.xapi.errors import BadRequest
from learningcity.xapi.models import (
    Activity,
    ActivityRegistration,
    Attachment,
    Credential,
    Document,
    ReadGrant,
    Statement,
    StatementRef,
)
from learningcity.xapi.services.documents import DocumentKey

LIMIT_MAX = 500


@dataclass(frozen=True)
class StatementQuery:
    """The filters of GET /xapi/statements, parsed."""

    agent: dict[str, Any] | None = None
    verb: str = ""
    activity: str = ""
    registration: uuid.UUID | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 0
    ascending: bool = False
    cursor: int | None = None


@dataclass(frozen=True)
class StatementPage:
    bodies: list[str]
    attachments: list[str]
    last_id: int | None  # set when there may be more


def readable_providers(credential: Credential) -> dict[int, str]:
    """The providers whose statements a credential reads, id → code: its own, and each that
    granted its provider a live read grant."""
    readable = {credential.provider_id: credential.provider.code}
    readable.update(
        ReadGrant.objects.filter(
            grantee_id=credential.provider_id, revoked_at__isnull=True
        ).values_list("provider_id", "provider__code")
    )
    return readable


def _readable(providers: dict[int, str]) -> Q:
    """One condition on the indexed provider column; plain equality (the query as it was
    before grants) when the credential reads only its own provider's statements."""
    ids = sorted(providers)
    return Q(provider_id=ids[0]) if len(ids) == 1 else Q(provider_id__in=ids)


def _authority_hash(code: str) -> str:
    # The authority of every statement a provider stores (services.statements.authority_of):
    # an account is identified by its home page and name alone.
    return canonical.agent_hash(
        {"account": {"homePage": settings.CREDENTIALS_BASE_URL, "name": code}}
    )


def statement_get(*, credential: Credential, statement_id: str, voided: bool) -> Statement:
    """One statement by id (voided=False) or one voided statement (voided=True); 404 when it
    is missing, out of the credential's scope, or in the other state."""
    try:
        key = uuid.UUID(statement_id)
    except ValueError:
        message = _("A statement id is a UUID.")
        raise BadRequest(message, fields={"statementId": [message]}) from None
    row = (
        Statement.objects.filter(
            _readable(readable_providers(credential)), statement_id=key, voided=voided
        )
        .only("body", "attachments", "stored")
        .first()
    )
    if row is None:
        raise NotFound(_("No such statement."))
    return row


def _matching(readable: dict[int, str], query: StatementQuery) -> Q | None:
    """The query's filters that are not about time or sequence (agent, verb, activity,
    registration), as one condition; None when there are none (every statement meets them).
    `readable` is the providers whose statements the credential reads (readable_providers)."""
    conditions: list[Q] = []
    if query.agent is not None:
        digest = canonical.agent_hash(query.agent)
        direct = Q(actor_hash=digest) | Q(object_hash=digest)
        # The authority is no reference row: it is the provider that stored the statement.
        authorities = [pk for pk, code in readable.items() if _authority_hash(code) == digest]
        if query.related_agents and authorities and len(readable) == 1:
            pass  # every statement the credential reads has this authority
        else:
            if query.related_agents:
                related = StatementRef.objects.filter(ref_hash=digest, kind=RefKind.AGENT)
                direct |= Q(pk__in=related.values("statement_id"))
                if authorities:
                    direct |= Q(provider_id=authorities[0])
            conditions.append(direct)
    if query.verb:
        conditions.append(Q(verb_hash=canonical.verb_hash(query.verb)))
    if query.activity:
        digest = canonical.activity_hash(query.activity)
        direct = Q(object_hash=digest)
        if query.related_activities:
            related = StatementRef.objects.filter(ref_hash=digest, kind=RefKind.ACTIVITY)
            direct |= Q(pk__in=related.values("statement_id"))
        conditions.append(direct)
    if query.registration is not None:
        conditions.append(Q(registration=query.registration))
    if not conditions:
        return None
    matching = conditions[0]
    for condition in conditions[1:]:
        matching &= condition
    return matching


def _window(query: StatementQuery) -> Q:
    """The filters about time and sequence, which apply to the statement returned itself."""
    window = Q(voided=False)
    if query.since is not None:
        window &= Q(stored__gt=query.since)
    if query.until is not None:
        window &= Q(stored__lte=query.until)
    if query.cursor is not None:
        window &= Q(pk__gt=query.cursor) if query.ascending else Q(pk__lt=query.cursor)
    return window


Row = tuple[int, str, list[str]]


def _through_targets(
    readable: QuerySet[Statement], window: Q, matching: Q, *, ascending: bool, beyond: int | None
) -> list[Row]:
    """Statements in the window that meet the filters through the statements they target
    (xAPI 1.0.3, Part Three, 2.1.3): a statement whose object is a StatementRef meets them
    when its target does, recursively; a voided target still counts (only the statements
    returned must not be voided). Targets are followed within what the credential reads.
    `beyond` is the last row a page of direct matches could hold: targeting statements past
    it cannot be on the page."""
    targeting = readable.filter(window, target__isnull=False)
    if beyond is not None:
        targeting = (
            targeting.filter(pk__lt=beyond) if ascending else targeting.filter(pk__gt=beyond)
        )
    # Walk up every chain at once, one query a step; `reaches` maps each statement id met
    # to the origins whose chain passes through it. A cycle ends where an id comes round.
    frontier: dict[uuid.UUID, set[int]] = {}
    for pk, target in targeting.values_list("pk", "target"):  # usually none: an index probe
        if target is not None:
            frontier.setdefault(target, set()).add(pk)
    reaches: dict[uuid.UUID, set[int]] = {}
    while frontier:
        fresh = {k: v - reaches.get(k, set()) for k, v in frontier.items()}
        fresh = {k: v for k, v in fresh.items() if v}
        if not fresh:
            break
        for k, v in fresh.items():
            reaches.setdefault(k, set()).update(v)
        frontier = {}
        steps = readable.filter(statement_id__in=list(fresh), target__isnull=False)
        for statement_id, target in steps.values_list("statement_id", "target"):
            if target is not None:
                frontier.setdefault(target, set()).update(fresh[statement_id])
    if not reaches:
        return []
    met = readable.filter(matching, statement_id__in=list(reaches)).values_list(
        "statement_id", flat=True
    )
    found = {pk for statement_id in met for pk in reaches[statement_id]}
    if not found:
        return []
    return list(readable.filter(pk__in=found).values_list("id", "body", "attachments"))


def _page(rows: QuerySet[Statement], ascending: bool, n: int) -> list[Row]:
    ordered = rows.order_by("id" if ascending else "-id")
    return list(ordered.values_list("id", "body", "attachments")[:n])


def statements_query(*, credential: Credential, query: StatementQuery) -> StatementPage:
    providers = readable_providers(credential)
    readable = Statement.objects.filter(_readable(providers))
    matching = _matching(providers, query)
    window = _window(query)
    limit = min(query.limit or LIMIT_MAX, LIMIT_MAX)
    rows = readable.filter(window)
    if matching is not None:
        rows = rows.filter(matching)
    found = _page(rows, query.ascending, limit + 1)
    if matching is not None:
        beyond = found[-1][0] if len(found) > limit else None
        extra = _through_targets(
            readable, window, matching, ascending=query.ascending, beyond=beyond
        )
        if extra:
            merged = {row[0]: row for row in [*found, *extra]}
            found = [merged[pk] for pk in sorted(merged, reverse=not query.ascending)]
    more = len(found) > limit
    found = found[:limit]
    return StatementPage(
        bodies=[body for _pk, body, _a in found],
        attachments=sorted({sha for _pk, _b, shas in found for sha in shas}),
        last_id=found[-1][0] if more and found else None,
    )


def attachments_get(shas: list[str]) -> list[Attachment]:
    return list(Attachment.objects.filter(sha2__in=shas).order_by("sha2"))


def document_get(*, credential: Credential, key: DocumentKey) -> Document:
    document = Document.objects.filter(
        **key.filters(credential), document_id=key.document_id
    ).first()
    if document is None:
        raise NotFound(_("No such document."))
    return document


def document_ids(
    *, credential: Credential, key: DocumentKey, since: dt.datetime | None
) -> list[str]:
    documents = Document.objects.filter(
        provider_id=credential.provider_id,
        kind=key.kind,
        activity_hash=key.activity_hash,
        agent_hash=key.agent_hash,
    )
    if key.registration:
        documents = documents.filter(registration=key.registration)
    if since is not None:
        documents = documents.filter(updated__gt=since)
    return sorted(set(documents.values_list("document_id", flat=True)))


def activity_get(activity_id: str) -> dict[str, Any]:
    """The canonical definition the LRS holds, or the bare activity when it holds none."""
    activity = Activity.objects.filter(activity_hash=canonical.activity_hash(activity_id)).first()
    out: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if activity is not None and activity.definition:
        out["definition"] = activity.definition
    return out


def person_of(agent: dict[str, Any]) -> dict[str, Any]:
    """The Person object of an agent: the identifiers and names the LRS knows for it (it
    holds no links between agents, so just this agent's)."""
    person: dict[str, Any] = {"objectType": "Person"}
    if "name" in agent:
        person["name"] = [agent["name"]]
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            person[key] = [agent[key]]
    return person


# Pages --------------------------------------------------------------------------------------


def providers_for(*, viewer: Any) -> QuerySet[Organization]:
    """The organizations whose credentials and activities the viewer manages."""
    return Organization.objects.restrict(viewer, Action.CHANGE).order_by("code")


def provider_access(*, viewer: Any, code: str) -> Organization:
    provider = providers_for(viewer=viewer).filter(code=code).first()
    if provider is None:
        raise NotFound(_("No such provider."))
    return provider


def credentials_of(*, viewer: Any, provider: Organization) -> list[Credential]:
    return list(
        Credential.objects.restrict(viewer, Action.CHANGE)
        .filter(provider=provider)
        .select_related("issued_by")
        .order_by("-created_at", "-id")
    )


def registrations_of(*, viewer: Any, provider: Organization) -> list[ActivityRegistration]:
    return list(
        ActivityRegistration.objects.restrict(viewer, Action.CHANGE)
        .filter(provider=provider)
        .order_by("title", "id")
    )


def grants_given(*, viewer: Any, provider: Organization) -> list[ReadGrant]:
    """The read grants the provider gave, live ones first, with the grantees."""
    return list(
        ReadGrant.objects.restrict(viewer, Action.CHANGE)
        .filter(provider=provider)
        .select_related("grantee")
        .order_by(F("revoked_at").desc(nulls_first=True), "-created_at", "-id")[:200]
    )


def grants_received(*, viewer: Any, provider: Organization) -> list[ReadGrant]:
    """The live read grants other providers gave this one (the viewer manages this one)."""
    if not providers_for(viewer=viewer).filter(pk=provider.pk).exists():
        return []
    return list(
        ReadGrant.objects.filter(grantee=provider, revoked_at__isnull=True)
        .select_related("provider")
        .order_by("-created_at", "-id")[:200]
    )


@dataclass(frozen=True)
class OutcomeLine:
    statement_id: str
    stored: dt.datetime
    verb: str
    activity: str
    actor: str
    outcome: str
    outcome_label: str
    note: str
    record_id: str


def outcome_hint(outcome: str) -> str:
    """What the provider can do about an outcome, in the reader's language."""
    if outcome == CreditOutcome.UNKNOWN_ACTIVITY:
        return _("Register this activity id to turn it into credit.")
    if outcome == CreditOutcome.UNKNOWN_ACTOR:
        return _(
            "Name the learner by an account on %(home)s with the credit-bank account "
            "number, or by the email of their login."
        ) % {"home": settings.CREDENTIALS_BASE_URL}
    if outcome == CreditOutcome.NOT_PASSED:
        return _("The result says success: false.")
    return ""


def outcomes_of(
    *, viewer: Any, provider: Organization, outcome: str = "", limit: int = 100
) -> list[OutcomeLine]:
    """The provider's latest completions and what became of them in the credit bank."""
    rows = Statement.objects.restrict(viewer, Action.CHANGE).filter(provider=provider)
    if outcome:
        rows = rows.filter(credit_outcome=outcome)
    else:
        rows = rows.exclude(credit_outcome=CreditOutcome.NONE)
    lines = []
    labels = dict(CreditOutcome.choices)
    for statement_id, stored, body, credit, note, record in rows.order_by("-id").values_list(
        "statement_id", "stored", "body", "credit_outcome", "credit_note", "credit_record"
    )[:limit]:
        value = json.loads(body)
        actor = value["actor"]
        account = actor.get("account") or {}
        lines.append(
            OutcomeLine(
                statement_id=str(statement_id),
                stored=stored,
                verb=value["verb"]["id"].rsplit("/", 1)[-1],
                activity=value["object"].get("id", ""),
                actor=actor.get("mbox")
                or account.get("name")
                or actor.get("openid")
                or actor.get("mbox_sha1sum", ""),
                outcome=credit,
                outcome_label=str(labels.get(credit, credit)),
                note=note or outcome_hint(credit),
                record_id=str(record or ""),
            )
        )
    return lines
