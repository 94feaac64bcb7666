"""Plain values other apps receive from the catalog; standard library only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ClassSeats:
    """What rationing needs to know about one class."""

    class_id: int
    public_id: str
    term_id: int
    capacity: int
    seats_taken: int
    group_quota: int
    rationing: str
    applications_open_at: dt.datetime
    applications_close_at: dt.datetime
