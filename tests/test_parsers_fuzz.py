"""Hypothesis on the parsers of outside input that the API fuzzing cannot reach with a schema:
uploaded record files (CSV in any bytes, .xlsx that is not), and credentials to verify (any
JSON, or a genuine one with any one value changed). Each either answers with its own typed
refusal or a verdict; nothing else escapes."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learningcity.core.errors import DomainError
from learningcity.credentials import proofs, verification
from learningcity.creditbank.services import imports

SAMPLES = Path(__file__).resolve().parents[1] / "learningcity/credentials/tests/samples"
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
HEADER = list(imports.COLUMNS)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_all(data: bytes) -> int:
    """What the import does with a file before any write: read the header, check it, parse
    every row. Returns the number of rows parsed."""
    header, rows = imports._read(io.BytesIO(data))
    parser = imports._Parser(header)
    count = 0
    for _number, cells in rows:
        parser.parse(cells)
        count += 1
    return count


def refused_or_read(data: bytes) -> None:
    try:
        read_all(data)
    except DomainError as exc:
        assert exc.status == 400
        assert exc.fields.get("file"), exc.fields


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_are_read_or_refused_with_a_reason(data: bytes) -> None:
    refused_or_read(data)


cell = st.text(max_size=40) | st.sampled_from(
    ["", "0", "-1", "1e400", "NaN", "2026-02-30", "是", "否", "x" * 200_000, "\x00", '"']
)


@FUZZ
@given(st.lists(st.lists(cell, max_size=len(HEADER) + 3), max_size=6), st.booleans())
def test_any_csv_under_a_good_header_parses_row_by_row(rows: list[list[str]], bom: bool) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    data = out.getvalue().encode("utf-8-sig" if bom else "utf-8")
    refused_or_read(data)


@FUZZ
@given(st.binary(max_size=400))
def test_a_broken_workbook_is_refused(tail: bytes) -> None:
    refused_or_read(b"PK\x03\x04" + tail)


xlsx_value = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**62), max_value=2**62)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30)
    | st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1))
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(xlsx_value, max_size=len(HEADER) + 2), max_size=4))
def test_any_cells_in_a_real_workbook_parse(rows: list[list[Any]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    refused_or_read(out.getvalue())


# Credentials to verify ----------------------------------------------------------------------


def loader() -> proofs.DocumentLoader:
    docs = {}
    for path in (SAMPLES / "keys").glob("*_issuers_*.json"):
        document = json.loads(path.read_text())
        docs[document["id"]] = document
    for url, name in json.loads((SAMPLES / "keys" / "urls.json").read_text())["urls"].items():
        docs[url] = json.loads((SAMPLES / "keys" / f"bsl-{name}").read_text())
    return proofs.DocumentLoader(docs)


LOADER = loader()
GENUINE = proofs.loads((SAMPLES / "ob30-simple.json").read_text())

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["https://www.w3.org/ns/credentials/v2", "VerifiableCredential", "proof"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)


@FUZZ
@given(json_values)
def test_any_json_gets_a_verdict_not_an_error(document: Any) -> None:
    result = verification.verify(document, loader=LOADER, now=NOW)
    assert not result.valid
    assert result.reasons


@FUZZ
@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-zA-Z]{0,12}", fullmatch=True).filter(lambda k: k not in GENUINE),
        st.text(min_size=1, max_size=20),
        min_size=1,
        max_size=4,
    )
)
def test_a_genuine_credential_with_any_property_added_fails(extra: dict[str, str]) -> None:
    """Whether the contexts define the property (then the signed graph changed) or not (then
    the signature would not cover it), the credential no longer verifies."""
    document = copy.deepcopy(GENUINE)
    document.update(extra)
    result = verification.verify(document, loader=LOADER, now=NOW)
    assert not result.valid, extra


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


SIGNED_LEAVES = [p for p in _leaves(GENUINE) if p[0] != "proof"]


@FUZZ
@given(st.sampled_from(SIGNED_LEAVES), json_values)
def test_changing_any_signed_value_fails(path: tuple[Any, ...], value: Any) -> None:
    document = copy.deepcopy(GENUINE)
    target = document
    for step in path[:-1]:
        target = target[step]
    if target[path[-1]] == value:
        return
    target[path[-1]] = value
    result = verification.verify(document, loader=LOADER, now=NOW)
    assert not result.valid, (path, value)
