"""Accounts and learning records: opening, submitting (one, a batch, a completion),
verifying, rejecting, revoking, and merging duplicate accounts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.actors import PLATFORM
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.creditbank.choices import (
    AccountStatus,
    CreditCategory,
    PostingKind,
    RecordChannel,
    RecordStatus,
)
from learningcity.creditbank.data import BatchReport, Decision, RecordRow, RowResult
from learningcity.creditbank.errors import CreditBankErrorCode
from learningcity.creditbank.models import (
    Account,
    LearningRecord,
    Posting,
    StandardVersion,
    account_number_for,
    credits_of,
)
from learningcity.creditbank.services.credentials import record_credential_revoke
from learningcity.creditbank.services.recognition import recognise, reverse_record
from learningcity.learners.models import Learner
from learningcity.learners.services import id_number_index, parse_id_number
from learningcity.network.choices import Action
from learningcity.network.models import Organization

BATCH_MAX = 1000
DECISION_FIELDS = ["status", "decided_by", "decided_at", "decision_reason", "updated_at"]


# Accounts -----------------------------------------------------------------------------------


def account_for(learner_id: int) -> Account:
    """The learner's account, opened if this is their first record. Safe under concurrency:
    the one-account-per-learner constraint settles a race."""
    account = Account.objects.filter(learner_id=learner_id).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(
                learner_id=learner_id, number=account_number_for(learner_id)
            )
    except IntegrityError:
        return Account.objects.get(learner_id=learner_id)


@transaction.atomic
def account_open(*, actor: Any, learner: Learner) -> Account:
    """Open (or return) a learner's account on request: the learner themself or an office
    that may change the learner."""
    if getattr(learner, "user_id", None) != getattr(actor, "pk", -1) and not (
        Learner.objects.restrict(actor, Action.CHANGE).filter(pk=learner.pk).exists()
    ):
        raise NotFound(_("No such learner."))
    existed = Account.objects.filter(learner_id=learner.pk).exists()
    account = account_for(learner.pk)
    if not existed:
        audit_record(actor=actor, action="creditbank.account_open", subject=_subject(account))
    return account


def _open_account(account: Account) -> Account:
    """Follow a merged account to the one that holds its learning now."""
    seen = 0
    while account.status == AccountStatus.MERGED and account.merged_into_id and seen < 10:
        account = Account.objects.get(pk=account.merged_into_id)
        seen += 1
    return account


def _subject(account: Account) -> str:
    return f"creditbank.account:{account.public_id}"


def _record_subject(record: LearningRecord) -> str:
    return f"creditbank.record:{record.public_id}"


@transaction.atomic
def account_merge(
    *, actor: Any, keep_number: str, duplicate_number: str, reason: str, id_number: str = ""
) -> Account:
    """Merge a duplicate learner's account into the one to keep: the duplicate's records move,
    its credits move by paired transfer postings (the ledger stays append-only), and it is
    marked merged. Only for the same person: same name and date of birth, the duplicate
    without an ID number, and — when staff give the number from the resident's card — the
    kept learner's blind index must match it."""
    if not reason.strip():
        message = _("Say why these accounts are the same person.")
        raise ValidationFailed(message, fields={"reason": [message]})
    visible = Account.objects.restrict(actor, Action.CHANGE)
    pair = list(
        visible.select_for_update()
        .filter(number__in=[keep_number, duplicate_number])
        .select_related("learner")
        .order_by("pk")
    )
    by_number = {a.number: a for a in pair}
    if keep_number == duplicate_number:
        message = _("Choose two different accounts.")
        raise ValidationFailed(
            message, code=CreditBankErrorCode.SAME_LEARNER, fields={"duplicate": [message]}
        )
    if keep_number not in by_number or duplicate_number not in by_number:
        raise NotFound(_("No such account."))
    keep, duplicate = by_number[keep_number], by_number[duplicate_number]
    if AccountStatus.MERGED in (keep.status, duplicate.status):
        raise Conflict(
            _("One of these accounts was already merged."),
            code=CreditBankErrorCode.ACCOUNT_MERGED,
        )
    a, b = keep.learner, duplicate.learner
    same_person = (
        a.name.strip() == b.name.strip()
        and a.birth_date == b.birth_date
        and b.id_number_index is None
    )
    if id_number:
        same_person = same_person and a.id_number_index == id_number_index(
            parse_id_number(id_number).value
        )
    if not same_person:
        message = _(
            "These accounts do not belong to the same person: the name and date of birth must "
            "match and the duplicate must have no ID number."
        )
        raise ValidationFailed(
            message, code=CreditBankErrorCode.NOT_DUPLICATES, fields={"duplicate": [message]}
        )
    moved = Decimal("0")
    live = Posting.objects.filter(
        account=duplicate,
        kind__in=(PostingKind.RECOGNITION, PostingKind.TRANSFER_IN),
        reversed_by__isnull=True,
    ).order_by("id")
    for posting in live:
        common = {
            "record_id": posting.record_id,
            "category": posting.category,
            "level": posting.level,
            "standard_version_id": posting.standard_version_id,
            "institution_id": posting.institution_id,
            "year": posting.year,
            "term": posting.term,
            "valid_until": posting.valid_until,
            "actor_id": getattr(actor, "pk", None),
            "reason": f"merge {duplicate.number} → {keep.number}",
        }
        Posting.objects.create(
            account=duplicate,
            kind=PostingKind.TRANSFER_OUT,
            credits=-posting.credits,
            idempotency_key=f"merge-out:{posting.pk}",
            **common,
        )
        Posting.objects.create(
            account=keep,
            kind=PostingKind.TRANSFER_IN,
            credits=posting.credits,
            idempotency_key=f"merge-in:{posting.pk}",
            **common,
        )
        moved += posting.credits
    record_ids = list(duplicate.records.values_list("pk", flat=True))
    LearningRecord.objects.filter(pk__in=record_ids).update(account=keep)
    Account.objects.filter(pk=duplicate.pk).update(
        status=AccountStatus.MERGED, merged_into=keep, updated_at=clock.now()
    )
    audit_record(
        actor=actor,
        action="creditbank.account_merge",
        subject=_subject(keep),
        reason=reason,
        data={
            "duplicate": str(duplicate.public_id),
            "records": len(record_ids),
            "credits": str(moved),
        },
    )
    keep.refresh_from_db()
    return keep


