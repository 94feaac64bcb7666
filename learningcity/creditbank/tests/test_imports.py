"""Records from files: CSV and XLSX parsing with a per-row report, idempotent re-imports, the
bulk path's recognition matching the one-by-one path, and the management command."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from learningcity.core import clock, idnumber
from learningcity.core.errors import PermissionDenied, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.creditbank import services
from learningcity.creditbank.choices import (
    AccountStatus,
    CreditCategory,
    RecordChannel,
    RecordStatus,
)
from learningcity.creditbank.data import RecordRow
from learningcity.creditbank.models import Account, LearningRecord, Posting
from learningcity.creditbank.services.bulk import POSTING_COLUMNS, RECORD_COLUMNS
from learningcity.creditbank.services.imports import COLUMNS, UPLOAD_MAX_BYTES, _fine
from learningcity.creditbank.services.records import balance_total, row_errors
from learningcity.creditbank.tests.factories import (
    Bank,
    account_of,
    make_bank,
    make_resident,
    row,
    submit,
)
from learningcity.learners.tests.factories import make_learner
from learningcity.network import services as network_services
from learningcity.network.choices import StaffRoleKind
from learningcity.network.tests.factories import make_staff

pytestmark = pytest.mark.django_db

HEADER = [
    *("external_id", "account_number", "id_number", "category", "title", "completed_on"),
    *("hours", "attendance_rate", "passed", "score", "certificate_code", "course_code"),
]


@pytest.fixture
def bank(city: Any) -> Bank:
    return make_bank(city)


def _csv(rows: list[list[Any]], *, header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


# A spreadsheet's date-and-time cell has no time zone.
NAIVE_DAY_AT_NINE = dt.datetime(2026, 3, 16, 9, 0)  # noqa: DTZ001


def _xlsx(rows: list[list[Any]], *, header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for cells in rows:
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cells(r: RecordRow) -> list[Any]:
    """A RecordRow as the CSV/XLSX cells of HEADER."""
    passed = "" if r.passed is None else ("yes" if r.passed else "no")
    return [r.external_id, r.account_number, r.id_number, r.category, r.title,
            r.completed_on.isoformat(), r.hours, "" if r.attendance_rate is None else
            r.attendance_rate, passed, "" if r.score is None else r.score, r.certificate_code,
            r.course_code]  # fmt: skip


def _import(bank: Bank, data: bytes, *, verify: bool = False, **kwargs: Any) -> Any:
    with translation.override("en"):
        return services.records_import(
            actor=kwargs.pop("actor", bank.city.root),
            provider=kwargs.pop("provider", bank.city.a.college),
            file=io.BytesIO(data),
            filename=kwargs.pop("filename", "records.csv"),
            verify=verify,
        )


def test_written_columns_are_the_models_fields() -> None:
    assert set(RECORD_COLUMNS) == {f.column for f in LearningRecord._meta.concrete_fields}
    assert set(POSTING_COLUMNS) | {"id"} == {f.column for f in Posting._meta.concrete_fields}


def test_csv_good_rows_are_written_and_bad_rows_reported_by_line_and_field(bank: Bank) -> None:
    number = services.account_for(make_resident(bank.city).pk).number
    data = _csv(
        [
            [
                "A1",
                number,
                "",
                "culture_leisure",
                "书法入门",
                "2026-03-15",
                "30",
                "90",
                "yes",
                "",
                "",
                "",
            ],
            ["A2", number, "", "painting", "国画", "2026-03-15", "30", "90", "", "", "", ""],
            ["A3", number, "", "culture_leisure", "", "15/03/2026", "x", "90", "maybe", "", "", ""],
            [
                "A4",
                "CB0000000000",
                "",
                "culture_leisure",
                "茶艺",
                "2026-03-15",
                "",
                "",
                "",
                "",
                "",
                "",
            ],
            ["A1", number, "", "culture_leisure", "again", "2026-03-15", "", "", "", "", "", ""],
            ["A5", number, "", "degree", "管理学", "2026-03-15", "30.25", "", "", "101", "", ""],
        ]
    )
    report = _import(bank, data)
    assert (report.created, report.existing, report.errors) == (1, 0, 5)
    assert [(r.line, r.external_id, r.outcome) for r in report.rows] == [
        (2, "A1", "created"),
        (3, "A2", "error"),
        (4, "A3", "error"),
        (5, "A4", "error"),
        (6, "A1", "error"),
        (7, "A5", "error"),
    ]
    errors = {r.line: r.errors for r in report.rows}
    assert set(errors[3]) == {"category"}
    assert errors[4] == {
        "completed_on": ["Enter the date as YYYY-MM-DD."],
        "passed": ["Enter yes or no."],
        "hours": ["Enter a number."],
        "title": ["Give the title of the learning."],
    }
    assert errors[5] == {"account_number": ["No account has this number."]}
    assert errors[6] == {"external_id": ["This id appears twice in the file."]}
    assert errors[7] == {
        "hours": ["Use at most 1 decimal places."],
        "score": ["Enter a score from 0 to 100."],
    }
    record = LearningRecord.objects.get(external_id="A1")
    assert record.channel == RecordChannel.UPLOAD
    assert (record.hours, record.attendance_rate, record.passed) == (Decimal(30), Decimal(90), True)
    assert (
        record.status == RecordStatus.SUBMITTED
        and str(record.public_id) == report.rows[0].record_id
    )


def test_chinese_headers_gb18030_and_id_numbers_open_accounts(bank: Bank) -> None:
    number = idnumber.build("310101", dt.date(1950, 2, 3), 77)
    learner = make_learner(
        actor=bank.city.root, area=bank.city.a.neighbourhood, id_number=number,
        birth_date=dt.date(1950, 2, 3),
    )  # fmt: skip
    header = ["记录编号", "身份证号", "类别", "名称", "完成日期", "学时", "出勤率", "是否通过"]
    data = _csv(
        [
            ["Z1", number, "文化休闲", "沪剧", "2026/03/15", "45", "95", "是"],
            ["Z2", number.lower(), "culture_leisure", "越剧", "2026-04-01", "15", "95", "否"],
            ["Z3", "310101195002030000", "culture_leisure", "京剧", "2026-04-01", "", "", ""],
            ["Z4", idnumber.build("310101", dt.date(1950, 2, 3), 78), "culture_leisure", "合唱",
             "2026-04-01", "", "", ""],
        ],
        header=header,
        encoding="gb18030",
    )  # fmt: skip
    assert not Account.objects.filter(learner=learner).exists()
    report = _import(bank, data)
    assert [r.outcome for r in report.rows] == ["created", "created", "error", "error"]
    assert list(report.rows[2].errors) == ["id_number"]
    assert report.rows[3].errors == {"id_number": ["No resident has this ID number."]}
    account = account_of(learner)
    titles = set(account.records.values_list("title", "passed"))
    assert titles == {("沪剧", True), ("越剧", False)}


def test_utf8_with_byte_order_mark_and_chinese_category_names(bank: Bank) -> None:
    number = services.account_for(make_resident(bank.city).pk).number
    data = b"\xef\xbb\xbf" + _csv(
        [
            [
                "B1",
                number,
                "",
                "Culture and leisure",
                "书法",
                "2026-03-15",
                "30",
                "90",
                "1",
                "",
                "",
                "",
            ]
        ]
    )
    report = _import(bank, data)
    assert report.created == 1
    assert LearningRecord.objects.get(external_id="B1").category == CreditCategory.CULTURE_LEISURE


def test_xlsx_cells_of_every_type_and_errors_by_row(bank: Bank) -> None:
    number = services.account_for(make_resident(bank.city).pk).number
    data = _xlsx(
        [
            [
                1001,
                number,
                None,
                "culture_leisure",
                "书法",
                dt.date(2026, 3, 15),
                30,
                92.5,
                True,
                None,
                None,
                None,
            ],
            [None, None, None, None, None, None, None, None, None, None, None, None],
            [
                1002,
                number,
                None,
                "degree",
                "管理学",
                NAIVE_DAY_AT_NINE,
                45.0,
                90,
                "是",
                88.5,
                None,
                "ADM101",
            ],
            [
                1003,
                number,
                None,
                "degree",
                "公共政策",
                "2026-13-01",
                45,
                90,
                False,
                "A+",
                None,
                "ADM102",
            ],
        ]
    )
    report = _import(bank, data, filename="records.xlsx")
    assert [(r.line, r.external_id, r.outcome) for r in report.rows] == [
        (2, "1001", "created"),
        (4, "1002", "created"),
        (5, "1003", "error"),
    ]
    assert set(report.rows[2].errors) == {"completed_on", "score"}
    second = LearningRecord.objects.get(external_id="1002")
    assert (second.completed_on, second.hours, second.score) == (
        dt.date(2026, 3, 16),
        Decimal(45),
        Decimal("88.5"),
    )
    assert LearningRecord.objects.get(external_id="1001").attendance_rate == Decimal("92.5")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"external_id,title\nA,b\n", "The header row lacks these columns"),
        (b"\xd0\xcf\x11\xe0rest", "old Excel file"),
        (b"PK\x03\x04not a zip", "not a readable .xlsx"),
        (b"external_id,external_id\n", "appears twice"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(bank: Bank, data: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _import(bank, data)
    assert message in refused.value.message and refused.value.fields["file"]
    assert not LearningRecord.objects.exists()


def test_web_uploads_have_a_size_limit(bank: Bank) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _import(bank, b"x" * (UPLOAD_MAX_BYTES + 1))
    assert "20 MB" in refused.value.message


def test_importing_twice_changes_nothing(bank: Bank) -> None:
    number = services.account_for(make_resident(bank.city).pk).number
    data = _csv([_cells(row(account_number=number, hours=Decimal(30 * i))) for i in range(1, 6)])
    first = _import(bank, data, verify=True)
    state = (
        list(LearningRecord.objects.values_list("pk", "status", "credits", "updated_at")),
        list(Posting.objects.values_list("pk", "credits")),
        AuditEntry.objects.count(),
    )
    again = _import(bank, data, verify=True)
    assert (first.created, again.created, again.existing) == (5, 0, 5)
    assert [r.record_id for r in first.rows] == [r.record_id for r in again.rows]
    assert state == (
        list(LearningRecord.objects.values_list("pk", "status", "credits", "updated_at")),
        list(Posting.objects.values_list("pk", "credits")),
        AuditEntry.objects.count(),
    )


def _recognition_rows(**learner: str) -> list[RecordRow]:
    """Rows that meet every rule and cap of the bank's standards, in file order."""
    leisure = CreditCategory.CULTURE_LEISURE
    day = dt.date(2025, 3, 1)
    return [
        row(hours=Decimal(300), completed_on=day, **learner),  # 20 of the term's 24
        row(hours=Decimal(90), completed_on=day, **learner),  # 6, cut to 4 by the term cap
        row(hours=Decimal(30), completed_on=day, **learner),  # term full
        row(hours=Decimal(300), completed_on=dt.date(2025, 9, 1), **learner),  # 20, year 42
        row(hours=Decimal(300), completed_on=dt.date(2025, 10, 1), **learner),  # year cap
        row(hours=Decimal(45), attendance_rate=Decimal(70), **learner),  # low attendance
        row(hours=Decimal(7), **learner),  # too few hours
        row(category=leisure, hours=Decimal(400), completed_on=dt.date(2026, 1, 5), **learner),
        row(category=CreditCategory.VOCATIONAL, certificate_code="NCRE-1", hours=0, **learner),
        row(category=CreditCategory.VOCATIONAL, certificate_code="NCRE-1", hours=0, **learner),
        row(category=CreditCategory.DIGITAL, hours=Decimal(40), **learner),  # no standard
        row(category=CreditCategory.DEGREE, course_code="ADM101", score=Decimal(85),
            hours=Decimal(45), **learner),
        row(category=CreditCategory.DEGREE, course_code="ADM102", score=Decimal(50),
            hours=Decimal(45), **learner),
    ]  # fmt: skip


