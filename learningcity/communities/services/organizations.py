"""Learning organizations: published criteria, applications, scores, published results."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from learningcity.communities.choices import OrganizationType, RecognitionStatus
from learningcity.communities.errors import CommunitiesErrorCode as Code
from learningcity.communities.models import (
    CriterionScore,
    RecognitionApplication,
    RecognitionCriterion,
)
from learningcity.communities.services.common import invalid, once, raise_if
from learningcity.core import clock
from learningcity.core.errors import Conflict, NotFound, PermissionDenied
from learningcity.core.services import audit_record
from learningcity.network.choices import Action, AreaLevel
from learningcity.network.models import Area, actor_scope

# A weighted score (out of 100) from which an organization is recognised.
PASS_MARK = Decimal("60")


def application_subject(application: RecognitionApplication) -> str:
    return f"communities.recognition:{application.public_id}"


@transaction.atomic
def criterion_create(
    *,
    actor: Any,
    year: int,
    organization_type: str,
    code: str,
    name_zh: str,
    max_score: int,
    weight: int,
    name_en: str = "",
    description_zh: str = "",
    description_en: str = "",
) -> RecognitionCriterion:
    """The municipal administration publishes a criterion; applicants read it first."""
    if not actor_scope(actor, Action.CHANGE).everything:
        raise PermissionDenied(_("Only the municipal administration publishes criteria."))
    errors: dict[str, list[str]] = {}
    if organization_type not in OrganizationType.values:
        errors["organization_type"] = [_("Select a valid choice.")]
    if not code.strip() or len(code) > 20:
        errors["code"] = [_("Give a short code of at most 20 characters.")]
    if not name_zh.strip():
        errors["name_zh"] = [_("Give the criterion a name.")]
    if not 1 <= max_score <= 100:
        errors["max_score"] = [_("Enter a number from 1 to 100.")]
    if not 1 <= weight <= 100:
        errors["weight"] = [_("Enter a number from 1 to 100.")]
    raise_if(errors)
    try:
        with transaction.atomic():
            criterion = RecognitionCriterion.objects.create(
                year=year,
                organization_type=organization_type,
                code=code.strip(),
                name_zh=name_zh.strip(),
                name_en=name_en.strip(),
                description_zh=description_zh.strip()[:500],
                description_en=description_en.strip()[:500],
                max_score=max_score,
                weight=weight,
            )
    except IntegrityError:
        raise Conflict(_("A criterion with this code exists.")) from None
    audit_record(
        actor=actor,
        action="communities.criterion_create",
        subject=f"communities.criterion:{criterion.public_id}",
        data={"year": year, "type": organization_type, "code": criterion.code},
    )
    return criterion


def recognition_apply(
    *,
    actor: Any,
    year: int,
    organization_type: str,
    name_zh: str,
    area: Area | None,
    statement: str,
    name_en: str = "",
    idempotency_key: str | None = None,
) -> RecognitionApplication:
    """An enterprise, family or community applies for the year's recognition against the
    published criteria. A retry with the same key returns the first application."""
    if getattr(actor, "pk", None) is None:
        raise PermissionDenied(_("Log in to apply."))
    errors: dict[str, list[str]] = {}
    if organization_type not in OrganizationType.values:
        errors["organization_type"] = [_("Select a valid choice.")]
    elif not RecognitionCriterion.objects.filter(
        year=year, organization_type=organization_type
    ).exists():
        errors["year"] = [_("No criteria are published for this year and type yet.")]
    if not name_zh.strip() or len(name_zh) > 150:
        errors["name_zh"] = [_("Give the name, at most 150 characters.")]
    if area is None or area.level not in (AreaLevel.DISTRICT, AreaLevel.TOWN):
        errors["area"] = [_("Choose the district or town.")]
    if not statement.strip():
        errors["statement"] = [_("Describe how the organization learns.")]
    raise_if(errors)
    assert area is not None

    def write() -> RecognitionApplication:
        try:
            with transaction.atomic():
                application = RecognitionApplication.objects.create(
                    year=year,
                    organization_type=organization_type,
                    name_zh=name_zh.strip(),
                    name_en=name_en.strip()[:200],
                    area=area,
                    statement=statement.strip()[:4000],
                    applicant=actor,
                    idempotency_key=idempotency_key,
                )
        except IntegrityError:
            if (
                idempotency_key
                and RecognitionApplication.objects.filter(
                    applicant=actor, idempotency_key=idempotency_key
                ).exists()
            ):
                raise
            raise Conflict(
                _("This organization has already applied this year."), code=Code.WRONG_STATUS
            ) from None
        audit_record(
            actor=actor,
            action="communities.recognition_apply",
            subject=application_subject(application),
        )
        return application

    return once(
        actor=actor,
        action="communities.recognition_apply",
        key=idempotency_key,
        payload={
            "year": year,
            "type": organization_type,
            "name": name_zh,
            "area": area.pk,
            "statement": statement,
        },
        write=write,
        result_of=lambda a: str(a.public_id),
        replay=lambda value: RecognitionApplication.objects.get(public_id=value),
    )


def _application_in_scope(actor: Any, public_id: Any) -> RecognitionApplication:
    application = (
        RecognitionApplication.objects.restrict(actor, Action.CHANGE)
        .select_for_update()
        .filter(public_id=public_id)
        .first()
    )
    if application is None:
        raise NotFound(_("No such application."))
    return application


@transaction.atomic
def criterion_score(
    *, actor: Any, public_id: Any, criterion_code: str, score: int, comment: str = ""
) -> CriterionScore:
    """A reviewer scores one criterion; scoring it again replaces the reviewer's score.
    Every score and every change of it is in the audit log."""
    application = _application_in_scope(actor, public_id)
    if application.applicant_id == actor.pk:
        raise PermissionDenied(_("You cannot review your own application."))
    if application.status != RecognitionStatus.SUBMITTED:
        raise Conflict(_("The results are already published."), code=Code.WRONG_STATUS)
    criterion = RecognitionCriterion.objects.filter(
        year=application.year,
        organization_type=application.organization_type,
        code=criterion_code,
    ).first()
    if criterion is None:
        raise invalid("criterion", _("No such criterion for this application."))
    if not 0 <= score <= criterion.max_score:
        raise invalid("score", _("Enter a score from 0 to %(max)d.") % {"max": criterion.max_score})
    existing = CriterionScore.objects.filter(
        application=application, criterion=criterion, reviewer=actor
    ).first()
    before = existing.score if existing else None
    row, _created = CriterionScore.objects.update_or_create(
        application=application,
        criterion=criterion,
        reviewer=actor,
        defaults={"score": score, "comment": comment.strip()[:500]},
    )
    if before != score or _created:
        audit_record(
            actor=actor,
            action="communities.criterion_score",
            subject=application_subject(application),
            reason=comment.strip()[:500],
            data={"criterion": criterion.code, "score": score, "before": before},
        )
    return row


def weighted_total(application: RecognitionApplication) -> Decimal | None:
    """Out of 100: each criterion's mean score over its maximum, weighted; None while a
    criterion has no score."""
    criteria = list(
        RecognitionCriterion.objects.filter(
            year=application.year, organization_type=application.organization_type
        )
    )
    scores: dict[int, list[int]] = defaultdict(list)
    for criterion_id, score in CriterionScore.objects.filter(application=application).values_list(
        "criterion_id", "score"
    ):
        scores[criterion_id].append(score)
    if not criteria or any(not scores[c.pk] for c in criteria):
        return None
    weights = sum(c.weight for c in criteria)
    total = sum(
        Decimal(sum(scores[c.pk])) / len(scores[c.pk]) / c.max_score * c.weight for c in criteria
    )
    return (Decimal(100) * total / weights).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def recognition_publish(*, actor: Any, public_id: Any, reason: str = "") -> RecognitionApplication:
    """Publish the result: recognised at PASS_MARK or above. Publishing twice answers with
    the published result."""
    application = _application_in_scope(actor, public_id)
    if application.status != RecognitionStatus.SUBMITTED:
        return application
    total = weighted_total(application)
    if total is None:
        raise Conflict(
            _("Every criterion needs at least one score before the result is published."),
            code=Code.NOT_SCORED,
        )
    application.total_score = total
    application.status = (
        RecognitionStatus.RECOGNISED if total >= PASS_MARK else RecognitionStatus.NOT_RECOGNISED
    )
    application.decided_by = actor
    application.decided_at = clock.now()
    application.decision_reason = reason.strip()[:500]
    application.save(
        update_fields=[
            "total_score",
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="communities.recognition_publish",
        subject=application_subject(application),
        reason=application.decision_reason,
        data={"total": str(total), "status": application.status},
    )
    return application
