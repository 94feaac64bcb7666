"""Plain values communities hands to pages, the API and other apps; standard library only."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TownCount:
    code: str
    name: str
    teams: int


@dataclass(frozen=True)
class DistrictTeams:
    """Active learning teams of one district, by town (the discovery "map")."""

    code: str
    name: str
    teams: int
    towns: tuple[TownCount, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ShowcaseEntry:
    """What the public showcase may show of an awardee: only what she consented to."""

    award: str
    year: int
    district: str
    name: str | None
    story: str | None
