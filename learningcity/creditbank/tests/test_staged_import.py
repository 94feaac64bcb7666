"""The set-based plain import (services/staged.py) against the row-by-row path: the same file
gives the same outcome for every row, the same records, accounts and audit rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learningcity.core import idnumber
from learningcity.core.models import AuditEntry
from learningcity.creditbank import services
from learningcity.creditbank.choices import RecordChannel
from learningcity.creditbank.data import RowResult
from learningcity.creditbank.models import Account, LearningRecord
from learningcity.creditbank.services import imports
from learningcity.creditbank.tests.factories import Bank, make_bank, make_resident
from learningcity.learners.tests.factories import make_learner

pytestmark = pytest.mark.django_db

HEADER = [
    "external_id", "account_number", "id_number", "category", "title", "completed_on",
    "passed", "score", "hours", "attendance_rate", "notes", "course_code", "certificate_code",
    "certificate_number", "grade",
]  # fmt: skip
RECORD_FIELDS = (
    "external_id", "account__number", "provider_id", "category", "title", "course_code",
    "certificate_code", "certificate_number", "passed", "score", "grade", "hours",
    "attendance_rate", "completed_on", "status", "channel", "source", "evidence",
    "statement_id", "submitted_by_id", "decided_by_id", "decided_at", "credits",
    "recognition_note",
)  # fmt: skip


class _Undo(Exception):
    pass


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def _state(results: list[RowResult], summary: Any, last_record: int, last_audit: int) -> Any:
    records = list(
        LearningRecord.objects.filter(pk__gt=last_record).order_by("pk").values_list(*RECORD_FIELDS)
    )
    public_ids = list(
        LearningRecord.objects.filter(pk__gt=last_record).values_list("public_id", flat=True)
    )
    stamps = LearningRecord.objects.filter(pk__gt=last_record).values_list(
        "created_at", "updated_at"
    )
    assert len(set(public_ids)) == len(public_ids) and all(a == b for a, b in stamps)
    created = {r.record_id for r in results if r.outcome == "created"}
    assert created == {str(p) for p in public_ids} or not created
    return {
        "summary": (summary.rows, summary.created, summary.existing, summary.errors,
                    summary.chunks),
        "rows": [
            (r.line, r.external_id, r.outcome, r.errors,
             r.record_id if r.outcome == "existing" else bool(r.record_id))
            for r in results
        ],
        "records": records,
        "accounts": sorted(Account.objects.values_list("learner_id", "number", "status")),
        "audit": list(
            AuditEntry.objects.filter(pk__gt=last_audit, action="creditbank.records_import")
            .order_by("pk")
            .values_list("actor_id", "subject", "data")
        ),
    }  # fmt: skip


def _import(bank: Bank, data: bytes, *, staged: bool, chunk_rows: int, report: bool = True) -> Any:
    """Import `data` by one path, note everything it did, and undo it. With `report`, every
    row's outcome is heard (as by the web upload), else only the refused rows (the command)."""
    last_record = LearningRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    provider, actor = bank.city.a.college, bank.city.root
    state: Any = None
    results: list[RowResult] = []
    try:
        with transaction.atomic(), translation.override("en"):
            if staged:
                summary = services.records_import_file(
                    actor=actor, provider=provider, file=io.BytesIO(data), filename="x.csv",
                    channel=RecordChannel.UPLOAD, chunk_rows=chunk_rows,
                    on_row=results.append if report else None,
                    on_error=None if report else results.append,
                )  # fmt: skip
            else:
                header, rows = imports._read(io.BytesIO(data))
                summary = imports._import_by_rows(
                    actor, provider, False, RecordChannel.UPLOAD, imports._Parser(header), rows,
                    chunk_rows, None if report else results.append,
                    results.append if report else None, None,
                )  # fmt: skip
            state = _state(results, summary, last_record, last_audit)
            raise _Undo
    except _Undo:
        pass
    return state


