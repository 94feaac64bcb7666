"""Claims that do not fit, found when a class is settled. Each flag holds the settlement's
payment until a finance officer reviews it (settlements.flag_review).

The rules, in the order they were learned elsewhere: whole classes with near-perfect
attendance (SkillsFuture's fraud was built on attendance nobody checked), a learner billed in
two classes that meet at the same time, and a provider billing more places than the class has
seats or more than the contract bought."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from learningcity.catalog.models import Class
from learningcity.core.services import audit_record
from learningcity.funding.choices import FlagKind, TransactionKind
from learningcity.funding.models import Delivery, FraudFlag, JournalTransaction, Settlement

# A class this big whose every learner attended (nearly) every session is worth a look.
OUTLIER_MIN_LEARNERS = 8
OUTLIER_MEAN_ATTENDANCE = Decimal("98")


def _span(klass: Class) -> tuple[dt.date, dt.date]:
    return klass.first_session_on, klass.first_session_on + dt.timedelta(weeks=klass.sessions - 1)


def classes_overlap(a: Class, b: Class) -> bool:
    """Two classes meet at the same time: the same weekday, overlapping hours, and
    overlapping weeks."""
    if a.pk == b.pk or a.weekday != b.weekday:
        return False
    if not (a.starts_at < b.ends_at and b.starts_at < a.ends_at):
        return False
    (a_first, a_last), (b_first, b_last) = _span(a), _span(b)
    return a_first <= b_last and b_first <= a_last


def _overlapping_learners(settlement: Settlement, learner_ids: list[int]) -> dict[int, list[str]]:
    """Learners of this settlement who are also funded in a class meeting at the same time."""
    klass = settlement.klass
    funded = (
        JournalTransaction.objects.filter(
            learner_id__in=learner_ids,
            kind__in=[TransactionKind.SUBSIDY, TransactionKind.SPEND, TransactionKind.DELIVERY],
            reversed_by__isnull=True,
            klass__weekday=klass.weekday,
        )
        .exclude(klass_id=klass.pk)
        .values_list("learner_id", "klass_id")
        .distinct()
    )
    pairs = list(funded)
    others = Class.objects.in_bulk({class_id for _learner, class_id in pairs})
    found: dict[int, list[str]] = {}
    for learner_id, class_id in pairs:
        other = others.get(class_id)
        if other is not None and classes_overlap(klass, other):
            found.setdefault(learner_id, []).append(str(other.public_id))
    return found


def flags_raise(
    *, settlement: Settlement, deliveries: Sequence[Delivery], over_contract: bool
) -> list[FraudFlag]:
    """Flag what does not fit in a settlement; each flag is in the audit log."""
    klass = settlement.klass
    billed = [d for d in deliveries if d.amount > 0]
    learners = sorted({d.learner_id for d in billed})
    raised: list[tuple[str, dict[str, object]]] = []
    if len(learners) > klass.capacity or over_contract:
        raised.append(
            (
                FlagKind.ABOVE_CAPACITY,
                {
                    "learners_billed": len(learners),
                    "capacity": klass.capacity,
                    "over_contract": over_contract,
                },
            )
        )
    if len(billed) >= OUTLIER_MIN_LEARNERS:
        mean = sum((d.attendance_rate for d in billed), Decimal(0)) / len(billed)
        if mean >= OUTLIER_MEAN_ATTENDANCE:
            raised.append(
                (
                    FlagKind.ATTENDANCE_OUTLIER,
                    {
                        "mean_attendance": str(mean.quantize(Decimal("0.01"))),
                        "learners": len(billed),
                    },
                )
            )
    overlapping = _overlapping_learners(settlement, learners)
    if overlapping:
        raised.append(
            (
                FlagKind.OVERLAPPING_CLASSES,
                {
                    "learners": len(overlapping),
                    "classes": sorted({c for v in overlapping.values() for c in v}),
                },
            )
        )
    flags = []
    for kind, detail in raised:
        flag = FraudFlag.objects.create(settlement=settlement, kind=kind, detail=detail)
        audit_record(
            actor=None,
            action="funding.flag_raise",
            subject=f"settlement:{settlement.public_id}",
            reason=str(kind),
            data=detail,
        )
        flags.append(flag)
    return flags
