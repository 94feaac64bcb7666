"""Factory functions for credentials: an achievement for a learner, issued by a college."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

from learningcity.credentials import services
from learningcity.credentials.data import AchievementData, ResultData
from learningcity.credentials.models import Credential
from learningcity.network.tests.factories import City

ACHIEVEMENT = AchievementData(
    learner_public_id="00000000-0000-4000-8000-000000000001",
    learner_name="王秀英",
    achievement_id="urn:uuid:6b1d7a52-3c1e-4bd3-9f57-0a8f2a1c0b11",
    achievement_type="Course",
    name="书法入门 Calligraphy for beginners",
    description="三十学时的社区书法课程。",
    criteria="出勤不少于80%并完成结业作品。",
    valid_from=dt.datetime(2026, 3, 15, tzinfo=dt.UTC),
    results=(ResultData(name="Score", value="92", value_min="0", value_max="100"),),
    credits="2.0",
)


def achievement(**overrides: Any) -> AchievementData:
    overrides.setdefault("learner_public_id", str(uuid.uuid4()))
    return replace(ACHIEVEMENT, **overrides)


def issue(city: City, **overrides: Any) -> Credential:
    return services.credential_issue(
        actor=city.root, issuer_code=city.a.college.code, subject=achievement(**overrides)
    )