@pytest.mark.parametrize("chunk_rows", [1, 4, 1000])
def test_verified_import_grants_exactly_what_one_by_one_verification_grants(
    bank: Bank, chunk_rows: int
) -> None:
    one, bulk = make_resident(bank.city), make_resident(bank.city, name="李明")
    # Both already hold credits the caps count.
    submit(bank, one, hours=Decimal(60), completed_on=dt.date(2025, 2, 1))
    submit(bank, bulk, hours=Decimal(60), completed_on=dt.date(2025, 2, 1))
    one_account, bulk_account = account_of(one), account_of(bulk)
    provider = bank.city.a.college
    expected = []
    for r in _recognition_rows(account_number=one_account.number):
        record = services.record_submit(actor=bank.city.root, provider=provider, row=r)
        record = services.record_verify(actor=bank.assessor, public_id=record.public_id)
        expected.append((record.credits, record.recognition_note))
    data = _csv([_cells(r) for r in _recognition_rows(account_number=bulk_account.number)])
    with translation.override("en"):
        summary = services.records_import_file(
            actor=bank.city.root,
            provider=provider,
            file=io.BytesIO(data),
            filename="verified.csv",
            verify=True,
            chunk_rows=chunk_rows,
        )
    got = list(
        LearningRecord.objects.filter(account=bulk_account, channel=RecordChannel.IMPORT)
        .order_by("id")
        .values_list("credits", "recognition_note")
    )
    assert got == expected
    assert summary.credits == sum(c for c, _ in expected)
    assert LearningRecord.objects.filter(
        account=bulk_account, status=RecordStatus.VERIFIED, decided_by=bank.city.root
    ).count() == len(expected)

    def ledger(account: Account) -> list[tuple[Any, ...]]:
        return list(
            Posting.objects.filter(account=account)
            .values_list("category", "level", "year", "term", "standard_version_id")
            .annotate(total=Sum("credits"))
            .order_by("category", "level", "year", "term")
        )

    assert ledger(bulk_account) == ledger(one_account)
    for posting in Posting.objects.filter(
        account=bulk_account, record__channel=RecordChannel.IMPORT
    ).select_related("record"):
        assert posting.record is not None
        assert posting.idempotency_key == f"recognition:{posting.record.public_id}"
        assert posting.institution_id == provider.pk and posting.actor_id == bank.city.root.pk