def balance_total(account: Account) -> Decimal:
    return credits_of(Posting.objects.filter(account=account).aggregate(t=Sum("credits"))["t"])


# Records ------------------------------------------------------------------------------------


def _parse_decimal(
    value: Any, field: str, errors: dict[str, list[str]], *, low: Decimal, high: Decimal
) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if not number.is_finite() or number < low or number > high:
        errors.setdefault(field, []).append(
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
        )
        return None
    return number


def row_errors(row: RecordRow) -> dict[str, list[str]]:
    """Every problem with a row, by field, in the user's language."""
    errors: dict[str, list[str]] = {}
    if not row.external_id.strip():
        errors["external_id"] = [_("Give the record's id in your system.")]
    elif len(row.external_id) > 80:
        errors["external_id"] = [_("A record id has at most 80 characters.")]
    if row.category not in CreditCategory.values:
        errors["category"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(CreditCategory.values)}
        ]
    if not row.title.strip():
        errors["title"] = [_("Give the title of the learning.")]
    elif len(row.title) > 200:
        errors["title"] = [_("A title has at most 200 characters.")]
    if row.completed_on > clock.today():
        errors["completed_on"] = [_("The date cannot be in the future.")]
    elif row.completed_on < dt.date(1950, 1, 1):
        errors["completed_on"] = [_("The date is too far in the past.")]
    if not row.account_number and not row.id_number:
        errors["learner"] = [_("Name the learner by account number or ID number.")]
    if row.hours < 0 or row.hours > 10000:
        errors["hours"] = [_("Enter hours from 0 to 10000.")]
    if row.score is not None and not (0 <= row.score <= 100):
        errors["score"] = [_("Enter a score from 0 to 100.")]
    if row.attendance_rate is not None and not (0 <= row.attendance_rate <= 100):
        errors["attendance_rate"] = [_("Enter an attendance rate from 0 to 100.")]
    if row.statement_id:
        try:
            uuid.UUID(row.statement_id)
        except ValueError:
            errors["statement_id"] = [_("A statement id is a UUID.")]
    for name, limit in (
        ("course_code", 40),
        ("certificate_code", 40),
        ("certificate_number", 60),
        ("grade", 10),
    ):
        if len(getattr(row, name)) > limit:
            errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
    return errors


