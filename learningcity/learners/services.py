"""Every change to residents' records. ID numbers are encrypted here and nowhere else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from learningcity.core import clock, crypto, idnumber
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.services import (
    audit_record,
    idempotency_lookup,
    idempotency_record,
    request_fingerprint,
)
from learningcity.learners.choices import (
    AccessibilityNeed,
    CorrectionStatus,
    Gender,
    Household,
    MembershipStatus,
    TargetGroup,
)
from learningcity.learners.data import LearnerRow
from learningcity.learners.errors import LearnerErrorCode
from learningcity.learners.models import CorrectionRequest, Learner, TargetGroupMembership
from learningcity.network.choices import Action
from learningcity.network.models import Area, actor_scope

ID_CONTEXT = "learner.id_number"

_ID_MESSAGES = {
    "length": gettext_noop("An ID number has 18 characters."),
    "characters": gettext_noop("An ID number has 17 digits followed by a digit or X."),
    "birth_date": gettext_noop("The date of birth inside this ID number is not a real date."),
    "checksum": gettext_noop("This ID number's check digit is wrong; please check each digit."),
}


def id_number_error_message(reason: str) -> str:
    return _(_ID_MESSAGES[reason])


def parse_id_number(raw: str) -> idnumber.IdNumber:
    try:
        return idnumber.parse(raw)
    except idnumber.IdNumberError as exc:
        message = id_number_error_message(exc.reason)
        raise ValidationFailed(
            message, code=LearnerErrorCode.ID_NUMBER_INVALID, fields={"id_number": [message]}
        ) from None


def id_number_index(value: str) -> str:
    return crypto.blind_index(idnumber.normalize(value), context=ID_CONTEXT)


EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


def _validate_profile(
    *,
    name: str,
    birth_date: dt.date,
    gender: str,
    household: str,
    preferred_language: str,
    accessibility_needs: Sequence[str],
) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    if not name.strip():
        fields["name"] = [_("Enter the learner's name.")]
    if birth_date > clock.today():
        fields["birth_date"] = [_("The date of birth cannot be in the future.")]
    elif birth_date < EARLIEST_BIRTH_DATE:
        fields["birth_date"] = [_("The date of birth cannot be before 1900.")]
    if gender not in Gender.values:
        fields["gender"] = [_("Select a valid choice.")]
    if household not in Household.values:
        fields["household"] = [_("Select a valid choice.")]
    if preferred_language not in ("zh-hans", "en"):
        fields["preferred_language"] = [_("Select a valid choice.")]
    if any(need not in AccessibilityNeed.values for need in accessibility_needs):
        fields["accessibility_needs"] = [_("Select valid choices.")]
    return fields


def _residence_area(actor: Any, area_code: str) -> Area:
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        message = _("No area has this code.")
        raise ValidationFailed(
            message, code=LearnerErrorCode.AREA_INVALID, fields={"residence_area": [message]}
        )
    scope = actor_scope(actor, Action.CHANGE)
    if not scope.everything and not any(area.path.startswith(p) for p in scope.area_paths):
        message = _("You may register only residents of your own area.")
        raise PermissionDenied(message, fields={"residence_area": [message]})
    return area


@transaction.atomic
def learner_register(
    *,
    actor: Any,
    name: str,
    birth_date: dt.date,
    gender: str,
    residence_area_code: str,
    household: str,
    id_number: str | None = None,
    phone: str = "",
    preferred_language: str = "zh-hans",
    accessibility_needs: Sequence[str] = (),
    user: Any = None,
    idempotency_key: str | None = None,
) -> Learner:
    """Register a resident. A retry with the same idempotency key returns the first learner;
    the same ID number under another key is refused (409), never a second record."""
    fingerprint = ""
    if idempotency_key:
        fingerprint = request_fingerprint(
            {
                "name": name,
                "birth_date": birth_date,
                "gender": gender,
                "household": household,
                "area": residence_area_code,
                "id": id_number_index(id_number) if id_number else "",
                "phone": phone,
                "language": preferred_language,
                "needs": list(accessibility_needs),
            }
        )
        first = idempotency_lookup(
            actor=actor, action="learner.register", key=idempotency_key, fingerprint=fingerprint
        )
        if first is not None:
            return Learner.objects.select_related("residence_area").get(public_id=first)
    fields = _validate_profile(
        name=name,
        birth_date=birth_date,
        gender=gender,
        household=household,
        preferred_language=preferred_language,
        accessibility_needs=accessibility_needs,
    )
    parsed = None
    if id_number:
        try:
            parsed = idnumber.parse(id_number)
        except idnumber.IdNumberError as exc:
            fields["id_number"] = [id_number_error_message(exc.reason)]
    if parsed is not None and parsed.birth_date != birth_date:
        fields.setdefault("birth_date", []).append(
            _("The date of birth does not match the one in the ID number.")
        )
    if fields:
        raise ValidationFailed(_("Please correct the fields below."), fields=fields)
    area = _residence_area(actor, residence_area_code)
    learner = Learner(
        name=name.strip(),
        birth_date=birth_date,
        gender=gender,
        residence_area=area,
        household=household,
        phone=phone,
        preferred_language=preferred_language,
        accessibility_needs=list(accessibility_needs),
        user=user,
        created_by_id=getattr(actor, "pk", None),
    )
    if parsed is not None:
        _set_id_number(learner, parsed)
    try:
        with transaction.atomic():
            learner.save()
    except IntegrityError:
        message = _("A learner with this ID number is already registered.")
        raise Conflict(
            message, code=LearnerErrorCode.ID_NUMBER_TAKEN, fields={"id_number": [message]}
        ) from None
    if idempotency_key:
        idempotency_record(
            actor=actor,
            action="learner.register",
            key=idempotency_key,
            fingerprint=fingerprint,
            result=str(learner.public_id),
        )
    audit_record(
        actor=actor,
        action="learner.register",
        subject=f"learner:{learner.public_id}",
        data={"area": area.code, "with_id_number": parsed is not None},
    )
    return learner


def _set_id_number(learner: Learner, parsed: idnumber.IdNumber) -> None:
    learner.id_number_encrypted = crypto.encrypt(parsed.value, context=ID_CONTEXT)
    learner.id_number_index = crypto.blind_index(parsed.value, context=ID_CONTEXT)
    learner.id_number_masked = parsed.masked


LEARNER_EDITABLE = frozenset(
    {
        "name",
        "phone",
        "preferred_language",
        "accessibility_needs",
        "household",
    }
)


@transaction.atomic
def learner_update(*, actor: Any, public_id: Any, changes: dict[str, Any]) -> Learner:
    unknown = set(changes) - LEARNER_EDITABLE
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed."),
            fields={n: [_("This field cannot be changed.")] for n in sorted(unknown)},
        )
    learner = (
        Learner.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(public_id=public_id)
        .first()
    )
    if learner is None:
        raise NotFound(_("No such learner."), code=LearnerErrorCode.LEARNER_NOT_FOUND)
    merged = {
        "name": changes.get("name", learner.name),
        "birth_date": learner.birth_date,
        "gender": learner.gender,
        "household": changes.get("household", learner.household),
        "preferred_language": changes.get("preferred_language", learner.preferred_language),
        "accessibility_needs": changes.get("accessibility_needs", learner.accessibility_needs),
    }
    fields = _validate_profile(**merged)
    if fields:
        raise ValidationFailed(_("Please correct the fields below."), fields=fields)
    changed = {k: v for k, v in changes.items() if getattr(learner, k) != v}
    for field, value in changed.items():
        setattr(learner, field, value)
    if changed:
        learner.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="learner.update",
            subject=f"learner:{learner.public_id}",
            data={"fields": sorted(changed)},
        )
    return learner


@transaction.atomic
def learner_login_link(*, actor: Any, public_id: Any, user: Any) -> Learner:
    """Give a resident registered at the counter an online login: the town office (or anyone
    who may change the resident) links a login that belongs to no one else; audited."""
    learner = (
        Learner.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(public_id=public_id)
        .first()
    )
    if learner is None:
        raise NotFound(_("No such learner."), code=LearnerErrorCode.LEARNER_NOT_FOUND)
    if learner.user_id is not None or Learner.objects.filter(user=user).exists():
        message = _("This resident or this login is already linked.")
        raise Conflict(message, fields={"user": [message]})
    learner.user = user
    learner.save(update_fields=["user", "updated_at"])
    audit_record(
        actor=actor,
        action="learner.login_link",
        subject=f"learner:{learner.public_id}",
        data={"user": user.pk},
    )
    return learner


REVEAL_ACTION = "learner.id_number.reveal"


def learner_id_number_reveal(*, actor: Any, learner: Learner, reason: str) -> str:
    """The plaintext ID number, for an authorised officer with a stated reason; audited."""
    if not Learner.objects.restrict(actor, Action.CHANGE).filter(pk=learner.pk).exists():
        raise NotFound(_("No such learner."), code=LearnerErrorCode.LEARNER_NOT_FOUND)
    if not reason.strip():
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("Give a reason.")]})
    if learner.id_number_encrypted is None:
        raise NotFound(_("This learner has no ID number on record."))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=REVEAL_ACTION,
            subject=f"learner:{learner.public_id}",
            reason=reason.strip(),
        )
    return crypto.decrypt(learner.id_number_encrypted, context=ID_CONTEXT)


@transaction.atomic
def learners_bulk_register(
    *, actor: Any, rows: Iterable[LearnerRow], batch_size: int = 2000
) -> int:
    """Register many residents at once (the demo city, a town office's import). Rows must be
    valid; rows whose ID number is already registered are skipped. Returns rows written."""
    scope = actor_scope(actor, Action.CHANGE)
    if not scope.everything:
        raise PermissionDenied(_("Only a municipal administrator may import residents in bulk."))
    written = 0
    batch: list[Learner] = []
    actor_id = getattr(actor, "pk", None)
    for row in rows:
        parsed = idnumber.parse(row.id_number)
        learner = Learner(
            name=row.name,
            birth_date=row.birth_date,
            gender=row.gender,
            residence_area_id=row.residence_area_id,
            household=row.household,
            phone=row.phone,
            preferred_language=row.preferred_language,
            created_by_id=actor_id,
        )
        _set_id_number(learner, parsed)
        batch.append(learner)
        if len(batch) >= batch_size:
            written += _bulk_insert(batch)
            batch = []
    if batch:
        written += _bulk_insert(batch)
    audit_record(
        actor=actor, action="learner.bulk_register", subject="learners", data={"count": written}
    )
    return written


def _bulk_insert(batch: list[Learner]) -> int:
    existing = set(
        Learner.objects.filter(id_number_index__in=[b.id_number_index for b in batch]).values_list(
            "id_number_index", flat=True
        )
    )
    fresh = {b.id_number_index: b for b in batch if b.id_number_index not in existing}
    Learner.objects.bulk_create(list(fresh.values()), batch_size=len(batch))
    return len(fresh)


@transaction.atomic
def membership_add(
    *,
    actor: Any,
    learner: Learner,
    group: str,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
    evidence: str = "",
) -> TargetGroupMembership:
    """Record a claim to a target group; it counts once a town officer verifies it."""
    fields: dict[str, list[str]] = {}
    if group == TargetGroup.AGED:
        fields["group"] = [_("Belonging to the aged follows from the date of birth.")]
    elif group not in TargetGroup.values:
        fields["group"] = [_("Select a valid choice.")]
    if valid_until is not None and valid_until < valid_from:
        fields["valid_until"] = [_("The end date cannot be before the start date.")]
    if fields:
        raise ValidationFailed(
            _("Please correct the fields below."),
            fields=fields,
            code=LearnerErrorCode.MEMBERSHIP_INVALID,
        )
    if not Learner.objects.restrict(actor, Action.CHANGE).filter(pk=learner.pk).exists():
        raise NotFound(_("No such learner."), code=LearnerErrorCode.LEARNER_NOT_FOUND)
    membership = TargetGroupMembership.objects.create(
        learner=learner,
        group=group,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence=evidence,
    )
    audit_record(
        actor=actor,
        action="membership.add",
        subject=f"learner:{learner.public_id}",
        data={"group": group},
    )
    return membership


@transaction.atomic
def membership_verify(
    *, actor: Any, membership_id: int, approve: bool, reason: str = ""
) -> TargetGroupMembership:
    """A town officer checks the evidence and verifies or rejects the claim."""
    membership = (
        TargetGroupMembership.objects.select_for_update()
        .filter(pk=membership_id, learner__in=Learner.objects.restrict(actor, Action.CHANGE))
        .first()
    )
    if membership is None:
        raise NotFound(_("No such membership."))
    if membership.status != MembershipStatus.PENDING:
        raise Conflict(_("This claim has already been decided."))
    membership.status = MembershipStatus.VERIFIED if approve else MembershipStatus.REJECTED
    membership.verified_by_id = actor.pk
    membership.verified_at = clock.now()
    membership.save(update_fields=["status", "verified_by", "verified_at", "updated_at"])
    audit_record(
        actor=actor,
        action="membership.verify" if approve else "membership.reject",
        subject=f"learner:{membership.learner.public_id}",
        reason=reason,
        data={"group": membership.group},
    )
    return membership


CORRECTION_MAX = 2000


def correction_request(*, actor: Any, learner: Learner, details: str) -> CorrectionRequest:
    """A resident asks for something about them to be corrected (only for themselves)."""
    if getattr(actor, "pk", None) is None or learner.user_id != actor.pk:
        raise NotFound(_("No such learner."), code=LearnerErrorCode.LEARNER_NOT_FOUND)
    details = details.strip()
    if not details or len(details) > CORRECTION_MAX:
        message = _("Say what is wrong and what is right, in at most 2,000 characters.")
        raise ValidationFailed(message, fields={"details": [message]})
    with transaction.atomic():
        request = CorrectionRequest.objects.create(learner=learner, details=details)
        audit_record(
            actor=actor,
            action="learner.correction.request",
            subject=f"learner:{learner.public_id}",
            data={"request": str(request.public_id)},
        )
    return request


@transaction.atomic
def correction_answer(*, actor: Any, public_id: Any, status: str, answer: str) -> CorrectionRequest:
    """Staff of the resident's area answer a request: corrected (they changed the record
    through its own service) or declined with the reason. Answered once; audited."""
    request = (
        CorrectionRequest.objects.select_for_update()
        .filter(
            public_id=public_id,
            learner__in=Learner.objects.restrict(actor, Action.CHANGE).values("pk"),
        )
        .select_related("learner")
        .first()
    )
    if request is None:
        raise NotFound(_("No such request."))
    if status not in (CorrectionStatus.CORRECTED, CorrectionStatus.DECLINED):
        message = _("Choose corrected or declined.")
        raise ValidationFailed(message, fields={"status": [message]})
    if not answer.strip():
        message = _("Tell the resident what was done, or why not.")
        raise ValidationFailed(message, fields={"answer": [message]})
    if request.status != CorrectionStatus.OPEN:
        raise Conflict(_("This request has already been answered."))
    request.status = status
    request.answer = answer.strip()[:CORRECTION_MAX]
    request.answered_by_id = actor.pk
    request.answered_at = clock.now()
    request.save(update_fields=["status", "answer", "answered_by", "answered_at", "updated_at"])
    audit_record(
        actor=actor,
        action="learner.correction.answer",
        subject=f"learner:{request.learner.public_id}",
        reason=request.answer,
        data={"request": str(request.public_id), "status": status},
    )
    return request