@pytest.fixture
def people(city: Any) -> dict[str, str]:
    """Account numbers and ID numbers of the file's learners, and records already stored."""
    bank = make_bank(city)
    kept = make_resident(city)
    gone = make_learner(
        actor=city.root, area=city.a.neighbourhood, with_id=False, birth_date=kept.birth_date,
        name=kept.name,
    )  # fmt: skip
    keep_number = services.account_for(kept.pk).number
    gone_number = services.account_for(gone.pk).number
    services.account_merge(
        actor=city.root, keep_number=keep_number, duplicate_number=gone_number, reason="same"
    )
    id_new = idnumber.build("310101", dt.date(1950, 2, 3), 77)
    make_learner(actor=city.root, area=city.a.neighbourhood, id_number=id_new,
                 birth_date=dt.date(1950, 2, 3))  # fmt: skip
    id_old = idnumber.build("310101", dt.date(1960, 5, 6), 12)
    old = make_learner(actor=city.root, area=city.a.neighbourhood, id_number=id_old,
                       birth_date=dt.date(1960, 5, 6))  # fmt: skip
    services.account_for(old.pk)
    number = services.account_for(make_resident(city).pk).number
    stored = _csv([["E1", number, "", "digital", "网课", "2026-01-02", "", "", "5", "", ""]])
    with translation.override("en"):
        services.records_import(
            actor=city.root, provider=city.a.college, file=io.BytesIO(stored), filename="x.csv"
        )
    return {
        "bank": bank,  # type: ignore[dict-item]
        "number": number,
        "merged": gone_number,
        "id_new": id_new,
        "id_old": id_old,
        "id_unknown": idnumber.build("310101", dt.date(1970, 1, 1), 5),
    }


def _rows(p: dict[str, str]) -> list[list[str]]:
    n, leisure = p["number"], "culture_leisure"
    return [
        ["A1", n, "", leisure, "书法", "2026-03-15", "yes", "", "30", "90", "x", "", "", "", ""],
        ["A2", f" {n.lower()} ", "", "degree", " 管理学 ", "2026-03-14", "no", "55.5", "45.0",
         "80", "", "ADM101", "", "", "B+"],
        ["A3", "", p["id_new"], "digital", "网课", "2025-12-31", "", "", "", "", ""],
        ["A4", "", p["id_old"].lower(), "vocational", "培训", "2026/03/15", "TRUE", "", "+20",
         "1e2", "", "", "NCRE-1", "N123", ""],
        ["A5", n, "", "Culture and leisure", "\u3000茶艺\u3000", "2026-03-01", "Yes", "",
         " 12 ", "95.50", "", "", "", "", ""],
        ["A6", n, "", "文化休闲", "合唱", "2026-02-30", "maybe", "", "30.25", "", ""],
        ["A7", n, "", "degree", "公共政策", "2026-03-01", "是", "101", "45", "100.01", ""],
        ["A1", n, "", leisure, "again", "2026-03-15", "", "", "", "", ""],
        ["E1", n, "", "digital", "网课", "2026-01-02", "", "", "5", "", ""],
        ["A8", "CB0000000000", "", leisure, "国画", "2026-03-15", "", "", "", "", ""],
        ["A9", "", p["id_unknown"], leisure, "国画", "2026-03-15", "", "", "", "", ""],
        ["A10", "", "310101195002030000", leisure, "国画", "2026-03-15", "", "", "", "", ""],
        ["A11", p["merged"], "", leisure, "摄影", "2026-03-02", "否", "", "0.0", "0", ""],
        ["A12", n, "", leisure, "摄影", "2026-03-02", "", "", "", "", "", "", "", "", "", "extra"],
        ["A13", n, "", leisure, "太极拳", "2026-03-03"],
        ["A14", n, "", leisure, "x" * 201, "2026-03-03", "", "", "", "", ""],
        ["A" * 81, n, "", leisure, "太极", "2026-03-03", "", "", "", "", ""],
        [],
        ["A6", n, "", leisure, "沪剧", "2026-03-04", "", "", "10", "", ""],
        ["A8", n, "", leisure, "沪剧", "2026-03-04", "", "", "10", "", ""],
        ["A15", n, "", leisure, "沪剧", "2099-03-04", "", "", "10", "", ""],
        ["A16", "ｃｂ" + n[2:], "", leisure, "沪剧", "2026-03-04", "", "", "10", "", ""],
        ["A17", n, "", leisure, "沪剧", "1949-12-31", "", "", "-1", "", ""],
        ["A18", n, "", "painting", "沪剧", "2026-03-04", "", "", "10", "", "", "", "", "",
         "ABCDEFGHIJK"],
        ["A19", "", "", leisure, "沪剧", "2026-03-04", "", "", "10", "", ""],
        ["", n, "", leisure, "沪剧", "2026-03-04", "", "", "10", "", ""],
        ["A20", n, "", "DIGITAL", "数字", "2026-03-05", "1", "0", "10000", "0.5", ""],
        ["A21", n, "", leisure, "数字", "2026-03-05", "", "", "10000.1", "", ""],
        ["A22", n, "", leisure, "数字", "2026-03-05", "", ".5", "1_0", "", ""],
    ]  # fmt: skip