def test_an_audit_row_per_chunk_names_the_provider_and_counts(bank: Bank) -> None:
    number = services.account_for(make_resident(bank.city).pk).number
    data = _csv([_cells(row(account_number=number)) for _ in range(5)] + [["bad"]])
    with translation.override("en"):
        services.records_import_file(
            actor=None, provider=bank.city.a.college, file=io.BytesIO(data), filename="x.csv",
            verify=True, chunk_rows=3, check_access=False,
        )  # fmt: skip
    entries = AuditEntry.objects.filter(action="creditbank.records_import").order_by("id")
    assert [e.subject for e in entries] == [f"network.organization:{bank.city.a.college.code}"] * 2
    assert [(e.data["created"], e.data["errors"]) for e in entries] == [(3, 0), (2, 1)]
    assert entries[0].actor_id is None and entries[0].data["verified"] is True


def test_records_of_a_merged_account_go_to_the_account_kept(bank: Bank) -> None:
    keep = make_resident(bank.city)
    duplicate = make_learner(
        actor=bank.city.root, area=bank.city.a.neighbourhood, with_id=False,
        birth_date=keep.birth_date, name=keep.name,
    )  # fmt: skip
    kept = services.account_for(keep.pk)
    gone = services.account_for(duplicate.pk)
    services.account_merge(
        actor=bank.city.root, keep_number=kept.number, duplicate_number=gone.number, reason="same"
    )
    assert Account.objects.get(pk=gone.pk).status == AccountStatus.MERGED
    report = _import(bank, _csv([_cells(row(account_number=gone.number))]), verify=True)
    assert report.created == 1
    assert LearningRecord.objects.get(public_id=report.rows[0].record_id).account_id == kept.pk


