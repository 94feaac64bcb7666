"""GB 11643 resident ID numbers: the checksum that catches mistyped digits."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learningcity.core import idnumber


def test_parses_the_standards_worked_example() -> None:
    parsed = idnumber.parse("11010519491231002X")

    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.region_code == "110105"
    assert parsed.is_male is False


def test_lowercase_x_and_spaces_are_normalized() -> None:
    assert idnumber.parse(" 110105 19491231002x ").value == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("11010519491231002", "length"),
        ("1101051949123100XX", "characters"),
        ("110105194913310021", "birth_date"),
        ("110105194912310021", "checksum"),
    ],
)
def test_rejects_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(idnumber.IdNumberError) as excinfo:
        idnumber.parse(raw)

    assert excinfo.value.reason == reason


def test_mask_keeps_region_prefix_and_last_four() -> None:
    assert idnumber.mask("31010119800101123X") == "3101**********123X"


birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))


@given(birth=birth_dates, sequence=st.integers(min_value=0, max_value=999))
def test_every_built_number_parses_back(birth: dt.date, sequence: int) -> None:
    value = idnumber.build("310115", birth, sequence)

    parsed = idnumber.parse(value)

    assert parsed.birth_date == birth
    assert parsed.is_male == (sequence % 2 == 1)


@given(
    birth=birth_dates,
    sequence=st.integers(min_value=0, max_value=999),
    position=st.integers(min_value=0, max_value=16),
    delta=st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_typo_is_caught(
    birth: dt.date, sequence: int, position: int, delta: int
) -> None:
    value = idnumber.build("310115", birth, sequence)
    typo = value[:position] + str((int(value[position]) + delta) % 10) + value[position + 1 :]

    with pytest.raises(idnumber.IdNumberError):
        idnumber.parse(typo)
