"""Recognition: which standard applies to a record, what it is worth under the standard's
rules and caps, and the ledger postings that grant, reverse and move credits.

`evaluate` is pure (tested with hypothesis); the rest runs inside the caller's transaction
with the account row locked, so concurrent recognitions for one learner queue and no cap is
ever exceeded."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db.models import Q, Sum

from learningcity.creditbank.choices import PostingKind, RecordChannel
from learningcity.creditbank.data import Decision, Outcome, Rules, Usage
from learningcity.creditbank.models import (
    Account,
    LearningRecord,
    Posting,
    StandardVersion,
    credits_of,
)
from learningcity.network.choices import KIND_SYSTEM

ZERO = Decimal("0")
TENTH = Decimal("0.1")

# Reason codes; the pages translate them (see `reason_text`).
FAILED = "failed"
LOW_ATTENDANCE = "low_attendance"
LOW_SCORE = "low_score"
CAPPED_RECORD = "capped_record"
CAPPED_YEAR = "capped_year"
CAPPED_TERM = "capped_term"
CAPPED_INSTITUTION = "capped_institution"
CAPPED_COUNT = "capped_count"
NO_STANDARD = "no_standard"
NO_HOURS = "no_hours"


def term_of(day: dt.date) -> str:
    """The half-year term the caps count by: YYYY-1 (January–June) or YYYY-2."""
    return f"{day.year}-{1 if day.month <= 6 else 2}"


def rules_of(version: StandardVersion) -> Rules:
    return Rules(
        credits_fixed=version.credits_fixed,
        hours_per_credit=version.hours_per_credit,
        max_credits_per_record=version.max_credits_per_record,
        requires_pass=version.requires_pass,
        min_attendance=version.min_attendance,
        min_score=version.min_score,
        cap_per_year=version.cap_per_year,
        cap_per_term=version.cap_per_term,
        cap_per_institution=version.cap_per_institution,
        cap_certificates=version.cap_certificates,
    )


def outcome_of(record: LearningRecord) -> Outcome:
    return Outcome(
        passed=record.passed,
        score=record.score,
        hours=record.hours,
        attendance_rate=record.attendance_rate,
        attendance_applies=record.channel != RecordChannel.PRIOR_LEARNING,
    )


def evaluate(rules: Rules, outcome: Outcome, usage: Usage) -> Decision:
    """The credits a record earns: its worth under the rules, then cut to what the caps
    leave. Never negative, never more than any cap leaves."""
    reasons: list[str] = []
    if rules.requires_pass and outcome.passed is not True:
        reasons.append(FAILED)
    if (
        rules.min_attendance is not None
        and outcome.attendance_applies
        and (outcome.attendance_rate is None or outcome.attendance_rate < rules.min_attendance)
    ):
        reasons.append(LOW_ATTENDANCE)
    if rules.min_score is not None and (outcome.score is None or outcome.score < rules.min_score):
        reasons.append(LOW_SCORE)
    if reasons:
        return Decision(credits=ZERO, worth=ZERO, reasons=tuple(reasons))
    if rules.credits_fixed is not None:
        worth = rules.credits_fixed
    elif rules.hours_per_credit:
        worth = (outcome.hours / rules.hours_per_credit).quantize(TENTH, rounding=ROUND_FLOOR)
    else:
        worth = ZERO
    if worth <= 0:
        return Decision(credits=ZERO, worth=ZERO, reasons=(NO_HOURS,))
    granted = worth
    if rules.max_credits_per_record is not None and granted > rules.max_credits_per_record:
        granted = rules.max_credits_per_record
        reasons.append(CAPPED_RECORD)
    if rules.cap_certificates is not None and usage.certificates >= rules.cap_certificates:
        return Decision(credits=ZERO, worth=worth, reasons=(CAPPED_COUNT,))
    for cap, used, code in (
        (rules.cap_per_year, usage.year, CAPPED_YEAR),
        (rules.cap_per_term, usage.term, CAPPED_TERM),
        (rules.cap_per_institution, usage.institution, CAPPED_INSTITUTION),
    ):
        if cap is None:
            continue
        room = max(cap - used, ZERO)
        if granted > room:
            granted = room
            reasons.append(code)
    return Decision(credits=granted, worth=worth, reasons=tuple(reasons))


def standard_for(record: LearningRecord, *, on: dt.date | None = None) -> StandardVersion | None:
    """The version that applies to a record: a named certificate's standard first, then one
    for the record's category and provider system, then one for the category alone; of a
    standard, the latest version in force on the record's date."""
    day = on or record.completed_on
    system = KIND_SYSTEM.get(record.provider.kind, "")
    candidates = (
        StandardVersion.objects.filter(
            standard__is_active=True, effective_from__lte=day, match_category=record.category
        )
        .filter(
            Q(match_certificate_code="") | Q(match_certificate_code=record.certificate_code)
            if record.certificate_code
            else Q(match_certificate_code="")
        )
        .filter(Q(match_provider_system="") | Q(match_provider_system=system))
        .select_related("standard")
        .order_by("standard_id", "-version")
    )
    latest: dict[int, StandardVersion] = {}
    for version in candidates:
        latest.setdefault(version.standard_id, version)
    if not latest:
        return None

    def specificity(version: StandardVersion) -> tuple[int, int, str]:
        return (
            1 if version.match_certificate_code else 0,
            1 if version.match_provider_system else 0,
            version.standard.code,
        )

    return max(latest.values(), key=specificity)


