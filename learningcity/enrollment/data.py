"""Plain values other apps receive from enrollment; standard library only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CompletionEvent:
    """A learner finished (or did not finish) a class: what the credit bank records.

    `source` is the opaque key the credit bank stores: "enrollment:<application public id>"."""

    source: str
    learner_id: int
    class_public_id: str
    course_code: str
    provider_code: str
    completed: bool
    attendance_rate: Decimal
    hours: Decimal
    decided_at: dt.datetime


@dataclass(frozen=True)
class DrawSummary:
    term: str
    applications: int
    offered: int
    waitlisted: int
    seconds: float
    results_digest: str
