"""The one place code asks for the time, so tests and batch jobs can agree on 'today'."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate()


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Completed years of age on a date; a 29 February birthday counts from 1 March."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