def test_only_staff_who_may_submit_and_assess_import(bank: Bank) -> None:
    data = _csv([])
    with pytest.raises(PermissionDenied):
        _import(bank, data, actor=bank.city.b.school_admin, provider=bank.city.a.school)
    assert _import(bank, data, actor=bank.city.a.school_admin, provider=bank.city.a.school)
    with pytest.raises(PermissionDenied):
        _import(
            bank, data, actor=bank.city.a.school_admin, provider=bank.city.a.school, verify=True
        )
    with pytest.raises(PermissionDenied):
        _import(bank, data, actor=bank.assessor, provider=bank.city.a.school)


def test_a_verifying_import_leaves_the_importers_own_rows_to_a_colleague(bank: Bank) -> None:
    """Someone who may both submit and assess for a provider, and is a learner too: a file
    with "verify" ticked writes everyone's rows but hers, which it reports, even when her
    row names her by ID number and opens her account in this very import."""
    city = bank.city
    importer = make_staff(actor=city.root, organization=city.a.college, role=StaffRoleKind.ADMIN)
    network_services.staff_role_grant(
        actor=city.root, user=importer, organization=city.a.college, role=StaffRoleKind.ASSESSOR
    )
    own_id = idnumber.build(city.a.neighbourhood.code[:6], dt.date(1970, 1, 1), 777)
    make_learner(
        actor=city.root,
        area=city.a.neighbourhood,
        user=importer,
        id_number=own_id,
        birth_date=dt.date(1970, 1, 1),
    )
    other = services.account_for(make_resident(bank.city).pk).number
    data = _csv(
        [
            ["S1", "", own_id, "culture_leisure", "书法入门", "2026-03-15", "30", "90", "yes",
             "", "", ""],
            ["S2", other, "", "culture_leisure", "书法入门", "2026-03-15", "30", "90", "yes",
             "", "", ""],
        ]
    )  # fmt: skip

    report = _import(bank, data, verify=True, actor=importer)

    assert (report.created, report.errors) == (1, 1)
    assert {r.external_id: (r.outcome, r.errors) for r in report.rows}["S1"] == (
        "error",
        {"account_number": ["No one may decide on their own learning; a colleague will decide."]},
    )
    assert list(LearningRecord.objects.values_list("external_id", "status")) == [
        ("S2", RecordStatus.VERIFIED)
    ]


