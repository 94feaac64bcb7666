"""Learning teams, learning organizations, awards and volunteer teachers.

`LearningTeam` with `status = active` (approved by the town's community school or office)
and its town `area` is what the city's indicators count ("learning teams per 10,000
residents")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learningcity.communities.choices import (
    LIVE_MEMBERSHIP,
    InvitationStatus,
    MemberRole,
    MembershipStatus,
    NominationStatus,
    OrganizationType,
    RecognitionStatus,
    ReviewOutcome,
    TeamStatus,
    TeamTopic,
)
from learningcity.core.models import TimeStampedModel, bilingual
from learningcity.network.models import actor_scope, scope_q


class LearningTeamQuerySet(models.QuerySet["LearningTeam"]):
    def restrict(self, actor: Any, action: str) -> LearningTeamQuerySet:
        """A team is overseen by the governance of its town (and above) and by its town's
        community school (and the college above it)."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(scope, area_lookup="area__path", organization_lookup="school__path")
        )


class LearningTeam(TimeStampedModel):
    """An autonomous learning team founded by residents (a choir, a calligraphy circle),
    approved by its town's community school."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    topic = models.CharField(_("topic"), max_length=20, choices=TeamTopic.choices)
    description = models.TextField(_("description"), blank=True)
    area = models.ForeignKey(
        "network.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("town")
    )
    school = models.ForeignKey(
        "network.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("community school"),
    )
    site = models.ForeignKey(
        "network.LearningSite",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("meeting site"),
    )
    meeting_place = models.CharField(_("meeting place"), max_length=200, blank=True)
    schedule = models.CharField(_("schedule"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=TeamStatus.choices, default=TeamStatus.PENDING
    )
    founder = models.ForeignKey(
        "learners.Learner", on_delete=models.PROTECT, related_name="+", verbose_name=_("founder")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 - NULL = no key; the unique constraint skips NULLs

    objects = LearningTeamQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("learning team")
        verbose_name_plural = _("learning teams")
        indexes = [models.Index(fields=["status", "area"]), models.Index(fields=["topic"])]
        constraints = [
            models.UniqueConstraint(
                fields=["founder", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="team_once_per_key",
            ),
            models.CheckConstraint(
                condition=Q(site__isnull=False) | ~Q(meeting_place=""),
                name="team_has_meeting_place",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    @property
    def place(self) -> str:
        if self.site is not None:
            return self.site.name
        return self.meeting_place


class TeamMembership(TimeStampedModel):
    """A learner's place in a team: asked to join, member, refused or left."""

    team = models.ForeignKey(LearningTeam, on_delete=models.CASCADE, related_name="memberships")
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(
        _("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.REQUESTED,
    )
    joined_at = models.DateTimeField(_("joined at"), null=True, blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    class Meta:
        ordering = ["team_id", "id"]
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        indexes = [models.Index(fields=["learner", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "learner"],
                condition=Q(status__in=LIVE_MEMBERSHIP),
                name="team_one_live_membership",
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(role=MemberRole.LEADER, status=MembershipStatus.ACTIVE),
                name="team_one_leader",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.get_role_display()} · {self.team}"


class TeamActivity(TimeStampedModel):
    """One meeting or outing of a team, in its activity log."""

    team = models.ForeignKey(LearningTeam, on_delete=models.CASCADE, related_name="activities")
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("what happened"), blank=True)
    attendees = models.PositiveIntegerField(_("people who came"), default=0)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 - NULL = no key; the unique constraint skips NULLs

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("team activity")
        verbose_name_plural = _("team activities")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="activity_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class ActivityPhoto(TimeStampedModel):
    """A photo of an activity, checked to be an image of a few MB at most."""

    activity = models.ForeignKey(TeamActivity, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to="communities/photos/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    description = models.CharField(_("what the photo shows"), max_length=200)

    class Meta:
        ordering = ["id"]
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")

    def __str__(self) -> str:
        return self.description


class TeamReview(TimeStampedModel):
    """A team's yearly review; the outcome "star" is the year's star-learning-team title."""

    team = models.ForeignKey(LearningTeam, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("year"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=ReviewOutcome.choices)
    comments = models.CharField(_("comments"), max_length=1000)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-year", "team_id"]
        verbose_name = _("team review")
        verbose_name_plural = _("team reviews")
        constraints = [
            models.UniqueConstraint(fields=["team", "year"], name="team_one_review_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.year}: {self.get_outcome_display()}"


class RecognitionCriterion(TimeStampedModel):
    """One published criterion a learning organization is scored on, for a year and type."""

    year = models.PositiveSmallIntegerField(_("year"))
    organization_type = models.CharField(_("type"), max_length=12, choices=OrganizationType.choices)
    code = models.CharField(_("code"), max_length=20)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    description_zh = models.CharField(_("description (Chinese)"), max_length=500, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=500, blank=True)
    max_score = models.PositiveSmallIntegerField(_("highest score"))
    weight = models.PositiveSmallIntegerField(_("weight"))

    class Meta:
        ordering = ["year", "organization_type", "code"]
        verbose_name = _("recognition criterion")
        verbose_name_plural = _("recognition criteria")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "organization_type", "code"], name="criterion_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(max_score__gt=0) & Q(weight__gt=0), name="criterion_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    @property
    def description(self) -> str:
        return bilingual(self.description_zh, self.description_en)


class RecognitionApplicationQuerySet(models.QuerySet["RecognitionApplication"]):
    def restrict(self, actor: Any, action: str) -> RecognitionApplicationQuerySet:
        """Reviewed by the governance of the applicant's area."""
        scope = actor_scope(actor, action)
        if scope.everything:
            return self.all()
        return self.filter(scope_q(scope, area_lookup="area__path", organization_lookup=None))


class RecognitionApplication(TimeStampedModel):
    """An enterprise, family or community applying to be recognised as a learning
    organization for a year."""

    year = models.PositiveSmallIntegerField(_("year"))
    organization_type = models.CharField(_("type"), max_length=12, choices=OrganizationType.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    area = models.ForeignKey(
        "network.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    statement = models.TextField(_("how the organization learns"))
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RecognitionStatus.choices,
        default=RecognitionStatus.SUBMITTED,
    )
    total_score = models.DecimalField(
        _("weighted score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 - NULL = no key; the unique constraint skips NULLs

    objects = RecognitionApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "id"]
        verbose_name = _("learning organization application")
        verbose_name_plural = _("learning organization applications")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "organization_type", "area", "name_zh"],
                name="recognition_one_per_name_and_year",
            ),
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="recognition_once_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


class CriterionScore(TimeStampedModel):
    """One reviewer's score of one criterion for one application (audited)."""

    application = models.ForeignKey(
        RecognitionApplication, on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        RecognitionCriterion, on_delete=models.PROTECT, related_name="scores"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["application_id", "criterion_id", "reviewer_id"]
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion", "reviewer"], name="score_once_per_reviewer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class Award(TimeStampedModel):
    """An award for residents, such as the year's "learning star", run by an organization."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    description_zh = models.CharField(_("description (Chinese)"), max_length=500, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=500, blank=True)
    owner = models.ForeignKey(
        "network.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("run by")
    )

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    @property
    def description(self) -> str:
        return bilingual(self.description_zh, self.description_en)


class NominationQuerySet(models.QuerySet["Nomination"]):
    def restrict(self, actor: Any, action: str) -> NominationQuerySet:
        """Reviewed by the governance of the nominee's home and the award's organization."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(
                scope,
                area_lookup="learner__residence_area__path",
                organization_lookup="award__owner__path",
            )
        )


class Nomination(TimeStampedModel):
    """A resident nominated for an award. The public showcase shows only what the nominee
    consented to: the name, the story, or neither."""

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="nominations")
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        LearningTeam, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    story = models.TextField(_("story"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=NominationStatus.choices,
        default=NominationStatus.NOMINATED,
    )
    show_name = models.BooleanField(_("show my name"), default=False)
    show_story = models.BooleanField(_("show my story"), default=False)
    consented_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = NominationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(fields=["award", "learner"], name="nomination_once_per_award")
        ]

    def __str__(self) -> str:
        return f"{self.award} · {self.learner}"


class VolunteerProfile(TimeStampedModel):
    """A resident's offer to teach. Languages and availability are stored as ",a,b," so a
    filter is one portable LIKE on SQLite and PostgreSQL alike."""

    learner = models.OneToOneField(
        "learners.Learner", on_delete=models.PROTECT, related_name="volunteer_profile"
    )
    display_name = models.CharField(_("name shown to schools"), max_length=60)
    skills = models.CharField(_("what I can teach"), max_length=300)
    bio = models.CharField(_("about me"), max_length=1000, blank=True)
    languages = models.CharField(_("languages"), max_length=100)
    availability = models.CharField(_("when I can teach"), max_length=120)
    districts = models.ManyToManyField(
        "network.Area", related_name="+", verbose_name=_("districts")
    )
    is_active = models.BooleanField(_("open to invitations"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("volunteer teacher")
        verbose_name_plural = _("volunteer teachers")

    def __str__(self) -> str:
        return self.display_name

    @property
    def language_list(self) -> list[str]:
        return [c for c in self.languages.split(",") if c]

    @property
    def availability_list(self) -> list[str]:
        return [c for c in self.availability.split(",") if c]


class VolunteerInvitationQuerySet(models.QuerySet["VolunteerInvitation"]):
    def restrict(self, actor: Any, action: str) -> VolunteerInvitationQuerySet:
        """Seen by the inviting organization's subtree and the governance of its area (as
        `Organization.restrict` has it), and for a team's invitation by those who oversee the
        team."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(
                scope,
                area_lookup="organization__area__path",
                organization_lookup="organization__path",
            )
            | scope_q(
                scope, area_lookup="team__area__path", organization_lookup="team__school__path"
            )
        )


class VolunteerInvitation(TimeStampedModel):
    """A school's or a team's invitation to a volunteer teacher."""

    volunteer = models.ForeignKey(
        VolunteerProfile, on_delete=models.PROTECT, related_name="invitations"
    )
    organization = models.ForeignKey(
        "network.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        LearningTeam, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("what to teach"), max_length=150)
    message = models.CharField(_("message"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.INVITED,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 - NULL = no key; the unique constraint skips NULLs

    objects = VolunteerInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("volunteer invitation")
        verbose_name_plural = _("volunteer invitations")
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False, team__isnull=True)
                | Q(organization__isnull=True, team__isnull=False),
                name="invitation_one_inviter",
            ),
            models.UniqueConstraint(
                fields=["invited_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="invitation_once_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.subject}"

    @property
    def inviter_name(self) -> str:
        return self.organization.name if self.organization_id else self.team.name  # type: ignore[union-attr]


class VolunteerHours(TimeStampedModel):
    """Hours a volunteer taught under an accepted invitation, recorded by the inviter."""

    invitation = models.ForeignKey(
        VolunteerInvitation, on_delete=models.PROTECT, related_name="hours"
    )
    taught_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 - NULL = no key; the unique constraint skips NULLs

    class Meta:
        ordering = ["-taught_on", "-id"]
        verbose_name = _("volunteer hours")
        verbose_name_plural = _("volunteer hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=12), name="volunteer_hours_in_range"
            ),
            models.UniqueConstraint(
                fields=["invitation", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="hours_once_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.taught_on} {self.hours} h"
