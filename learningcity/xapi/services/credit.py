"""Reading completions into the credit bank (issue 7, requirement 3). A statement `completed`
or `passed` for an activity its provider registered, by an actor the bank knows (an account
on the platform's homePage named by its account number, or a resident's email), becomes one
learning record, idempotent on the statement id; voiding the statement takes it back. Every
statement keeps the outcome and the reason, which the provider reads on its page."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.accounts.models import User
from learningcity.core.actors import PLATFORM
from learningcity.core.errors import DomainError
from learningcity.creditbank.choices import RecordChannel, RecordStatus
from learningcity.creditbank.data import RecordRow
from learningcity.creditbank.models import Account, LearningRecord
from learningcity.creditbank.services import (
    account_for,
    record_reject,
    record_revoke,
    records_submit,
)
from learningcity.network.models import Organization
from learningcity.xapi.choices import CreditOutcome
from learningcity.xapi.models import ActivityRegistration, Credential, Statement
from learningcity.xapi.services.statements import PASSED
from learningcity.xapi.validation import duration_hours

CHUNK = 500


def external_id(statement_id: Any) -> str:
    return f"xapi:{statement_id}"


def _score(result: dict[str, Any]) -> Decimal | None:
    score = result.get("score") or {}
    try:
        if "scaled" in score:
            return max(Decimal("0"), Decimal(str(score["scaled"])) * 100).quantize(Decimal("0.01"))
        if "raw" in score and "min" in score and "max" in score:
            share = (Decimal(str(score["raw"])) - Decimal(str(score["min"]))) / (
                Decimal(str(score["max"])) - Decimal(str(score["min"]))
            )
            return (share * 100).quantize(Decimal("0.01"))
        if "raw" in score and 0 <= score["raw"] <= 100:
            return Decimal(str(score["raw"])).quantize(Decimal("0.01"))
    except (InvalidOperation, ZeroDivisionError):
        return None
    return None


def _learners(statements: list[tuple[Statement, dict[str, Any]]]) -> dict[int, str]:
    """Account numbers of the statements' actors, by statement pk, in three queries."""
    home = settings.CREDENTIALS_BASE_URL.rstrip("/")
    numbers: dict[int, str] = {}
    emails: dict[int, str] = {}
    for row, body in statements:
        actor = body["actor"]
        account = actor.get("account")
        if account and str(account.get("homePage", "")).rstrip("/") == home:
            numbers[row.pk] = str(account.get("name", ""))
        elif str(actor.get("mbox", "")).startswith("mailto:"):
            emails[row.pk] = actor["mbox"][len("mailto:") :].strip().lower()
    known = set(
        Account.objects.filter(number__in=set(numbers.values())).values_list("number", flat=True)
    )
    found = {pk: n for pk, n in numbers.items() if n in known}
    if emails:
        learner_of: dict[str, list[int]] = defaultdict(list)
        for email, learner_id in User.objects.filter(
            email__in=set(emails.values()), is_active=True, learner__isnull=False
        ).values_list("email", "learner__pk"):
            learner_of[email.lower()].append(learner_id)
        for pk, email in emails.items():
            # An email two residents share names neither of them.
            if len(learner_of.get(email, [])) == 1:
                found[pk] = account_for(learner_of[email][0]).number
    return found


def _row(
    row: Statement, body: dict[str, Any], registration: ActivityRegistration, number: str
) -> RecordRow | None:
    result = body.get("result", {})
    success = result.get("success")
    if body["verb"]["id"] == PASSED and success is False:
        return None
    hours = registration.hours
    if not hours and "duration" in result:
        hours = Decimal(str(round(duration_hours(result["duration"]), 1)))
    return RecordRow(
        external_id=external_id(row.statement_id),
        category=registration.category,
        title=registration.title,
        completed_on=timezone.localdate(row.timestamp),
        account_number=number,
        course_code=registration.course_code,
        passed=True if body["verb"]["id"] == PASSED else success,
        score=_score(result),
        hours=min(hours, Decimal("10000")),
        statement_id=str(row.statement_id),
    )


