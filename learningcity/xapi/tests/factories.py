"""Factories for the learning record store: a provider's credentials, statements, and a
client that speaks xAPI (Basic auth and the version header on every request)."""

from __future__ import annotations

import base64
import itertools
import json
import uuid
from decimal import Decimal
from typing import Any

from django.test import Client

from learningcity.creditbank.choices import CreditCategory
from learningcity.network.models import Organization
from learningcity.network.tests.factories import City
from learningcity.xapi import services
from learningcity.xapi.models import ActivityRegistration

_seq = itertools.count(1)
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def issue(city: City, provider: Organization | None = None) -> services.IssuedCredential:
    """Credentials for a provider (district A's college unless told), issued by its admin."""
    provider = provider or city.a.college
    actor = city.a.school_admin if provider == city.a.school else city.root
    return services.credential_create(actor=actor, provider=provider, name="LMS")


class XapiClient:
    """Django's test client with a provider's credentials and the xAPI version header."""

    def __init__(self, issued: services.IssuedCredential, version: str = "1.0.3") -> None:
        self.client = Client()
        token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": version}

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: Any) -> Any:
        return self.client.get(path, params or {}, headers={**self.headers, **headers})

    def head(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.head(path, params or {}, headers=self.headers)

    def post(self, path: str, body: Any, content_type: str = "application/json", **h: Any) -> Any:
        data = (
            json.dumps(body)
            if content_type == "application/json" and not isinstance(body, bytes | str)
            else body
        )
        return self.client.post(
            path, data, content_type=content_type, headers={**self.headers, **h}
        )

    def put(self, path: str, body: Any, content_type: str = "application/json", **h: Any) -> Any:
        data = (
            json.dumps(body)
            if content_type == "application/json" and not isinstance(body, bytes | str)
            else body
        )
        return self.client.put(path, data, content_type=content_type, headers={**self.headers, **h})

    def delete(self, path: str, **h: Any) -> Any:
        return self.client.delete(path, headers={**self.headers, **h})


def activity_id(n: int | None = None) -> str:
    return f"https://lms.example.org/course/{n if n is not None else next(_seq)}"


def statement(
    *,
    verb: str = COMPLETED,
    actor: dict[str, Any] | None = None,
    obj: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "actor": actor or {"mbox": f"mailto:learner{next(_seq)}@example.org", "name": "学员"},
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": obj or {"id": activity_id(), "definition": {"name": {"zh-Hans": "书法"}}},
    }
    value.update(extra)
    return value


def register(
    city: City,
    activity: str,
    *,
    provider: Organization | None = None,
    hours: str = "12",
    category: str = CreditCategory.DIGITAL,
) -> ActivityRegistration:
    return services.registration_create(
        actor=city.root,
        provider=provider or city.a.college,
        activity_id=activity,
        title="数字生活",
        category=category,
        hours=Decimal(hours),
        course_code="DIG-1",
    )


def new_id() -> str:
    return str(uuid.uuid4())
