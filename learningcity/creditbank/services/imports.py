"""Learning records from a file: a provider's CSV or XLSX upload, or a bulk load of millions.

The file has a header row, then one record per row. Columns (English names, or the Chinese
names in brackets; case, spaces and hyphens in a name do not matter; unknown columns are
ignored):

    external_id          the record's id in the provider's system (记录编号)     required
    account_number       the learner's credit-bank account number (账户号)       one of the two
    id_number            the learner's national ID number (身份证号)              one of the two
    category             degree | vocational | culture_leisure | digital | activity, or
                         学历教育 | 职业培训 | 文化休闲 | 数字化学习 | 活动 (类别)   required
    title                what was learned (名称)                                 required
    completed_on         YYYY-MM-DD, or a date cell (完成日期)                   required
    course_code          (课程代码)
    certificate_code     the certificate type, e.g. NCRE-1 (证书类型)
    certificate_number   (证书编号)
    passed               yes/no, true/false, 1/0, 是/否 (是否通过)
    score                0–100 (成绩)
    grade                (等级)
    hours                0–10000, one decimal place (学时)
    attendance_rate      percent, 0–100 (出勤率)

A CSV file is UTF-8 (with or without a byte-order mark) or GB18030; a file starting with the
zip signature is read as XLSX (its first sheet). Rows are numbered as a spreadsheet numbers
them: the header is row 1. Every row is checked; a bad one is reported by row and field and
writes nothing; good rows are written a chunk at a time, each chunk in one transaction, so a
row is either fully written (its record and, when verifying, its ledger posting) or not at
all. A row whose (provider, external_id) is already stored is `existing` and changes
nothing: importing a file twice is the same as importing it once. One audit row per chunk
that created records.

Without `verify` (a provider's bulk load: its records are submitted, an assessor decides
later), a CSV file is imported set-based (services/staged.py): each chunk of
STAGED_CHUNK_ROWS rows is staged in a temporary table as the file holds it, and checked,
resolved and written by a few SQL statements; only the rows SQL cannot vouch for are parsed
here, so every message is this module's. Every row's outcome, the records, the accounts
opened and the audit rows are those of the row-by-row path below, which takes spreadsheets,
text the database cannot stage (a NUL character) and every verifying import, CHUNK_ROWS rows
a chunk.

With `verify`, rows are recognised as they are written, exactly as `record_verify` would
recognise them one by one in file order: the standard each row falls under is found from the
standard versions loaded once, `evaluate` prices it, and the caps count from the ledger
usage of the chunk's accounts (read in one aggregate query, after their rows are locked in
primary-key order) plus what the chunk itself granted before it. Records are inserted with
COPY on PostgreSQL and executemany on SQLite, postings likewise; one audit row per chunk
(see services/bulk.py).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.utils import translation
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.errors import PermissionDenied, ValidationFailed
from learningcity.creditbank.choices import CreditCategory, RecordChannel
from learningcity.creditbank.data import RECORD_FILE_COLUMNS as COLUMNS
from learningcity.creditbank.data import BatchReport, RecordRow, RowResult
from learningcity.creditbank.errors import CreditBankErrorCode
from learningcity.creditbank.services.bulk import ChunkWriter, Resolver
from learningcity.creditbank.services.recognition import ZERO
from learningcity.creditbank.services.records import row_errors
from learningcity.creditbank.services.staged import StagedImport
from learningcity.network.choices import Action
from learningcity.network.models import Organization

UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # web uploads; the management command has no limit
CHUNK_ROWS = 10_000  # rows per transaction, row by row
# Rows per transaction, set-based: a chunk costs a fixed number of statements, and each commit
# writes again the index pages its rows touched, so fewer, larger chunks load faster.
STAGED_CHUNK_ROWS = 100_000
ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"  # the old binary .xls

REQUIRED = ("external_id", "category", "title", "completed_on")
CHINESE_COLUMNS = {
    "记录编号": "external_id",
    "账户号": "account_number",
    "学分银行账号": "account_number",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "类别": "category",
    "名称": "title",
    "课程名称": "title",
    "完成日期": "completed_on",
    "课程代码": "course_code",
    "证书类型": "certificate_code",
    "证书编号": "certificate_number",
    "是否通过": "passed",
    "成绩": "score",
    "等级": "grade",
    "学时": "hours",
    "出勤率": "attendance_rate",
}
HEADER_NAMES = {name: name for name in COLUMNS} | CHINESE_COLUMNS
# Category names a sheet may use besides the codes and the names shown on the pages.
CATEGORY_NAMES = {
    "学历教育": CreditCategory.DEGREE,
    "职业培训": CreditCategory.VOCATIONAL,
    "文化休闲": CreditCategory.CULTURE_LEISURE,
    "数字化学习": CreditCategory.DIGITAL,
    "活动": CreditCategory.ACTIVITY,
}
YES = frozenset({"yes", "y", "true", "t", "1", "是", "通过"})
NO = frozenset({"no", "n", "false", "f", "0", "否", "未通过"})
STEP = {1: Decimal("0.1"), 2: Decimal("0.01")}


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: rows read, records created, rows already stored, rows refused,
    the credits granted (with `verify`) and the chunks written."""

    rows: int = 0
    created: int = 0
    existing: int = 0
    errors: int = 0
    credits: Decimal = ZERO
    chunks: int = 0


