"""State, activity profile and agent profile documents (xAPI 1.0.3, Part Three, 2.3 and 3.1):
PUT replaces, POST merges JSON objects, DELETE removes; If-Match and If-None-Match are checked
against the row locked for the write, and a unique constraint settles two first writes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.xapi.choices import DocumentKind
from learningcity.xapi.errors import BadRequest, PreconditionFailed, PreconditionRequired
from learningcity.xapi.models import Credential, Document

JSON = "application/json"


@dataclass(frozen=True)
class DocumentKey:
    """Where a document lives: its kind, the digests of its activity and agent (blank when
    the kind has none), the registration (blank when none) and its id."""

    kind: str
    activity_hash: str = ""
    agent_hash: str = ""
    registration: str = ""
    document_id: str = ""

    def filters(self, credential: Credential) -> dict[str, Any]:
        return {
            "provider_id": credential.provider_id,
            "kind": self.kind,
            "activity_hash": self.activity_hash,
            "agent_hash": self.agent_hash,
            "registration": self.registration,
        }


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def _tags(header: str | None) -> set[str] | None:
    if header is None:
        return None
    return {t.strip().removeprefix("W/").strip('"') for t in header.split(",")}


def _check(existing: Document | None, if_match: str | None, if_none_match: str | None) -> None:
    match = _tags(if_match)
    if match is not None and (
        existing is None or ("*" not in match and existing.etag not in match)
    ):
        raise PreconditionFailed(_("The document changed since you read it (If-Match)."))
    none_match = _tags(if_none_match)
    if (
        none_match is not None
        and existing is not None
        and ("*" in none_match or existing.etag in none_match)
    ):
        raise PreconditionFailed(_("The document exists already (If-None-Match)."))


def _json_object(content: bytes, content_type: str) -> dict[str, Any]:
    message = _("Only JSON objects (Content-Type application/json) can be merged by POST.")
    if content_type.split(";")[0].strip().lower() != JSON:
        raise BadRequest(message, fields={"content": [message]})
    try:
        value = json.loads(content)
    except ValueError:
        raise BadRequest(message, fields={"content": [message]}) from None
    if not isinstance(value, dict):
        raise BadRequest(message, fields={"content": [message]})
    return value


def document_write(
    *,
    credential: Credential,
    key: DocumentKey,
    content: bytes,
    content_type: str,
    merge: bool,
    if_match: str | None = None,
    if_none_match: str | None = None,
) -> Document:
    """PUT (merge=False) or POST (merge=True) one document."""
    if merge:
        _json_object(content, content_type)
    for attempt in range(2):
        try:
            return _write(credential, key, content, content_type, merge, if_match, if_none_match)
        except IntegrityError:
            if attempt == 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@transaction.atomic
def _write(
    credential: Credential,
    key: DocumentKey,
    content: bytes,
    content_type: str,
    merge: bool,
    if_match: str | None,
    if_none_match: str | None,
) -> Document:
    existing = (
        Document.objects.select_for_update()
        .filter(**key.filters(credential), document_id=key.document_id)
        .first()
    )
    _check(existing, if_match, if_none_match)
    if (
        not merge
        and existing is not None
        and key.kind != DocumentKind.STATE
        and if_match is None
        and if_none_match is None
    ):
        raise PreconditionRequired(
            _("This document exists: send If-Match with its ETag to replace it.")
        )
    if merge and existing is not None:
        merged = _json_object(bytes(existing.content), existing.content_type)
        merged.update(_json_object(content, content_type))
        content = json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode()
        content_type = JSON
    now = clock.now()
    if existing is None:
        with transaction.atomic():
            return Document.objects.create(
                **key.filters(credential),
                document_id=key.document_id,
                content=content,
                content_type=content_type,
                etag=etag_of(content),
                updated=now,
            )
    existing.content = content
    existing.content_type = content_type
    existing.etag = etag_of(content)
    existing.updated = now
    existing.save(update_fields=["content", "content_type", "etag", "updated"])
    return existing


@transaction.atomic
def document_delete(
    *,
    credential: Credential,
    key: DocumentKey,
    if_match: str | None = None,
    every: bool = False,
) -> int:
    """Delete one document, or (state only, every=True) all documents of the activity and
    agent (and registration, when given)."""
    documents = Document.objects.select_for_update().filter(
        provider_id=credential.provider_id,
        kind=key.kind,
        activity_hash=key.activity_hash,
        agent_hash=key.agent_hash,
    )
    if every:
        if key.registration:
            documents = documents.filter(registration=key.registration)
        return documents.delete()[0]
    existing = documents.filter(registration=key.registration, document_id=key.document_id).first()
    _check(existing, if_match, None)
    if existing is None:
        return 0
    existing.delete()
    return 1
