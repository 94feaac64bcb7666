"""Plain values about learners that other apps receive; standard library only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class LearnerRow:
    """One resident to register in bulk (demo city, a town office's import)."""

    name: str
    birth_date: dt.date
    gender: str
    residence_area_id: int
    household: str
    id_number: str
    phone: str = ""
    preferred_language: str = "zh-hans"


@dataclass(frozen=True)
class TargetGroupStatus:
    group: str
    since: dt.date | None
    until: dt.date | None
    derived: bool
