"""Plain values other apps receive from the catalog; standard library only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


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


@dataclass(frozen=True)
class SearchFilters:
    """One search of the catalog. Empty values do not filter.

    The class-only filters (place, weekday, time, step-free, seats, term) leave out courses
    and resources, which have no place or time."""

    q: str = ""
    kind: str = ""  # "class", "course" or "resource"
    district: str = ""  # an area code: classes at sites anywhere in its subtree
    town: str = ""  # an area code, as district
    near: str = ""  # a learning site's public id: its town, or within `within_km` of it
    within_km: int = 3
    category: str = ""
    mode: str = ""
    weekday: int | None = None
    time_of_day: str = ""  # "morning" (< 12:00), "afternoon" (12:00-18:00), "evening"
    fee: str = ""  # "free" or "paid"
    step_free: bool = False
    audience: str = ""
    seats_left: bool = False
    term: str = ""  # a term code
    provider: str = ""  # an organization code


@dataclass(frozen=True)
class FacetCount:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class CourseRow:
    """One course for `courses_bulk_create`; its provider named by organization code."""

    code: str
    provider_code: str
    title_zh: str
    category: str
    hours: Decimal
    title_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    mode: str = "in_person"
    level: str = "beginner"
    fee: Decimal = Decimal("0.00")
    audience: str = "everyone"


@dataclass(frozen=True)
class ClassRow:
    """One class for `classes_bulk_create`: course and term by code, the site by primary key
    (None online)."""

    course_code: str
    term_code: str
    weekday: int
    starts_at: dt.time
    ends_at: dt.time
    first_session_on: dt.date
    sessions: int
    capacity: int
    applications_open_at: dt.datetime
    applications_close_at: dt.datetime
    site_id: int | None = None
    online_url: str = ""
    teacher: str = ""
    rationing: str = "lottery"
    group_quota: int = 0
    completion_min_attendance: int = 80


@dataclass(frozen=True)
class ResourceRow:
    provider_code: str
    title_zh: str
    kind: str
    category: str
    url: str
    title_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    duration_minutes: int = 0
    language: str = "zh-hans"
