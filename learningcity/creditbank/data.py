"""Plain values the credit bank takes and gives; standard library only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# The columns of a file of learning records, in the order the importers read them (see
# services/imports.py for what each holds).
RECORD_FILE_COLUMNS = (
    "external_id",
    "account_number",
    "id_number",
    "category",
    "title",
    "completed_on",
    "course_code",
    "certificate_code",
    "certificate_number",
    "passed",
    "score",
    "grade",
    "hours",
    "attendance_rate",
)


@dataclass(frozen=True)
class RecordRow:
    """One learning record as a provider sends it (web form, file row or batch API item).

    The learner is named by account number or by national ID number (matched through the
    blind index, never stored here in plain form beyond the request)."""

    external_id: str
    category: str
    title: str
    completed_on: dt.date
    account_number: str = ""
    id_number: str = ""
    course_code: str = ""
    certificate_code: str = ""
    certificate_number: str = ""
    passed: bool | None = None
    score: Decimal | None = None
    grade: str = ""
    hours: Decimal = Decimal("0")
    attendance_rate: Decimal | None = None
    statement_id: str = ""


@dataclass(frozen=True)
class RowResult:
    """What became of one row: `created`, `existing` (already sent: nothing changed) or
    `error` with field messages."""

    line: int
    external_id: str
    outcome: str
    record_id: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchReport:
    created: int
    existing: int
    errors: int
    rows: tuple[RowResult, ...]


@dataclass(frozen=True)
class Rules:
    """A standard version's rules, as the pure recognition function reads them."""

    credits_fixed: Decimal | None
    hours_per_credit: Decimal | None
    max_credits_per_record: Decimal | None
    requires_pass: bool
    min_attendance: Decimal | None
    min_score: Decimal | None
    cap_per_year: Decimal | None
    cap_per_term: Decimal | None
    cap_per_institution: Decimal | None
    cap_certificates: int | None


@dataclass(frozen=True)
class Outcome:
    passed: bool | None
    score: Decimal | None
    hours: Decimal
    attendance_rate: Decimal | None
    # Prior learning assessed from evidence has no attendance to measure.
    attendance_applies: bool = True


@dataclass(frozen=True)
class Usage:
    """Credits already recognised in the caps' windows, and records under this standard."""

    year: Decimal = Decimal("0")
    term: Decimal = Decimal("0")
    institution: Decimal = Decimal("0")
    certificates: int = 0


@dataclass(frozen=True)
class Decision:
    """Credits granted and why; `reasons` are codes the pages explain in the user's language."""

    credits: Decimal
    worth: Decimal
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One verified record as a transcript shows it: plain values, read in one query."""

    public_id: str
    title: str
    category: str
    category_label: str
    provider_code: str
    provider_name: str
    course_code: str
    certificate_code: str
    grade: str
    completed_on: dt.date
    hours: Decimal
    credits: Decimal
    recognition_note: str


@dataclass(frozen=True)
class Balance:
    category: str
    level: int
    credits: Decimal


@dataclass(frozen=True)
class CourseLine:
    """One program course in a degree audit: how it is met, or what could meet it."""

    code: str
    name: str
    area: str
    credits: Decimal
    met_by: str  # "program" | "conversion" | "" (not met)
    record_title: str = ""
    candidate_record_id: str = ""
    candidate_title: str = ""
    candidate_via: str = ""  # "transfer" | "equivalence:<certificate code>"


@dataclass(frozen=True)
class DegreeAudit:
    program_code: str
    program_name: str
    total_required: Decimal
    counted: Decimal
    earned_in_program: Decimal
    converted: Decimal
    convertible: Decimal
    major: Decimal
    major_required: Decimal
    general: Decimal
    general_required: Decimal
    in_program_required: Decimal
    converted_max: Decimal
    missing: Decimal
    complete: bool
    courses: tuple[CourseLine, ...]
    never_convert: tuple[str, ...]  # titles of records whose category never converts


@dataclass(frozen=True)
class StandardTerms:
    """The rules of one version of a recognition standard."""

    kind: str
    match_category: str
    credit_category: str
    level: int
    effective_from: dt.date
    match_certificate_code: str = ""
    match_provider_system: str = ""
    credits_fixed: Decimal | None = None
    hours_per_credit: Decimal | None = None
    max_credits_per_record: Decimal | None = None
    validity_years: int | None = None
    requires_pass: bool = False
    min_attendance: Decimal | None = None
    min_score: Decimal | None = None
    cap_per_year: Decimal | None = None
    cap_per_term: Decimal | None = None
    cap_per_institution: Decimal | None = None
    cap_certificates: int | None = None


@dataclass(frozen=True)
class ProgramCourseRow:
    """One course of a program being set up."""

    code: str
    name_zh: str
    credits: Decimal
    area: str
    name_en: str = ""


@dataclass(frozen=True)
class EquivalenceRow:
    """A certificate that exempts program courses, named by their codes."""

    certificate_code: str
    name_zh: str
    course_codes: tuple[str, ...]
    name_en: str = ""
