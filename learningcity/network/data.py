"""Plain values other apps receive from network; standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


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


@dataclass(frozen=True)
class AreaRow:
    """One area to create below an existing area or an earlier row, named by its code."""

    code: str
    level: str
    parent_code: str
    name_zh: str
    name_en: str = ""
    population: int = 0
    population_over_65: int = 0
    population_non_local: int = 0


@dataclass(frozen=True)
class OrganizationRow:
    """One organization; `parent_code` names an existing organization or an earlier row."""

    code: str
    kind: str
    name_zh: str
    area_code: str
    name_en: str = ""
    parent_code: str = ""
    phone: str = ""
    website: str = ""


@dataclass(frozen=True)
class SiteRow:
    """One learning site of an organization, in an area; both named by code."""

    organization_code: str
    area_code: str
    name_zh: str
    address_zh: str
    name_en: str = ""
    address_en: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    rooms: int = 1
    capacity: int = 0
    step_free: bool = False
    accessible_toilet: bool = False
    hearing_loop: bool = False


@dataclass(frozen=True)
class StaffGrantRow:
    user_id: int
    organization_code: str
    role: str
