"""Plain values the credentials app takes and gives; standard library only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResultData:
    """One result of an achievement (a score, a grade, an attendance rate), as text."""

    name: str
    value: str
    result_type: str = "ScaledScore"  # an OB 3.0 ResultType: ScaledScore, LetterGrade, Percent…
    value_min: str = ""
    value_max: str = ""
    required_value: str = ""


@dataclass(frozen=True)
class AchievementData:
    """What a learner achieved, for an OpenBadgeCredential.

    `achievement_id` is a stable IRI of the achievement (a course, a certificate type);
    `achievement_type` an OB 3.0 AchievementType (Course, Certificate, Diploma…)."""

    learner_public_id: str
    learner_name: str
    achievement_id: str
    achievement_type: str
    name: str
    description: str
    criteria: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None = None
    results: tuple[ResultData, ...] = ()
    credits: str = ""  # credits earned, as a decimal string ("2.0")
    level: int | None = None
    human_code: str = ""
    field_of_study: str = ""
    activity_end: dt.date | None = None


@dataclass(frozen=True)
class TranscriptData:
    """A transcript: a learner's achievements, issued together as a ClrCredential. Achievements
    already issued as credentials are embedded by their public ids."""

    learner_public_id: str
    learner_name: str
    name: str
    description: str
    valid_from: dt.datetime
    credential_ids: tuple[str, ...] = ()
    achievements: tuple[AchievementData, ...] = ()


@dataclass(frozen=True)
class Check:
    """One verification check: `name` (signature, issuer_key, …), passed or not, a reason code
    when not, and a detail for people."""

    name: str
    passed: bool
    code: str = ""
    detail: str = ""


@dataclass(frozen=True)
class VerificationResult:
    """What a verifier found. `valid` only when every check passed."""

    checks: tuple[Check, ...]
    credential_id: str = ""
    types: tuple[str, ...] = ()
    issuer_id: str = ""
    issuer_name: str = ""
    subject_id: str = ""
    subject_name: str = ""
    name: str = ""
    achievement_name: str = ""
    valid_from: str = ""
    valid_until: str = ""
    issued_by_platform: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.code for c in self.checks if not c.passed))