@pytest.fixture
def english() -> Any:
    """The command speaks the operator's language; these tests read its English."""
    with translation.override("en"):
        yield


def test_command_imports_verifies_and_reports_refused_rows(
    bank: Bank, tmp_path: Path, english: None
) -> None:
    learners = [make_resident(bank.city) for _ in range(3)]
    numbers = [services.account_for(learner.pk).number for learner in learners]
    rows = [_cells(row(account_number=numbers[i % 3], hours=Decimal(15 * i))) for i in range(1, 31)]
    rows.append(["X1", "CB0000000000", "", "culture_leisure", "书法", "2026-03-15"])
    source = tmp_path / "records.csv"
    source.write_bytes(_csv(rows))
    report = tmp_path / "refused.csv"
    out = io.StringIO()
    args = ["import", str(source), "--provider", bank.city.a.college.code, "--verify"]
    call_command("creditbank", *args, "--report", str(report), "--chunk", "7", stdout=out)
    assert "31 rows" in out.getvalue() and "30 created" in out.getvalue()
    assert "1 refused" in out.getvalue()
    with report.open(encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["line", "external_id", "field", "message"],
            ["32", "X1", "account_number", "No account has this number."],
        ]
    assert LearningRecord.objects.filter(status=RecordStatus.VERIFIED).count() == 30
    assert Posting.objects.aggregate(t=Sum("credits"))["t"] > 0
    again = io.StringIO()
    call_command("creditbank", *args, stdout=again)
    assert "0 created, 30 already there, 1 refused" in again.getvalue()
    assert "row 32 (X1) account_number: No account has this number." in again.getvalue()