def _submit(credential: Credential | None, provider: Organization, rows: list[RecordRow]) -> Any:
    actor = credential.issued_by if credential and credential.issued_by else PLATFORM
    return records_submit(actor=actor, provider=provider, rows=rows, channel=RecordChannel.XAPI)


def _credit_pending(provider: Organization) -> int:
    with transaction.atomic():
        pending = list(
            Statement.objects.select_for_update(skip_locked=True)
            .filter(provider=provider, credit_outcome=CreditOutcome.PENDING)
            .order_by("id")[:CHUNK]
        )
        if not pending:
            return 0
        bodies = [(s, json.loads(s.body)) for s in pending]
        registrations = {
            r.activity_hash: r
            for r in ActivityRegistration.objects.filter(
                provider=provider, activity_hash__in={s.object_hash for s in pending}
            )
        }
        numbers = _learners(bodies)
        by_credential: dict[int | None, list[tuple[Statement, RecordRow]]] = defaultdict(list)
        for statement, body in bodies:
            registration = registrations.get(statement.object_hash)
            if registration is None:
                statement.credit_outcome = CreditOutcome.UNKNOWN_ACTIVITY
                continue
            if statement.pk not in numbers:
                statement.credit_outcome = CreditOutcome.UNKNOWN_ACTOR
                continue
            record_row = _row(statement, body, registration, numbers[statement.pk])
            if record_row is None:
                statement.credit_outcome = CreditOutcome.NOT_PASSED
                continue
            by_credential[statement.credential_id].append((statement, record_row))
        credentials = Credential.objects.select_related("issued_by").in_bulk(
            [k for k in by_credential if k is not None]
        )
        for credential_id, items in by_credential.items():
            credential = credentials.get(credential_id) if credential_id else None
            try:
                report = _submit(credential, provider, [r for _s, r in items])
            except DomainError as exc:
                for statement, _r in items:
                    statement.credit_outcome = CreditOutcome.REFUSED
                    statement.credit_note = exc.message[:500]
                continue
            for (statement, _r), outcome in zip(items, report.rows, strict=True):
                if outcome.outcome == "error":
                    statement.credit_outcome = CreditOutcome.REFUSED
                    statement.credit_note = "; ".join(
                        f"{field}: {' '.join(messages)}"
                        for field, messages in outcome.errors.items()
                    )[:500]
                else:
                    statement.credit_outcome = CreditOutcome.CREATED
                    statement.credit_record = outcome.record_id or None
                    statement.credit_note = ""
        Statement.objects.bulk_update(
            pending, ["credit_outcome", "credit_record", "credit_note"], batch_size=CHUNK
        )
        return len(pending)


def _revoke_voided(provider: Organization) -> int:
    voided = list(
        Statement.objects.filter(
            provider=provider, credit_outcome=CreditOutcome.VOID_PENDING
        ).order_by("id")[:CHUNK]
    )
    for statement in voided:
        record = LearningRecord.objects.filter(
            provider=provider, external_id=external_id(statement.statement_id)
        ).first()
        reason = _("The provider voided xAPI statement %(id)s.") % {"id": statement.statement_id}
        try:
            if record is not None and record.status == RecordStatus.VERIFIED:
                record_revoke(actor=PLATFORM, public_id=record.public_id, reason=reason)
            elif record is not None and record.status == RecordStatus.SUBMITTED:
                record_reject(actor=PLATFORM, public_id=record.public_id, reason=reason)
        except DomainError as exc:
            Statement.objects.filter(pk=statement.pk).update(
                credit_outcome=CreditOutcome.VOID_REFUSED, credit_note=exc.message[:500]
            )
            continue
        Statement.objects.filter(pk=statement.pk).update(
            credit_outcome=CreditOutcome.REVOKED, credit_note=""
        )
    return len(voided)


def statements_credit(*, provider_id: int, rounds: int = 1000) -> int:
    """Read the provider's waiting completions and voids into the credit bank; returns how
    many statements were read. Safe to run twice at once: rows are claimed with SKIP LOCKED
    and records are idempotent on the statement id."""
    provider = Organization.objects.get(pk=provider_id)
    done = 0
    for _round in range(rounds):
        step = _credit_pending(provider) + _revoke_voided(provider)
        done += step
        if step == 0:
            break
    return done
