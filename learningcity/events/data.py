"""What the events app hands to others: frozen dataclasses of the standard library only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventCount:
    """One event's participation."""

    public_id: str
    title: str
    district_code: str
    registered: int
    waitlisted: int
    attended: int


@dataclass(frozen=True)
class DistrictCount:
    """One district's events and participation in an edition."""

    code: str
    name: str
    events: int
    registered: int
    attended: int


@dataclass(frozen=True)
class Participation:
    """An edition's participation: per event, per district and in total. "Registered"
    counts everyone holding a place or who came (registered or attended)."""

    year: int
    events: int
    registered: int
    attended: int
    districts: tuple[DistrictCount, ...]
    by_event: tuple[EventCount, ...]


@dataclass(frozen=True)
class CheckInResult:
    """A check-in: the registration it is for, and whether it was already done before."""

    registration_id: str
    learner_name: str
    event_title: str
    already: bool
    checked_in_at: str
