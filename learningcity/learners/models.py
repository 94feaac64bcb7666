from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from learningcity.core.models import TimeStampedModel
from learningcity.learners.choices import (
    CorrectionStatus,
    Gender,
    Household,
    MembershipStatus,
    TargetGroup,
)
from learningcity.network.models import actor_scope, scope_q


class LearnerQuerySet(models.QuerySet["Learner"]):
    def restrict(self, actor: Any, action: str) -> LearnerQuerySet:
        """Residents are seen by the governance bodies of the area they live in."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(scope, area_lookup="residence_area__path", organization_lookup=None)
        )


class Learner(TimeStampedModel):
    """A resident who learns. The national ID number is held only encrypted and as a blind index."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    residence_area = models.ForeignKey(
        "network.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("residence area"),
    )
    household = models.CharField(
        _("household registration"), max_length=12, choices=Household.choices
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    accessibility_needs = models.JSONField(_("accessibility needs"), default=list, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="learner",
        verbose_name=_("login"),
    )
    id_number_encrypted = models.BinaryField(null=True, editable=False)
    # HMAC-SHA256 of the normalized number: finds a resident and refuses duplicates without
    # ever storing or comparing the plaintext.
    id_number_index = models.CharField(max_length=64, null=True, editable=False)  # noqa: DJ001 - NULL = no number; the unique constraint skips NULLs
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LearnerQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("learner")
        verbose_name_plural = _("learners")
        indexes = [models.Index(fields=["residence_area", "birth_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=Q(id_number_index__isnull=False),
                name="learner_one_per_id_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TargetGroupMembership(TimeStampedModel):
    """A learner's verified belonging to a target group (for subsidies), with its evidence.

    "The aged" is not stored: it follows from the birth date and settings.AGED_MIN_AGE.
    """

    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("learner")
    )
    group = models.CharField(_("target group"), max_length=16, choices=TargetGroup.choices)
    evidence = models.CharField(
        _("evidence"),
        max_length=200,
        blank=True,
        help_text=_("Certificate type and number, e.g. disability certificate."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=MembershipStatus.choices,
        default=MembershipStatus.PENDING,
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["learner_id", "group", "valid_from"]
        verbose_name = _("target group membership")
        verbose_name_plural = _("target group memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="membership_valid_range",
            ),
            models.CheckConstraint(
                condition=~Q(group=TargetGroup.AGED), name="membership_aged_is_derived"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.get_group_display()}"


class CorrectionRequest(TimeStampedModel):
    """A resident's request to correct what the platform holds about them; the town office
    of their residence answers it, and every answer is audited."""

    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="correction_requests"
    )
    details = models.TextField(_("what is wrong, and what is right"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=12, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN
    )
    answer = models.TextField(_("answer"), blank=True, max_length=2000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")

    def __str__(self) -> str:
        return f"{self.learner_id}: {self.status}"