def test_command_refuses_unknown_provider_actor_and_file(
    bank: Bank, tmp_path: Path, english: None
) -> None:
    source = tmp_path / "r.csv"
    source.write_bytes(_csv([]))
    with pytest.raises(CommandError, match="No organization"):
        call_command("creditbank", "import", str(source), "--provider", "NOPE")
    with pytest.raises(CommandError, match="No user"):
        call_command(
            "creditbank", "import", str(source), "--provider", bank.city.a.college.code,
            "--actor", "nobody",
        )  # fmt: skip
    with pytest.raises(CommandError):
        call_command(
            "creditbank", "import", str(tmp_path / "missing.csv"), "--provider",
            bank.city.a.college.code,
        )  # fmt: skip
    with pytest.raises(CommandError, match="You may not"):
        call_command(
            "creditbank", "import", str(source), "--provider", bank.city.a.college.code,
            "--actor", bank.city.b.school_admin.username,
        )  # fmt: skip


def test_header_names_cover_every_column() -> None:
    assert set(COLUMNS) <= set(RecordRow.__dataclass_fields__)


def test_credits_posted_by_others_between_chunks_count_against_the_caps(bank: Bank) -> None:
    learner = make_resident(bank.city)
    number = services.account_for(learner.pk).number
    day = dt.date(2025, 3, 1)
    data = _csv([_cells(row(account_number=number, hours=Decimal(150), completed_on=day))
                 for _ in range(2)])  # fmt: skip

    def meanwhile(total: Any) -> None:
        if total.chunks == 1:  # 10 of the term's 24 credits granted; an assessor grants 10
            submit(bank, learner, hours=Decimal(150), completed_on=day)

    with translation.override("en"):
        services.records_import_file(
            actor=bank.city.root, provider=bank.city.a.college, file=io.BytesIO(data),
            filename="x.csv", verify=True, chunk_rows=1, on_chunk=meanwhile,
        )  # fmt: skip
    second = LearningRecord.objects.filter(channel=RecordChannel.IMPORT).order_by("id")[1]
    assert second.credits == Decimal(4) and "capped_term" in second.recognition_note
    assert balance_total(account_of(learner)) == Decimal(24)


@given(
    external_id=st.text(max_size=90),
    category=st.sampled_from([*CreditCategory.values, "other"]),
    title=st.text(max_size=210),
    completed_on=st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2100, 1, 1)),
    account_number=st.sampled_from(["", "CB0000000018"]),
    hours=st.decimals(min_value=-1, max_value=20000, places=1),
    score=st.none() | st.decimals(min_value=-1, max_value=101, places=2),
    attendance=st.none() | st.decimals(min_value=-1, max_value=101, places=2),
    grade=st.text(max_size=12),
)
def test_the_fast_check_agrees_with_row_errors(**fields: Any) -> None:
    """The parser asks `row_errors` for messages only when its fast check fails; the two
    must agree on which rows are fine."""
    candidate = row(
        external_id=fields["external_id"].strip(),
        category=fields["category"],
        title=fields["title"].strip(),
        completed_on=fields["completed_on"],
        account_number=fields["account_number"],
        hours=fields["hours"],
        score=fields["score"],
        attendance_rate=fields["attendance"],
        grade=fields["grade"],
    )
    today = clock.today()
    assert _fine(candidate, today) == (not row_errors(candidate))
