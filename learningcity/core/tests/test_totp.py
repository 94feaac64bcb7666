"""TOTP codes as RFC 6238 defines them (its SHA-1 test vectors, truncated to six digits)."""

import base64
import datetime as dt

import pytest

from learningcity.core import totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [
        (59, "287082"),
        (1111111109, "081804"),
        (1111111111, "050471"),
        (1234567890, "005924"),
        (2000000000, "279037"),
        (20000000000, "353130"),
    ],
)
def test_codes_match_the_rfc_6238_vectors(unix_time: int, code: str) -> None:
    moment = dt.datetime.fromtimestamp(unix_time, tz=dt.UTC)

    assert totp.code_at(RFC_SECRET, totp.step_at(moment)) == code


def test_a_code_from_the_step_before_or_after_still_matches_but_not_two_away() -> None:
    moment = dt.datetime(2026, 11, 28, 12, 0, 15, tzinfo=dt.UTC)
    step = totp.step_at(moment)

    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step - 1), moment) == step - 1
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step + 1), moment) == step + 1
    assert totp.matching_step(RFC_SECRET, totp.code_at(RFC_SECRET, step - 2), moment) is None
    assert totp.matching_step(RFC_SECRET, "12345", moment) is None
    assert totp.matching_step(RFC_SECRET, "abcdef", moment) is None


def test_spaces_typed_inside_a_code_are_ignored() -> None:
    moment = dt.datetime(2026, 11, 28, 12, 0, 15, tzinfo=dt.UTC)
    code = totp.code_at(RFC_SECRET, totp.step_at(moment))

    assert totp.matching_step(RFC_SECRET, f"{code[:3]} {code[3:]}", moment) is not None


def test_the_provisioning_link_names_the_issuer_and_account() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", account="assessor", issuer="Learning City")

    assert uri.startswith("otpauth://totp/Learning%20City%3Aassessor?secret=JBSWY3DPEHPK3PXP")
    assert "issuer=Learning+City" in uri
