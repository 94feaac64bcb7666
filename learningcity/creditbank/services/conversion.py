"""Conversion toward a program: a learner applies with what the degree audit says could be
converted; an assessor of the awarding institution approves or rejects with a reason."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.errors import Conflict, NotFound, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.creditbank.choices import ConversionStatus, Convertibility, RecordStatus
from learningcity.creditbank.errors import CreditBankErrorCode
from learningcity.creditbank.models import (
    Account,
    ConversionApplication,
    ConversionItem,
    Equivalence,
    LearningRecord,
    Program,
    ProgramCourse,
    credits_of,
)
from learningcity.creditbank.selectors import convertibility, degree_audit
from learningcity.creditbank.services.records import refuse_own_learning
from learningcity.network.choices import Action
from learningcity.network.models import Organization


@transaction.atomic
def conversion_apply(
    *, actor: Any, account: Account, program_code: str, course_codes: Sequence[str] = ()
) -> ConversionApplication:
    """Apply to convert what the audit lists as convertible (all of it, or the named
    courses). While one application for a program waits, applying again returns it."""
    Account.objects.select_for_update().filter(pk=account.pk).first()
    program = Program.objects.filter(code=program_code, is_active=True).first()
    if program is None:
        raise NotFound(_("No such program."))
    waiting = ConversionApplication.objects.filter(
        account=account, program=program, status=ConversionStatus.SUBMITTED
    ).first()
    if waiting is not None:
        return waiting
    audit = degree_audit(account, program)
    wanted = set(course_codes)
    lines = [
        line
        for line in audit.courses
        if line.candidate_record_id and (not wanted or line.code in wanted)
    ]
    if not lines:
        message = _("Nothing in your credit bank can be converted toward this program yet.")
        raise ValidationFailed(
            message, code=CreditBankErrorCode.NOT_CONVERTIBLE, fields={"courses": [message]}
        )
    courses = {c.code: c for c in ProgramCourse.objects.filter(program=program)}
    records = {
        str(r.public_id): r
        for r in LearningRecord.objects.filter(
            public_id__in=[line.candidate_record_id for line in lines]
        )
    }
    equivalences = {e.certificate_code: e for e in Equivalence.objects.filter(program=program)}
    application = ConversionApplication.objects.create(
        account=account, program=program, submitted_by_id=getattr(actor, "pk", None)
    )
    ConversionItem.objects.bulk_create(
        [
            ConversionItem(
                application=application,
                account=account,
                record=records[line.candidate_record_id],
                program_course=courses[line.code],
                equivalence=equivalences.get(line.candidate_via.partition(":")[2]),
                credits=line.credits,
            )
            for line in lines
        ]
    )
    audit_record(
        actor=actor,
        action="creditbank.conversion_apply",
        subject=f"creditbank.conversion:{application.public_id}",
        data={"program": program.code, "courses": [line.code for line in lines]},
    )
    return application


def access_conversion(*, viewer: Any, public_id: Any) -> ConversionApplication:
    orgs = Organization.objects.restrict(viewer, Action.ASSESS)
    application = (
        ConversionApplication.objects.select_for_update()
        .filter(public_id=public_id, program__institution__in=orgs)
        .select_related("program")
        .first()
    )
    if application is None:
        raise NotFound(_("No such application."))
    refuse_own_learning(viewer, application.account_id)
    return application


def _tasks() -> Any:
    from learningcity.creditbank import tasks  # the tasks import these services

    return tasks


@transaction.atomic
def conversion_decide(
    *, actor: Any, public_id: Any, approve: bool, reason: str
) -> ConversionApplication:
    """Approve (the courses are met by conversion from now on) or reject, with a reason.
    Approval re-checks the hard rules: the records are still verified, their category may
    still convert, and the program's converted share is not exceeded."""
    if not reason.strip():
        message = _("Give the reason for the decision; the learner will read it.")
        raise ValidationFailed(message, fields={"reason": [message]})
    application = access_conversion(viewer=actor, public_id=public_id)
    if application.status != ConversionStatus.SUBMITTED:
        wanted = ConversionStatus.APPROVED if approve else ConversionStatus.REJECTED
        if application.status == wanted:
            return application
        raise Conflict(
            _("This application was already decided."), code=CreditBankErrorCode.WRONG_STATUS
        )
    Account.objects.select_for_update().filter(pk=application.account_id).first()
    items = list(application.items.select_related("record"))
    if approve:
        policy = convertibility()
        for item in items:
            rule = policy[item.record.category]
            allowed = rule == Convertibility.DIRECT or (
                rule == Convertibility.VIA_EQUIVALENCE and item.equivalence_id is not None
            )
            if item.record.status != RecordStatus.VERIFIED or not allowed:
                message = _("“%(title)s” can no longer be converted.") % {
                    "title": item.record.title
                }
                raise ValidationFailed(message, code=CreditBankErrorCode.NOT_CONVERTIBLE)
        program = application.program
        already = credits_of(
            ConversionItem.objects.filter(
                account_id=application.account_id, program_course__program=program, approved=True
            ).aggregate(t=Sum("credits"))["t"]
        )
        adding = sum((item.credits for item in items), Decimal(0))
        limit = program.total_credits * program.max_converted_share / 100
        if already + adding > limit:
            message = _(
                "Approving would convert %(total)s credits; this program accepts at most "
                "%(limit)s converted credits."
            ) % {"total": already + adding, "limit": limit.quantize(Decimal("0.1"))}
            raise ValidationFailed(message, code=CreditBankErrorCode.NOT_CONVERTIBLE)
        try:
            with transaction.atomic():
                ConversionItem.objects.filter(application=application).update(approved=True)
        except IntegrityError:
            raise Conflict(
                _("One of these courses was already met by an earlier conversion."),
                code=CreditBankErrorCode.ALREADY_CONVERTED,
            ) from None
    application.status = ConversionStatus.APPROVED if approve else ConversionStatus.REJECTED
    application.decided_by_id = actor.pk
    application.decided_at = clock.now()
    application.decision_reason = reason.strip()[:500]
    application.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="creditbank.conversion_approve" if approve else "creditbank.conversion_reject",
        subject=f"creditbank.conversion:{application.public_id}",
        reason=reason,
        data={"credits": str(sum((i.credits for i in items), Decimal(0)))},
    )
    if approve:
        application_id = application.pk
        transaction.on_commit(lambda: _tasks().issue_conversion_credential.enqueue(application_id))
    return application
