"""Plain values of monitoring; standard library only."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class IndicatorDefinition:
    """What an indicator measures. Texts are lazy translations (typed Any here, so this module
    imports nothing but the standard library)."""

    code: str
    unit: str
    higher_is_better: bool
    dimensions: tuple[str, ...]
    definition: Any
    numerator: Any
    denominator: Any
    source: Any


@dataclass(frozen=True)
class PopulationRow:
    area_code: str
    year: int
    dimension: str
    dimension_value: str
    count: int


@dataclass(frozen=True)
class TargetRow:
    indicator: str
    year: int
    value: Decimal


@dataclass(frozen=True)
class ObjectiveRow:
    title_zh: str
    title_en: str
    targets: tuple[TargetRow, ...] = ()


@dataclass(frozen=True)
class RefreshResult:
    as_of: str
    periods: tuple[int, ...]
    rows: int
    seconds: float
    # (step, seconds): where the time went.
    steps: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Figure:
    """One published figure: an aggregate as a viewer (or the public) may see it."""

    indicator: str
    period: int
    area_code: str
    area_name: str
    area_level: str
    dimension: str
    dimension_value: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    suppressed: bool = False


@dataclass(frozen=True)
class Progress:
    """An indicator's value against one year's target, with a traffic light and its reason."""

    indicator: str
    year: int
    target: Decimal
    actual: Decimal | None
    light: str
    reason: str


@dataclass(frozen=True)
class ObjectiveProgress:
    title: str
    progress: tuple[Progress, ...] = field(default_factory=tuple)
