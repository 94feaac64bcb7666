from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learningcity.core.models import TimeStampedModel, uuid7
from learningcity.enrollment.choices import ApplicationStatus, DrawStatus, Tier
from learningcity.network.models import actor_scope, scope_q

LIVE = [
    ApplicationStatus.APPLIED,
    ApplicationStatus.OFFERED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.ENROLLED,
]


class ApplicationQuerySet(models.QuerySet["Application"]):
    def restrict(self, actor: Any, action: str) -> ApplicationQuerySet:
        """Provider staff see applications to their classes; offices those in their area."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(
                scope,
                area_lookup="learner__residence_area__path",
                organization_lookup="klass__course__provider__path",
            )
        )


class Application(TimeStampedModel):
    """A learner's application for one class: one of their ranked choices in a term."""

    # Time-ordered ids, and no single-column index a composite one below already serves:
    # every index is written by each of a burst's hundreds of thousands of inserts.
    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    learner = models.ForeignKey(
        "learners.Learner",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("learner"),
        db_index=False,  # (learner, term)
    )
    klass = models.ForeignKey(
        "catalog.Class",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("class"),
        db_index=False,  # (klass, status)
    )
    term = models.ForeignKey(
        "catalog.Term",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("term"),
        db_index=False,  # (term, status)
    )
    rank = models.PositiveSmallIntegerField(_("choice"), default=1)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.APPLIED,
    )
    # Decided by the term's lottery (a ranked choice) rather than first come, first served:
    # copied from the class when applying, so the database can hold one choice per rank.
    by_lottery = models.BooleanField(_("by lottery"), default=False)
    # The lottery's priority inputs, as the draw saw them: set in bulk by the draw (they
    # are not needed before it), empty until then and for first-come classes.
    tier = models.PositiveSmallIntegerField(
        _("priority tier"), choices=Tier.choices, null=True, blank=True
    )
    in_target_group = models.BooleanField(_("in a target group"), null=True, blank=True)
    waitlist_position = models.PositiveIntegerField(
        _("waiting list position"), null=True, blank=True
    )
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Who sent it (the learner, or staff applying for them) and the client's idempotency key:
    # the application row is itself the record of the submission, so a burst of 650,000
    # people writes one row per application, not three.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, editable=False)  # noqa: DJ001 - NULL = sent without a key; the unique constraint skips NULLs

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [
            models.Index(fields=["klass", "status"]),
            models.Index(fields=["term", "status"]),
            models.Index(fields=["learner", "term"]),
            # Only offers expire: the applications a burst writes (applied) stay out of it.
            models.Index(
                fields=["offer_expires_at"],
                condition=Q(status=ApplicationStatus.OFFERED),
                name="application_offer_expiry",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "klass"],
                condition=Q(status__in=LIVE),
                name="application_one_live_per_class",
            ),
            models.UniqueConstraint(
                fields=["learner", "term", "rank"],
                condition=Q(status__in=LIVE, by_lottery=True),
                name="application_one_lottery_choice_per_rank",
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="application_rank_positive"),
            models.UniqueConstraint(
                fields=["learner", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="application_once_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} → {self.klass_id} ({self.status})"


class Draw(TimeStampedModel):
    """The lottery of one term: all its lottery classes, drawn together so ranked choices
    and the per-learner cap work across classes.

    The commitment is published when the window opens; the seed only at the draw. Both and
    the inputs digest let anyone recompute the results."""

    term = models.ForeignKey("catalog.Term", on_delete=models.PROTECT, related_name="draws")
    klass = models.ForeignKey(
        "catalog.Class", null=True, blank=True, on_delete=models.PROTECT, related_name="draws"
    )
    algorithm = models.CharField(max_length=40)
    commitment = models.CharField(_("commitment (SHA-256 of the seed)"), max_length=64)
    # The seed stays encrypted until the draw, so no one reading the database can learn it
    # early; at the draw it is revealed in `seed`.
    seed_encrypted = models.BinaryField(editable=False)
    seed = models.CharField(_("seed"), max_length=64, blank=True)
    # Each class's seats as the draw saw them: [[class public id, seats, reserved], ...].
    seats = models.JSONField(default=list, blank=True)
    cap = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=12, choices=DrawStatus.choices, default=DrawStatus.COMMITTED
    )
    inputs_digest = models.CharField(max_length=64, blank=True)
    results_digest = models.CharField(max_length=64, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    drawn_at = models.DateTimeField(null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applications = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("lottery draw")
        verbose_name_plural = _("lottery draws")
        constraints = [
            models.UniqueConstraint(
                fields=["term"], condition=Q(klass__isnull=True), name="draw_one_per_term"
            ),
            models.UniqueConstraint(
                fields=["klass"], condition=Q(klass__isnull=False), name="draw_one_per_class"
            ),
        ]

    def __str__(self) -> str:
        return f"draw {self.public_id} ({self.status})"


class DrawEntry(models.Model):
    """One application as the draw saw it: the published input and its result."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="entries")
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="draw_entries"
    )
    rank = models.PositiveSmallIntegerField()
    tier = models.PositiveSmallIntegerField()
    in_group = models.BooleanField()
    held = models.PositiveSmallIntegerField(default=0)
    offered = models.BooleanField()
    round = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=12)
    waitlist_position = models.PositiveIntegerField(null=True)
    lottery_number = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draw", "application"], name="draw_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}:{self.application_id}"


class Session(models.Model):
    """One meeting of a class, on a date, when attendance is taken."""

    klass = models.ForeignKey("catalog.Class", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField(_("session"))
    on = models.DateField(_("date"))

    class Meta:
        ordering = ["klass", "number"]
        constraints = [
            models.UniqueConstraint(fields=["klass", "number"], name="session_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.klass_id} #{self.number} {self.on}"


class Attendance(models.Model):
    """Whether an enrolled learner was at a session; the last mark taken counts."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="marks")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attendance"
    )
    present = models.BooleanField(_("present"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "application"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.application_id}={self.present}"


class Completion(TimeStampedModel):
    """The end of an enrolment: completed or not, with the attendance that decided it. The
    credit bank reads these as 'enrollment:<public_id>'."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="completion"
    )
    completed = models.BooleanField()
    attendance_rate = models.DecimalField(max_digits=5, decimal_places=2)
    sessions_attended = models.PositiveSmallIntegerField()
    sessions_held = models.PositiveSmallIntegerField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("completion")
        verbose_name_plural = _("completions")

    def __str__(self) -> str:
        return f"{self.application_id}: {'completed' if self.completed else 'not completed'}"