def resolve_learners(rows: Sequence[RecordRow]) -> tuple[dict[str, int], dict[str, int]]:
    """Learner ids for the rows' account numbers and ID-number blind indexes, in two queries."""
    numbers = {r.account_number for r in rows if r.account_number}
    by_number: dict[str, int] = {}
    if numbers:
        for number, learner_id, status, target in Account.objects.filter(
            number__in=numbers
        ).values_list("number", "learner_id", "status", "merged_into__learner_id"):
            by_number[number] = target if status == AccountStatus.MERGED else learner_id
    indexes: dict[str, str] = {}
    for row in rows:
        if row.id_number and not row.account_number:
            try:
                indexes[row.id_number] = id_number_index(parse_id_number(row.id_number).value)
            except ValidationFailed:
                continue
    by_id: dict[str, int] = {}
    if indexes:
        found = dict(
            Learner.objects.filter(id_number_index__in=set(indexes.values())).values_list(
                "id_number_index", "pk"
            )
        )
        by_id = {raw: found[index] for raw, index in indexes.items() if index in found}
    return by_number, by_id


def _learner_error(row: RecordRow, by_number: dict[str, int], by_id: dict[str, int]) -> str:
    if row.account_number:
        return "" if row.account_number in by_number else _("No account has this number.")
    if row.id_number:
        try:
            parse_id_number(row.id_number)
        except ValidationFailed as exc:
            return exc.message
        return "" if row.id_number in by_id else _("No resident has this ID number.")
    return ""


def _may_submit(actor: Any, provider: Organization) -> None:
    # The platform submits what a provider's own system sent it (xAPI statements under the
    # provider's credential): the credential was the provider's permission.
    if actor is PLATFORM:
        return
    if not Organization.objects.restrict(actor, Action.CHANGE).filter(pk=provider.pk).exists():
        raise PermissionDenied(_("You may not submit records for this provider."))


def _new_record(
    row: RecordRow, *, learner_id: int, provider: Organization, actor: Any, channel: str
) -> LearningRecord:
    account = _open_account(account_for(learner_id))
    return LearningRecord(
        account=account,
        provider=provider,
        category=row.category,
        title=row.title.strip(),
        course_code=row.course_code.strip(),
        certificate_code=row.certificate_code.strip(),
        certificate_number=row.certificate_number.strip(),
        passed=row.passed,
        score=row.score,
        grade=row.grade.strip(),
        hours=row.hours,
        attendance_rate=row.attendance_rate,
        statement_id=uuid.UUID(row.statement_id) if row.statement_id else None,
        completed_on=row.completed_on,
        channel=channel,
        external_id=row.external_id.strip(),
        submitted_by_id=getattr(actor, "pk", None),
    )


