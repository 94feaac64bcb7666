"""Plain values other apps receive from network; standard library only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """Where an actor may act: whole city, or area and organization subtrees (path prefixes)."""

    everything: bool = False
    area_paths: tuple[str, ...] = ()
    organization_paths: tuple[str, ...] = ()

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.area_paths and not self.organization_paths


@dataclass(frozen=True)
class DistrictCount:
    code: str
    name_zh: str
    name_en: str
    population: int
    organizations: int
    sites: int
    learners: int = 0