RowCallback = Callable[[RowResult], None]


def records_import(
    *, actor: Any, provider: Organization, file: IO[bytes], filename: str, verify: bool = False
) -> BatchReport:
    """A provider's file upload from the web: at most UPLOAD_MAX_BYTES, every row reported
    (created, existing or error with field messages) in file order."""
    data = file.read(UPLOAD_MAX_BYTES + 1)
    if len(data) > UPLOAD_MAX_BYTES:
        _reject(
            _("The file is larger than %(mb)d MB. Split it into smaller files.")
            % {"mb": UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    results: list[RowResult] = []
    summary = records_import_file(
        actor=actor,
        provider=provider,
        file=io.BytesIO(data),
        filename=filename,
        verify=verify,
        channel=RecordChannel.UPLOAD,
        on_row=results.append,
    )
    results.sort(key=lambda r: r.line)
    return BatchReport(
        created=summary.created,
        existing=summary.existing,
        errors=summary.errors,
        rows=tuple(results),
    )


def records_import_file(
    *,
    actor: Any,
    provider: Organization,
    file: IO[bytes],
    filename: str,
    verify: bool = False,
    channel: str = RecordChannel.IMPORT,
    chunk_rows: int | None = None,
    check_access: bool = True,
    on_error: RowCallback | None = None,
    on_row: RowCallback | None = None,
    on_chunk: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Import a file of any size, streamed a chunk at a time; see the module docstring.

    `on_error` hears of every refused row, `on_row` of every row; `on_chunk` gets the running
    totals after each committed chunk. `check_access=False` is for the management command run
    by the platform's operators without a user (the audit rows then name no actor)."""
    if check_access:
        _may_import(actor, provider, verify=verify)
    # An unreadable file is refused here, before any write.
    header, rows, stageable = _read_file(file)
    parser = _Parser(header)
    if stageable and not verify:
        return _import_staged(
            actor, provider, channel, parser, len(header), rows, chunk_rows or STAGED_CHUNK_ROWS,
            on_error, on_row, on_chunk,
        )  # fmt: skip
    return _import_by_rows(
        actor, provider, verify, channel, parser, rows, chunk_rows or CHUNK_ROWS, on_error,
        on_row, on_chunk,
    )  # fmt: skip


def _import_by_rows(
    actor: Any,
    provider: Organization,
    verify: bool,
    channel: str,
    parser: _Parser,
    rows: Iterator[tuple[int, list[str]]],
    chunk_rows: int,
    on_error: RowCallback | None,
    on_row: RowCallback | None,
    on_chunk: Callable[[ImportSummary], None] | None,
) -> ImportSummary:
    """Row by row in Python: a verifying import, a spreadsheet, or text the database could
    not stage."""
    resolver = Resolver()
    writer = ChunkWriter(
        actor=actor, provider=provider, verify=verify, channel=channel, report=on_row is not None
    )
    seen: set[str] = set()
    total = ImportSummary()
    # A chunk allocates many small objects that all live until it is written; collecting
    # garbage through them again and again would cost more than the import's own work.
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 200_000), *thresholds[1:])
    try:
        for batch in _batches(rows, max(1, chunk_rows)):
            total = _import_chunk(
                batch, total, parser, resolver, writer, seen, on_error, on_row, on_chunk
            )
    finally:
        gc.set_threshold(*thresholds)
    return total


def _import_staged(
    actor: Any,
    provider: Organization,
    channel: str,
    parser: _Parser,
    width: int,
    rows: Iterator[tuple[int, list[str]]],
    chunk_rows: int,
    on_error: RowCallback | None,
    on_row: RowCallback | None,
    on_chunk: Callable[[ImportSummary], None] | None,
) -> ImportSummary:
    """The plain import of a CSV file, set-based (services/staged.py), with the same outcome
    for every row as the row-by-row path."""
    total = ImportSummary()
    staged = StagedImport(
        actor=actor, provider=provider, channel=channel, parser=parser, width=width,
        report=on_row is not None,
    )  # fmt: skip
    with staged:
        while True:
            read, refused, written, created, existing = staged.chunk(rows, max(1, chunk_rows))
            if not read:
                return total
            chunk = ImportSummary(
                rows=read, created=created, existing=existing, errors=len(refused), chunks=1
            )
            total = _reported(total, chunk, refused, written, on_error, on_row, on_chunk)


def _import_chunk(
    batch: list[tuple[int, list[str]]],
    total: ImportSummary,
    parser: _Parser,
    resolver: Resolver,
    writer: ChunkWriter,
    seen: set[str],
    on_error: RowCallback | None,
    on_row: RowCallback | None,
    on_chunk: Callable[[ImportSummary], None] | None,
) -> ImportSummary:
    refused: list[RowResult] = []
    good: list[tuple[int, RecordRow]] = []
    for line, cells in batch:
        row, errors = parser.parse(cells)
        if not errors:
            if row.external_id in seen:
                errors = {"external_id": [_("This id appears twice in the file.")]}
            seen.add(row.external_id)
        if errors:
            refused.append(
                RowResult(line=line, external_id=row.external_id, outcome="error", errors=errors)
            )
        else:
            good.append((line, row))
    placed, unplaced = resolver.resolve(good)
    refused.extend(unplaced)
    mine = writer.own_accounts()
    if mine:
        # No one verifies their own learning, in a file any more than on a page.
        own = [p for p in placed if p[2] in mine]
        if own:
            placed = [p for p in placed if p[2] not in mine]
            message = _("No one may decide on their own learning; a colleague will decide.")
            refused.extend(
                RowResult(
                    line=line,
                    external_id=row.external_id,
                    outcome="error",
                    errors={"account_number": [message]},
                )
                for line, row, _account in own
            )
    refused.sort(key=lambda r: r.line)
    created, existing, credits, written = writer.write(placed, refused=len(refused))
    chunk = ImportSummary(
        rows=len(batch),
        created=created,
        existing=existing,
        errors=len(refused),
        credits=credits,
        chunks=1,
    )
    return _reported(total, chunk, refused, written, on_error, on_row, on_chunk)


def _reported(
    total: ImportSummary,
    chunk: ImportSummary,
    refused: list[RowResult],
    written: list[RowResult],
    on_error: RowCallback | None,
    on_row: RowCallback | None,
    on_chunk: Callable[[ImportSummary], None] | None,
) -> ImportSummary:
    """After a chunk is committed: its refused rows to on_error and on_row, its written rows
    to on_row, and the running totals (returned) to on_chunk."""
    for result in refused:
        if on_error is not None:
            on_error(result)
        if on_row is not None:
            on_row(result)
    if on_row is not None:
        for result in written:
            on_row(result)
    total = ImportSummary(
        rows=total.rows + chunk.rows,
        created=total.created + chunk.created,
        existing=total.existing + chunk.existing,
        errors=total.errors + chunk.errors,
        credits=total.credits + chunk.credits,
        chunks=total.chunks + chunk.chunks,
    )
    if on_chunk is not None:
        on_chunk(total)
    return total


def _may_import(actor: Any, provider: Organization, *, verify: bool) -> None:
    if not Organization.objects.restrict(actor, Action.CHANGE).filter(pk=provider.pk).exists():
        raise PermissionDenied(_("You may not submit records for this provider."))
    if verify and not (
        Organization.objects.restrict(actor, Action.ASSESS).filter(pk=provider.pk).exists()
    ):
        raise PermissionDenied(_("You may not verify records for this provider."))


def _reject(message: str) -> None:
    raise ValidationFailed(
        message, code=CreditBankErrorCode.FILE_REJECTED, fields={"file": [message]}
    )


def _batches(
    rows: Iterator[tuple[int, list[str]]], size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# Reading ------------------------------------------------------------------------------------


def _read(file: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and then (row number, cells) for every non-empty row; a file that cannot
    be read is refused before any row is."""
    header, rows, _stageable = _read_file(file)
    return header, rows


def _read_file(file: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, list[str]]], bool]:
    """As `_read`, and whether the rows may be staged in a database table: CSV text without
    NUL characters, which no text column holds."""
    if not file.seekable():
        file = io.BytesIO(file.read())
    signature = file.read(4)
    file.seek(0)
    if signature == ZIP_SIGNATURE:
        return (*_xlsx(file), False)
    if signature == OLE_SIGNATURE:
        _reject(_("This is an old Excel file (.xls). Save it as .xlsx or CSV and upload it again."))
    encoding, nul = _encoding(file)
    return (*_csv(file, encoding), not nul)


def _encoding(file: IO[bytes]) -> tuple[str, bool]:
    """UTF-8 (a byte-order mark is dropped) if the whole file decodes so, else GB18030; and
    whether the text holds a NUL character."""
    for encoding in ("utf-8-sig", "gb18030"):
        file.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        nul = False
        try:
            while block := file.read(1 << 20):
                nul = nul or "\x00" in decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        file.seek(0)
        return encoding, nul
    _reject(_("The file is neither UTF-8 nor GB18030 text. Save it as CSV (UTF-8) or .xlsx."))
    raise AssertionError  # unreachable: _reject raises


def _csv(file: IO[bytes], encoding: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        text.detach()
        _reject(_("The file is empty."))
        raise AssertionError from None
    except csv.Error:
        text.detach()
        _reject(_("The file is not a readable CSV file."))
        raise AssertionError from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for cells in reader:
                number += 1
                if any(cells):
                    yield number, cells
        except csv.Error:
            # A cell longer than any field could be, say: the rest of the file is not read.
            # Chunks before this line are kept (a corrected file imports the rest, once).
            _reject(
                _(
                    "Line %(line)d of the file cannot be read as CSV; "
                    "nothing from it on was imported."
                )
                % {"line": number + 1}
            )
        finally:
            text.detach()  # the caller's file stays open

    return header, rows()


def _xlsx(file: IO[bytes]) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    import openpyxl  # imported here: only uploads of spreadsheets need it

    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = [_text(v) for v in next(values, ())]
    except Exception:  # openpyxl raises many kinds for a broken file
        _reject(_("The file is not a readable .xlsx workbook."))
        raise AssertionError from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in enumerate(values, start=2):
                texts = [_text(v) for v in cells]
                if any(texts):
                    yield number, texts
        finally:
            book.close()

    return header, rows()


def _text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    return str(value)


# Parsing ------------------------------------------------------------------------------------


def _header_key(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")


class _Parser:
    """Turns a row's cells into a RecordRow and its problems, by field."""

    def __init__(self, header: list[str]) -> None:
        positions: dict[str, int] = {}
        for i, name in enumerate(header):
            column = HEADER_NAMES.get(_header_key(name))
            if column is None:
                continue
            if column in positions:
                _reject(_("The column %(column)s appears twice.") % {"column": column})
            positions[column] = i
        missing = [c for c in REQUIRED if c not in positions]
        if "account_number" not in positions and "id_number" not in positions:
            missing.append("account_number / id_number")
        if missing:
            _reject(
                _("The header row lacks these columns: %(columns)s.")
                % {"columns": ", ".join(missing)}
            )
        self.index = tuple(positions.get(c, -1) for c in COLUMNS)
        self.width = len(header)
        self.today = clock.today()
        self.earliest, self.yes, self.no = EARLIEST, YES, NO
        self.categories: dict[str, str] = dict(CATEGORY_NAMES)
        for code, label in CreditCategory.choices:
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    self.categories[str(label).lower()] = code
            self.categories[code] = code

    def parse(self, cells: list[str]) -> tuple[RecordRow, dict[str, list[str]]]:
        size = len(cells)
        (
            external_id,
            account_number,
            id_number,
            category,
            title,
            completed,
            course_code,
            certificate_code,
            certificate_number,
            passed_text,
            score_text,
            grade,
            hours_text,
            attendance_text,
        ) = [cells[i].strip() if 0 <= i < size else "" for i in self.index]
        errors: dict[str, list[str]] = {}
        if size > self.width and any(cells[self.width :]):
            errors["row"] = [_("This row has more cells than the header has columns.")]
        completed_on = _date(completed)
        if completed_on is None:
            errors["completed_on"] = [
                _("Enter the date as YYYY-MM-DD.")
                if completed
                else _("Give the date the learning was completed.")
            ]
        passed: bool | None = None
        if passed_text:
            lowered = passed_text.lower()
            if lowered in YES:
                passed = True
            elif lowered in NO:
                passed = False
            else:
                errors["passed"] = [_("Enter yes or no.")]
        row = RecordRow(
            external_id=external_id,
            category=self.categories.get(category.lower(), category),
            title=title,
            completed_on=completed_on or self.today,
            account_number=account_number.upper(),
            id_number=id_number,
            course_code=course_code,
            certificate_code=certificate_code,
            certificate_number=certificate_number,
            passed=passed,
            score=_decimal(score_text, "score", 2, errors),
            grade=grade,
            hours=_decimal(hours_text, "hours", 1, errors) or ZERO,
            attendance_rate=_decimal(attendance_text, "attendance_rate", 2, errors),
        )
        if not _fine(row, self.today):
            for name, messages in row_errors(row).items():
                if name == "learner":
                    name = "account_number" if self.index[1] >= 0 else "id_number"
                errors.setdefault(name, messages)
        return row, errors


EARLIEST = dt.date(1950, 1, 1)
CATEGORIES = frozenset(CreditCategory.values)
HUNDRED = Decimal(100)
MOST_HOURS = Decimal(10000)


def _fine(row: RecordRow, today: dt.date) -> bool:
    """Whether `row_errors` would find nothing, in a fraction of its time: a million rows
    are mostly fine, and only the others need their messages."""
    return (
        0 < len(row.external_id) <= 80
        and row.category in CATEGORIES
        and 0 < len(row.title) <= 200
        and EARLIEST <= row.completed_on <= today
        and bool(row.account_number or row.id_number)
        and ZERO <= row.hours <= MOST_HOURS
        and (row.score is None or ZERO <= row.score <= HUNDRED)
        and (row.attendance_rate is None or ZERO <= row.attendance_rate <= HUNDRED)
        and not row.statement_id
        and len(row.course_code) <= 40
        and len(row.certificate_code) <= 40
        and len(row.certificate_number) <= 60
        and len(row.grade) <= 10
    )


def _date(text: str) -> dt.date | None:
    if len(text) == 10 and text[4] in "-/." and text[7] == text[4]:
        try:
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            return None
    return None


def _decimal(text: str, name: str, places: int, errors: dict[str, list[str]]) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors[name] = [_("Enter a number.")]
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        try:
            exact = value.quantize(STEP[places]) == value
        except InvalidOperation:
            exact = False
        if not exact:
            errors[name] = [_("Use at most %(n)d decimal places.") % {"n": places}]
            return None
    return value