def records_submit(
    *, actor: Any, provider: Organization, rows: Sequence[RecordRow], channel: str
) -> BatchReport:
    """Submit records for a provider. Good rows are written together in one transaction; bad
    rows are reported with their reasons and write nothing. A row whose (provider, external
    id) was sent before is reported `existing` and changes nothing, so a resent batch is a
    no-op."""
    _may_submit(actor, provider)
    if len(rows) > BATCH_MAX:
        message = _("Send at most %(n)d records at a time.") % {"n": BATCH_MAX}
        raise ValidationFailed(message, fields={"records": [message]})
    by_number, by_id = resolve_learners(rows)
    results: list[RowResult | None] = [None] * len(rows)
    good: list[tuple[int, RecordRow, int]] = []
    seen: set[str] = set()
    for i, row in enumerate(rows):
        errors = row_errors(row)
        learner_problem = _learner_error(row, by_number, by_id)
        if learner_problem:
            errors.setdefault("learner", []).append(learner_problem)
        if row.external_id in seen:
            errors.setdefault("external_id", []).append(_("This id appears twice in the batch."))
        seen.add(row.external_id)
        if errors:
            results[i] = RowResult(
                line=i + 1, external_id=row.external_id, outcome="error", errors=errors
            )
            continue
        learner_id = by_number.get(row.account_number) or by_id[row.id_number]
        good.append((i, row, learner_id))
    created = existing = 0
    with transaction.atomic():
        known = dict(
            LearningRecord.objects.filter(
                provider=provider, external_id__in=[row.external_id for _, row, _ in good]
            ).values_list("external_id", "public_id")
        )
        fresh = []
        for i, row, learner_id in good:
            if row.external_id in known:
                results[i] = RowResult(
                    line=i + 1,
                    external_id=row.external_id,
                    outcome="existing",
                    record_id=str(known[row.external_id]),
                )
                existing += 1
                continue
            record = _new_record(
                row, learner_id=learner_id, provider=provider, actor=actor, channel=channel
            )
            fresh.append((i, record))
        LearningRecord.objects.bulk_create([r for _, r in fresh], ignore_conflicts=True)
        stored = dict(
            LearningRecord.objects.filter(
                provider=provider, external_id__in=[r.external_id for _, r in fresh]
            ).values_list("external_id", "public_id")
        )
        for i, record in fresh:
            won = stored.get(record.external_id) == record.public_id
            results[i] = RowResult(
                line=i + 1,
                external_id=record.external_id,
                outcome="created" if won else "existing",
                record_id=str(stored.get(record.external_id, "")),
            )
            created += won
            existing += not won
        if created:
            audit_record(
                actor=actor,
                action="creditbank.records_submit",
                subject=f"network.organization:{provider.code}",
                data={"channel": channel, "created": created, "existing": existing},
            )
    rows_out = tuple(r for r in results if r is not None)
    return BatchReport(
        created=created,
        existing=existing,
        errors=sum(1 for r in rows_out if r.outcome == "error"),
        rows=rows_out,
    )


def record_submit(
    *, actor: Any, provider: Organization, row: RecordRow, channel: str = RecordChannel.WEB
) -> LearningRecord:
    """One record from a provider's web form; a field-level error if anything is wrong."""
    report = records_submit(actor=actor, provider=provider, rows=[row], channel=channel)
    result = report.rows[0]
    if result.outcome == "error":
        first = next(iter(result.errors.values()))[0]
        raise ValidationFailed(first, fields=result.errors)
    return LearningRecord.objects.get(public_id=result.record_id)


def refuse_own_learning(actor: Any, account_id: int) -> None:
    """No one decides on their own learning: an assessor who is also a learner leaves their
    own records, claims and conversion applications to a colleague."""
    pk = getattr(actor, "pk", None)
    if actor is PLATFORM or pk is None:
        return
    if Account.objects.filter(pk=account_id, learner__user_id=pk).exists():
        raise PermissionDenied(
            _("No one may decide on their own learning; a colleague will decide."),
            code=CreditBankErrorCode.OWN_LEARNING,
        )


def _locked_record(actor: Any, public_id: Any, action: str) -> LearningRecord:
    # The platform revokes a record whose source its provider withdrew (a voided statement).
    records = (
        LearningRecord.objects.all()
        if actor is PLATFORM
        else LearningRecord.objects.restrict(actor, action)
    )
    record = (
        records.select_for_update().select_related("provider").filter(public_id=public_id).first()
    )
    if record is None:
        raise NotFound(_("No such record."))
    refuse_own_learning(actor, record.account_id)
    return record


def _lock_account(account_id: int) -> Account:
    return Account.objects.select_for_update().get(pk=account_id)


def _require(record: LearningRecord, *statuses: str) -> None:
    if record.status not in statuses:
        raise Conflict(
            _("This record is %(status)s; that cannot be done now.")
            % {"status": record.get_status_display()},
            code=CreditBankErrorCode.WRONG_STATUS,
        )


def verify_locked(
    record: LearningRecord, *, actor: Any, version: StandardVersion | None, reason: str
) -> Decision:
    record.account = _lock_account(record.account_id)
    decision = recognise(record, actor=actor, version=version)
    record.status = RecordStatus.VERIFIED
    record.decided_by_id = getattr(actor, "pk", None)
    record.decided_at = clock.now()
    record.decision_reason = reason[:500]
    record.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "credits",
            "recognition_note",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="creditbank.record_verify",
        subject=_record_subject(record),
        reason=reason,
        data={"credits": str(decision.credits), "note": record.recognition_note},
    )
    if decision.credits > 0:
        # The learner's verifiable credential, signed by a worker once this commits.
        record_id = record.pk
        transaction.on_commit(lambda: _tasks().issue_record_credential.enqueue(record_id))
    return decision


