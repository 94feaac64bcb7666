"""Mainland resident identity numbers (GB 11643-1999): 18 characters, ISO 7064 MOD 11-2."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


class IdNumberError(ValueError):
    """Why a string is not a valid resident ID number; `reason` is a stable code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdNumber:
    value: str

    @property
    def region_code(self) -> str:
        return self.value[:6]

    @property
    def birth_date(self) -> dt.date:
        return dt.date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def is_male(self) -> bool:
        return int(self.value[16]) % 2 == 1

    @property
    def masked(self) -> str:
        return mask(self.value)


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def parse(raw: str) -> IdNumber:
    value = normalize(raw)
    if len(value) != 18:
        raise IdNumberError("length")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise IdNumberError("characters")
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberError("birth_date") from None
    if born.year < 1880:
        raise IdNumberError("birth_date")
    if check_char(value[:17]) != value[17]:
        raise IdNumberError("checksum")
    return IdNumber(value)


def build(region_code: str, birth_date: dt.date, sequence: int) -> str:
    """A valid number for a region, a birth date and a 3-digit sequence (odd = male)."""
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)


def mask(value: str) -> str:
    """Shown to authorised staff: region prefix and the last four, e.g. 3101**********123X."""
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
