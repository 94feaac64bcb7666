"""Residents, teams, criteria and awards for the communities tests, built through services."""

from __future__ import annotations

import itertools
from typing import Any

from learningcity.accounts.services import user_create
from learningcity.communities import services
from learningcity.communities.choices import OrganizationType, TeamTopic
from learningcity.communities.models import Award, LearningTeam, RecognitionCriterion
from learningcity.learners.models import Learner
from learningcity.learners.tests.factories import make_learner
from learningcity.network.tests.factories import City

_seq = itertools.count(1)


def make_resident(city: City, *, district: str = "a", name: str = "王秀英") -> Learner:
    area = getattr(city, district).neighbourhood
    user = user_create(
        actor=None, username=f"neighbour{next(_seq)}", password="a-long-test-passphrase"
    )
    return make_learner(actor=city.root, area=area, user=user, name=name)


def make_team(
    city: City,
    *,
    founder: Learner | None = None,
    district: str = "a",
    approve: bool = True,
    name_zh: str = "外滩合唱团",
    name_en: str = "Bund Choir",
    topic: str = TeamTopic.SINGING,
    **kwargs: Any,
) -> LearningTeam:
    place = getattr(city, district)
    founder = founder or make_resident(city, district=district)
    fields: dict[str, Any] = {"site": place.site, "schedule": "每周三 9:00–11:00"}
    fields.update(kwargs)
    team = services.team_apply(
        actor=founder.user,
        name_zh=name_zh,
        name_en=name_en,
        topic=topic,
        town=place.town,
        **fields,
    )
    if approve:
        team = services.team_decide(
            actor=place.school_admin, public_id=team.public_id, approve=True
        )
    return team


def make_member(city: City, team: LearningTeam, *, district: str = "a") -> Learner:
    learner = make_resident(city, district=district, name="李建国")
    membership = services.team_join(actor=learner.user, public_id=team.public_id)
    leader = team.founder.user
    services.membership_decide(actor=leader, public_id=membership.public_id, accept=True)
    return learner


def make_criteria(
    city: City, *, year: int = 2026, organization_type: str = OrganizationType.ENTERPRISE
) -> list[RecognitionCriterion]:
    return [
        services.criterion_create(
            actor=city.root,
            year=year,
            organization_type=organization_type,
            code="PLAN",
            name_zh="学习规划",
            name_en="A learning plan",
            max_score=10,
            weight=1,
        ),
        services.criterion_create(
            actor=city.root,
            year=year,
            organization_type=organization_type,
            code="HOURS",
            name_zh="人均学习时数",
            name_en="Learning hours per person",
            max_score=20,
            weight=3,
        ),
    ]


def make_award(city: City, *, code: str = "STAR-2026") -> Award:
    return services.award_create(
        actor=city.root,
        code=code,
        year=2026,
        name_zh="学习之星",
        name_en="Learning star",
        owner=city.commission,
    )