@pytest.mark.parametrize("chunk_rows", [3, 1000])
def test_staged_and_row_by_row_imports_do_the_same(people: dict[str, Any], chunk_rows: int) -> None:
    data = _csv(_rows(people))
    staged = _import(people["bank"], data, staged=True, chunk_rows=chunk_rows)
    by_rows = _import(people["bank"], data, staged=False, chunk_rows=chunk_rows)
    assert staged == by_rows
    quiet = _import(people["bank"], data, staged=True, chunk_rows=chunk_rows, report=False)
    assert quiet == _import(people["bank"], data, staged=False, chunk_rows=chunk_rows, report=False)
    assert quiet["records"] == staged["records"] and quiet["audit"] == staged["audit"]
    assert quiet["rows"] == [r for r in staged["rows"] if r[2] == "error"]
    outcomes = {r[1]: r[2] for r in staged["rows"] if r[2] != "error"}
    assert outcomes == {
        "A1": "created", "A2": "created", "A3": "created", "A4": "created", "A5": "created",
        "E1": "existing", "A11": "created", "A13": "created", "A6": "created",
        "A20": "created", "A22": "created",
    }  # fmt: skip
    assert staged["summary"][:4] == (28, 10, 1, 17)


def test_staged_records_take_time_ordered_ids(people: dict[str, Any]) -> None:
    with translation.override("en"):
        report = services.records_import(
            actor=people["bank"].city.root, provider=people["bank"].city.a.college,
            file=io.BytesIO(_csv(_rows(people))), filename="x.csv",
        )  # fmt: skip
    ids = [uuid.UUID(r.record_id) for r in report.rows if r.outcome == "created"]
    assert len(ids) == 10 and {i.version for i in ids} == {7}


cells = st.sampled_from(
    ["", " ", "0", "1", "-1", "+3", "1e1", "30", "30.", "30.5", "30.25", "100", "100.00",
     "101", "10000", "10001", "yes", "No", "是", "maybe", "2026-03-15", "2026/03/15",
     "2026-02-30", "2026-13-01", "2099-01-01", "1950-01-01", "digital", "Digital", "数字化学习",
     "x" * 81, "ı", "\u3000a\u3000", "\t1\t", "NaN", "1_000", "０"]
) | st.text(max_size=5)  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(cells, min_size=9, max_size=9), min_size=1, max_size=6))
def test_any_cells_get_the_same_outcome_both_ways(
    people: dict[str, Any], table: list[list[str]]
) -> None:
    number = people["number"]
    rows = []
    for n, (category, title, day, passed, score, hours, rate, grade, code) in enumerate(table):
        learner = [number, ""] if n % 2 else ["", people["id_old"]]
        rows.append([f"H{n % 4}", *learner, category, title, day, passed, score, hours, rate,
                     "", code, "", "", grade])  # fmt: skip
    data = _csv(rows)
    assert _import(people["bank"], data, staged=True, chunk_rows=2) == _import(
        people["bank"], data, staged=False, chunk_rows=2
    )
