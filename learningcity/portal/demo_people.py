"""The demo city's residents: a lazy, deterministic stream of LearnerRow for the bulk service.

A million residents never sit in memory at once: `Residents.rows()` yields them one by one,
and the only state that grows is a fixed 2-byte counter per (district, birth date, sex) that
keeps every generated ID number unique.
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from learningcity.core import idnumber
from learningcity.learners.choices import Gender, Household
from learningcity.learners.data import LearnerRow
from learningcity.portal import demo_names as names

REFERENCE_DATE = dt.date(2026, 9, 1)  # "today" for every age, so the data never drifts

# Residents on the platform are adults of 18 to 95. These bands give about 10 % aged 65 and
# over and 17 % aged 60 and over: older people do come to learning, but the platform's users
# are younger than the census's whole adult population. (youngest, oldest, weight)
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (18, 24, 10.0),
    (25, 34, 22.0),
    (35, 44, 21.0),
    (45, 54, 20.0),
    (55, 59, 10.0),
    (60, 64, 7.0),
    (65, 74, 7.0),
    (75, 84, 2.4),
    (85, 95, 0.6),
)
OLDEST = 95
NON_LOCAL_SHARE = 0.39  # of registered residents without a Shanghai hukou
ENGLISH_SHARE = 0.04  # residents who prefer the English interface
PHONE_SHARE = 0.97  # residents who gave a mobile number


def _years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)  # REFERENCE_DATE is never 29 February


@dataclass(frozen=True)
class Home:
    """A neighbourhood residents can live in: its area id, district and non-local share."""

    area_id: int
    district: int  # index into Residents.district_codes
    population: int
    non_local_share: float


class IdNumbers:
    """Unique ID numbers without remembering them: per district, birth date and sex the
    three-digit sequences are handed out in turn (odd for men, even for women, GB 11643)."""

    PER_SLOT = 499  # odd 1..997 or even 2..998

    def __init__(self, district_codes: Sequence[str]) -> None:
        self.district_codes = list(district_codes)
        self.first = _years_before(REFERENCE_DATE, OLDEST + 2).toordinal()
        self.span = REFERENCE_DATE.toordinal() - self.first + 1
        self.used = array.array("H", bytes(2 * 2 * self.span * len(self.district_codes)))

    def take(self, district: int, born: dt.date, male: bool) -> tuple[dt.date, str]:
        """An unused number for a resident; if that day is full (499 people of one sex born
        in one district on one day), the resident is born a day earlier."""
        day = born.toordinal()
        while True:
            slot = ((district * self.span) + day - self.first) * 2 + male
            taken = self.used[slot]
            if taken < self.PER_SLOT:
                self.used[slot] = taken + 1
                born = dt.date.fromordinal(day)
                sequence = 2 * taken + (1 if male else 2)
                return born, idnumber.build(self.district_codes[district], born, sequence)
            day = day - 1 if day > self.first else self.first + self.span - 1


class Residents:
    """Adults spread over the neighbourhoods in proportion to their population."""

    def __init__(self, homes: Sequence[Home], district_codes: Sequence[str], seed: int) -> None:
        self.homes = list(homes)
        self.home_cum = list(itertools.accumulate(h.population or 1 for h in self.homes))
        self.ids = IdNumbers(district_codes)
        self.seed = seed
        self.band_cum = list(itertools.accumulate(w for _, _, w in AGE_BANDS))
        self.band_days = [
            (
                _years_before(REFERENCE_DATE, oldest + 1).toordinal() + 1,
                _years_before(REFERENCE_DATE, youngest).toordinal(),
            )
            for youngest, oldest, _ in AGE_BANDS
        ]

    def person(
        self,
        rng: random.Random,
        home: Home,
        *,
        born: dt.date | None = None,
        male: bool | None = None,
    ) -> LearnerRow:
        if born is None:
            band = bisect.bisect(self.band_cum, rng.random() * self.band_cum[-1])
            born = dt.date.fromordinal(rng.randint(*self.band_days[band]))
        if male is None:
            # Women outlive men: past 75 the balance tips.
            male = rng.random() < (0.42 if born.year < REFERENCE_DATE.year - 75 else 0.51)
        born, id_number = self.ids.take(home.district, born, male)
        return LearnerRow(
            name=names.person_name(rng, male=male, birth_year=born.year),
            birth_date=born,
            gender=Gender.MALE if male else Gender.FEMALE,
            residence_area_id=home.area_id,
            household=Household.NON_LOCAL
            if rng.random() < home.non_local_share
            else Household.LOCAL,
            id_number=id_number,
            phone=names.mobile_number(rng) if rng.random() < PHONE_SHARE else "",
            preferred_language="en" if rng.random() < ENGLISH_SHARE else "zh-hans",
        )

    def rows(self, count: int) -> Iterator[LearnerRow]:
        """`count` residents, generated lazily."""
        rng = random.Random(f"{self.seed}/residents")  # noqa: S311 - demo data, not secrets
        total = self.home_cum[-1]
        for _ in range(count):
            home = self.homes[bisect.bisect(self.home_cum, rng.random() * total)]
            yield self.person(rng, home)
