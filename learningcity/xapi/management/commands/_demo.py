"""The demo's learning record store, for `learningcity xapi demo --seed N --scale S` (which
portal's demo runs: the portal may not import this app, both being on the top layer)."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings

from learningcity.creditbank.choices import CreditCategory
from learningcity.creditbank.services import account_for
from learningcity.learners.models import Learner
from learningcity.network.models import StaffRole
from learningcity.xapi import services
from learningcity.xapi.choices import CreditOutcome
from learningcity.xapi.models import Statement

PLATFORM_URL = "https://elearning.example.org"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
ACTIVITIES = [
    ("smartphone", "智能手机入门（线上）", CreditCategory.DIGITAL, "6"),
    ("anti-fraud", "防范电信诈骗（线上）", CreditCategory.DIGITAL, "2"),
    ("calligraphy", "书法欣赏（线上）", CreditCategory.CULTURE_LEISURE, "8"),
]


def _statement(
    rng: random.Random, actor: dict[str, Any], verb: str, slug: str, **extra: Any
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": actor,
        "verb": {"id": verb, "display": {"zh-Hans": verb.rsplit("/", 1)[-1]}},
        "object": {
            "objectType": "Activity",
            "id": f"{PLATFORM_URL}/course/{slug}",
            "definition": {"name": {"zh-Hans": slug}},
        },
        "timestamp": f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00+08:00",
    }
    value.update(extra)
    return value


def seed_demo(*, seed: int, scale: float) -> dict[str, Any]:
    """The demo provider's credentials, activities and statements (see the module docstring
    of learningcity/portal/demo_xapi.py, which calls this through `learningcity xapi demo`)."""
    rng = random.Random(f"{seed}/xapi")  # noqa: S311 - demo data, not secrets
    role = (
        StaffRole.objects.filter(user__username="school")
        .select_related("organization", "user")
        .first()
    )
    if role is None:
        return {}
    school, staff = role.organization, role.user
    issued = services.credential_create(actor=staff, provider=school, name="在线学习平台")
    for slug, title, category, hours in ACTIVITIES:
        services.registration_create(
            actor=staff,
            provider=school,
            activity_id=f"{PLATFORM_URL}/course/{slug}",
            title=title,
            category=category,
            hours=Decimal(hours),
        )
    home = settings.CREDENTIALS_BASE_URL
    resident = Learner.objects.filter(user__username="resident").first()
    statements: list[dict[str, Any]] = []
    if resident is not None:
        me = {"account": {"homePage": home, "name": account_for(resident.pk).number}}
        statements += [
            _statement(rng, me, COMPLETED, "smartphone", result={"completion": True}),
            _statement(
                rng, me, PASSED, "anti-fraud", result={"success": True, "score": {"scaled": 0.9}}
            ),
            _statement(rng, me, COMPLETED, "knitting"),  # not registered
            _statement(rng, me, PASSED, "calligraphy", result={"success": False}),
        ]
    others = list(
        Learner.objects.order_by("pk").values_list("pk", flat=True)[: max(5, int(300 * scale))]
    )
    for learner_id in others:
        who = {"account": {"homePage": home, "name": account_for(learner_id).number}}
        slug = rng.choice(ACTIVITIES)[0]
        statements.append(_statement(rng, who, rng.choice([COMPLETED, EXPERIENCED]), slug))
    statements.append(
        _statement(rng, {"mbox": "mailto:unknown@example.org"}, COMPLETED, "smartphone")
    )
    for start in range(0, len(statements), 100):
        services.statements_store(
            credential=issued.credential, statements=statements[start : start + 100]
        )
    services.statements_credit(provider_id=school.pk)
    records = Statement.objects.filter(
        provider=school, credit_outcome=CreditOutcome.CREATED
    ).count()
    return {
        "provider": school.code,
        "activities": len(ACTIVITIES),
        "statements": len(statements),
        "records": records,
    }