def usage_for(
    account: Account, version: StandardVersion, *, year: int, term: str, institution_id: int
) -> Usage:
    """What the caps have already counted for this account in the version's credit category."""
    postings = Posting.objects.filter(account=account, category=version.credit_category)
    totals = postings.aggregate(
        year=Sum("credits", filter=Q(year=year)),
        term=Sum("credits", filter=Q(term=term)),
        institution=Sum("credits", filter=Q(institution_id=institution_id)),
    )
    certificates = (
        Posting.objects.filter(
            account=account,
            kind__in=(PostingKind.RECOGNITION, PostingKind.TRANSFER_IN),
            standard_version__standard_id=version.standard_id,
            reversed_by__isnull=True,
        )
        .exclude(record__isnull=True)
        .values("record_id")
        .distinct()
        .count()
    )
    return Usage(
        year=credits_of(totals["year"]),
        term=credits_of(totals["term"]),
        institution=credits_of(totals["institution"]),
        certificates=certificates,
    )


def recognise(
    record: LearningRecord, *, actor: Any, version: StandardVersion | None = None
) -> Decision:
    """Grant a verified record its credits: one posting, keyed by the record, so doing it
    twice grants once. The caller holds the account's row lock."""
    version = version or standard_for(record)
    if version is None:
        record.credits = ZERO
        record.recognition_note = NO_STANDARD
        return Decision(credits=ZERO, worth=ZERO, reasons=(NO_STANDARD,))
    year, term = record.completed_on.year, term_of(record.completed_on)
    usage = usage_for(
        record.account, version, year=year, term=term, institution_id=record.provider_id
    )
    decision = evaluate(rules_of(version), outcome_of(record), usage)
    record.credits = decision.credits
    label = f"{version.standard.code} v{version.version}"
    record.recognition_note = ",".join((label, *decision.reasons))
    if decision.credits > 0:
        valid_until = None
        if version.validity_years:
            valid_until = _add_years(record.completed_on, version.validity_years)
        Posting.objects.get_or_create(
            idempotency_key=f"recognition:{record.public_id}",
            defaults={
                "account_id": record.account_id,
                "record": record,
                "kind": PostingKind.RECOGNITION,
                "category": version.credit_category,
                "level": version.level,
                "credits": decision.credits,
                "standard_version": version,
                "institution_id": record.provider_id,
                "year": year,
                "term": term,
                "valid_until": valid_until,
                "actor_id": getattr(actor, "pk", None),
                "reason": "recognition",
            },
        )
    return decision


def reverse_record(record: LearningRecord, *, actor: Any, reason: str) -> Decimal:
    """Reverse every live posting of a record on its current account; returns the credits
    taken back. Reversal keys name the posting, so a retry reverses nothing twice."""
    live = Posting.objects.filter(
        account_id=record.account_id,
        record=record,
        kind__in=(PostingKind.RECOGNITION, PostingKind.TRANSFER_IN),
        reversed_by__isnull=True,
    ).order_by("id")
    taken = ZERO
    for posting in live:
        Posting.objects.create(
            account_id=posting.account_id,
            record=record,
            kind=PostingKind.REVERSAL,
            category=posting.category,
            level=posting.level,
            credits=-posting.credits,
            standard_version_id=posting.standard_version_id,
            institution_id=posting.institution_id,
            year=posting.year,
            term=posting.term,
            valid_until=posting.valid_until,
            reverses=posting,
            actor_id=getattr(actor, "pk", None),
            reason=reason[:300],
            idempotency_key=f"reversal:{posting.pk}",
        )
        taken += posting.credits
    return taken


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
