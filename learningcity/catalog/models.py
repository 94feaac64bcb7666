from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from learningcity.catalog.choices import (
    Audience,
    Category,
    ClassStatus,
    DocumentKind,
    Level,
    Mode,
    Rationing,
    ResourceKind,
    Weekday,
)
from learningcity.core.models import TimeStampedModel, bilingual
from learningcity.network.models import actor_scope, scope_q


class Term(TimeStampedModel):
    """A teaching term across the city (e.g. spring 2027), with its rationing rules."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # How many classes one learner may hold in this term, and how many they may rank.
    per_learner_cap = models.PositiveSmallIntegerField(_("classes per learner"), default=2)
    max_choices = models.PositiveSmallIntegerField(_("ranked choices per learner"), default=5)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="term_dates"),
            models.CheckConstraint(condition=Q(per_learner_cap__gte=1), name="term_cap_positive"),
            models.CheckConstraint(condition=Q(max_choices__gte=1), name="term_choices_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


class CourseQuerySet(models.QuerySet["Course"]):
    def restrict(self, actor: Any, action: str) -> CourseQuerySet:
        """Staff act on their organizations' courses; district offices on their area's."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(scope, area_lookup="provider__area__path", organization_lookup="provider__path")
        )


class Course(TimeStampedModel):
    """What a provider teaches: the description that its scheduled classes share."""

    provider = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="courses",
        verbose_name=_("provider"),
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.IN_PERSON)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    level = models.CharField(
        _("level"), max_length=16, choices=Level.choices, default=Level.BEGINNER
    )
    fee = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    audience = models.CharField(
        _("intended audience"), max_length=12, choices=Audience.choices, default=Audience.EVERYONE
    )
    is_active = models.BooleanField(_("offered"), default=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        indexes = [models.Index(fields=["category", "is_active"])]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="course_hours_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="course_fee_nonnegative"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return bilingual(self.title_zh, self.title_en)

    @property
    def description(self) -> str:
        return bilingual(self.description_zh, self.description_en)


class ClassQuerySet(models.QuerySet["Class"]):
    def restrict(self, actor: Any, action: str) -> ClassQuerySet:
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(
                scope,
                area_lookup="course__provider__area__path",
                organization_lookup="course__provider__path",
            )
        )


class Class(TimeStampedModel):
    """A scheduled run of a course: a term, a weekly slot, a site (or online), seats.

    `seats_taken` is changed only by conditional UPDATEs in catalog.services, so the database
    itself refuses a seat past capacity (see the check constraint)."""

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="classes", verbose_name=_("course")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="classes", verbose_name=_("term")
    )
    site = models.ForeignKey(
        "network.LearningSite",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="classes",
        verbose_name=_("learning site"),
    )
    online_url = models.URLField(_("online classroom"), blank=True)
    teacher = models.CharField(_("teacher"), max_length=100, blank=True)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    first_session_on = models.DateField(_("first session"))
    sessions = models.PositiveSmallIntegerField(_("number of sessions"))
    capacity = models.PositiveIntegerField(_("seats"))
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0)
    applications_open_at = models.DateTimeField(_("applications open"))
    applications_close_at = models.DateTimeField(_("applications close"))
    rationing = models.CharField(
        _("rationing"), max_length=12, choices=Rationing.choices, default=Rationing.LOTTERY
    )
    # Seats a lottery gives first to residents in a target group (the aged, the disabled...).
    group_quota = models.PositiveIntegerField(_("seats reserved for target groups"), default=0)
    completion_min_attendance = models.PositiveSmallIntegerField(
        _("attendance needed to complete (%)"), default=80
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ClassStatus.choices, default=ClassStatus.PUBLISHED
    )

    objects = ClassQuerySet.as_manager()

    class Meta:
        ordering = ["term", "weekday", "starts_at", "id"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        indexes = [
            models.Index(fields=["term", "status"]),
            models.Index(fields=["site", "term"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="class_never_oversold"
            ),
            models.CheckConstraint(
                condition=Q(group_quota__lte=F("capacity")), name="class_quota_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="class_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(applications_close_at__gt=F("applications_open_at")),
                name="class_window_order",
            ),
            models.CheckConstraint(condition=Q(sessions__gte=1), name="class_has_sessions"),
            models.CheckConstraint(
                condition=Q(completion_min_attendance__lte=100), name="class_completion_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.get_weekday_display()} {self.starts_at:%H:%M}"

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


class ResourceQuerySet(models.QuerySet["Resource"]):
    def restrict(self, actor: Any, action: str) -> ResourceQuerySet:
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(scope, area_lookup="provider__area__path", organization_lookup="provider__path")
        )


class Resource(TimeStampedModel):
    """A digital learning resource anyone may use at any time: video, e-book, MOOC."""

    provider = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="resources",
        verbose_name=_("provider"),
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ResourceKind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    url = models.URLField(_("link"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=0)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    is_active = models.BooleanField(_("available"), default=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("learning resource")
        verbose_name_plural = _("learning resources")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return bilingual(self.title_zh, self.title_en)


class SearchDocument(models.Model):
    """What the search engine knows of one course, class or resource: its words, segmented
    by jieba into space-separated lower-case tokens, and the few facts results are counted by.

    Derived data, written only by catalog.services (and rebuilt by `search-reindex`). The
    full-text index over the two token columns is not a Django field: on SQLite an FTS5 table
    that triggers keep in step with this table, on PostgreSQL generated tsvector columns with a
    GIN index (migration 0003). Category, mode, audience and fee repeat the course's, so facets
    count without joins; a class's district is its site's, which never moves.
    """

    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    # A class's document also names its course, so one filter on the course covers both.
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.CASCADE, related_name="search_documents"
    )
    klass = models.OneToOneField(
        Class, null=True, blank=True, on_delete=models.CASCADE, related_name="search_document"
    )
    resource = models.OneToOneField(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="search_document"
    )
    provider = models.ForeignKey("network.Organization", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        "network.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    mode = models.CharField(max_length=12, choices=Mode.choices)
    audience = models.CharField(max_length=12, choices=Audience.choices, blank=True)
    fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    title_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        indexes = [models.Index(fields=["kind", "category"])]
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(kind=DocumentKind.COURSE),
                name="searchdocument_one_per_course",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind=DocumentKind.COURSE,
                    course__isnull=False,
                    klass__isnull=True,
                    resource__isnull=True,
                )
                | Q(
                    kind=DocumentKind.CLASS,
                    course__isnull=False,
                    klass__isnull=False,
                    resource__isnull=True,
                )
                | Q(
                    kind=DocumentKind.RESOURCE,
                    course__isnull=True,
                    klass__isnull=True,
                    resource__isnull=False,
                ),
                name="searchdocument_kind_matches_subject",
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="searchdocument_fee_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.course_id or self.klass_id or self.resource_id}"