def _tasks() -> Any:
    from learningcity.creditbank import tasks  # the tasks import these services

    return tasks


@transaction.atomic
def record_verify(
    *, actor: Any, public_id: Any, standard_code: str = "", reason: str = ""
) -> LearningRecord:
    """An assessor verifies a record; the standard that applies (or the one named) grants its
    credits within the caps."""
    record = _locked_record(actor, public_id, Action.ASSESS)
    if record.status == RecordStatus.VERIFIED:
        return record  # a retry of the same decision
    _require(record, RecordStatus.SUBMITTED)
    version = None
    if standard_code:
        version = (
            StandardVersion.objects.filter(
                standard__code=standard_code, effective_from__lte=record.completed_on
            )
            .select_related("standard")
            .order_by("-version")
            .first()
        )
        if version is None:
            message = _("No version of this standard applies to learning on that date.")
            raise ValidationFailed(
                message, code=CreditBankErrorCode.NO_STANDARD, fields={"standard": [message]}
            )
    verify_locked(record, actor=actor, version=version, reason=reason)
    return record


@transaction.atomic
def record_reject(*, actor: Any, public_id: Any, reason: str) -> LearningRecord:
    if not reason.strip():
        message = _("Say why the record is rejected; the provider and learner will read it.")
        raise ValidationFailed(message, fields={"reason": [message]})
    record = _locked_record(actor, public_id, Action.ASSESS)
    if record.status == RecordStatus.REJECTED:
        return record
    _require(record, RecordStatus.SUBMITTED)
    record.status = RecordStatus.REJECTED
    record.decided_by_id = getattr(actor, "pk", None)
    record.decided_at = clock.now()
    record.decision_reason = reason[:500]
    record.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="creditbank.record_reject",
        subject=_record_subject(record),
        reason=reason,
    )
    return record


@transaction.atomic
def record_revoke(*, actor: Any, public_id: Any, reason: str) -> LearningRecord:
    """Revoke a verified record: reversing postings take its credits back, and its status
    becomes revoked. The record itself stays, as history."""
    if not reason.strip():
        message = _("Say why the record is revoked.")
        raise ValidationFailed(message, fields={"reason": [message]})
    record = _locked_record(actor, public_id, Action.ASSESS)
    if record.status == RecordStatus.REVOKED:
        return record
    _require(record, RecordStatus.VERIFIED)
    _lock_account(record.account_id)
    taken = reverse_record(record, actor=actor, reason=reason)
    record.status = RecordStatus.REVOKED
    record.decided_by_id = getattr(actor, "pk", None)
    record.decided_at = clock.now()
    record.decision_reason = reason[:500]
    record.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="creditbank.record_revoke",
        subject=_record_subject(record),
        reason=reason,
        data={"credits": str(taken)},
    )
    # Its credential is revoked with it: every verifier sees it in the issuer's status list.
    record_credential_revoke(actor=PLATFORM, record=record, reason=reason)
    return record


@transaction.atomic
def record_from_completion(
    *,
    source: str,
    learner_id: int,
    provider_code: str,
    category: str,
    title: str,
    course_code: str,
    completed: bool,
    attendance_rate: Decimal,
    hours: Decimal,
    completed_on: dt.date,
    channel: str = RecordChannel.ENROLLMENT,
) -> LearningRecord:
    """A class completion from enrollment (or an attended event, channel EVENT): the platform
    saw it, so the record is verified and recognised at once. Idempotent on the source key."""
    provider = Organization.objects.get(code=provider_code)
    existing = LearningRecord.objects.filter(provider=provider, external_id=source).first()
    if existing is not None:
        return existing
    account = _lock_account(_open_account(account_for(learner_id)).pk)
    record = LearningRecord.objects.create(
        account=account,
        provider=provider,
        category=category,
        title=title[:200],
        course_code=course_code,
        passed=completed,
        hours=hours,
        attendance_rate=attendance_rate,
        completed_on=completed_on,
        channel=channel,
        external_id=source,
        source=source,
    )
    # Not completing is learning history too; the standard's rules then grant nothing.
    verify_locked(record, actor=None, version=None, reason="class completed" if completed else "")
    return record
