"""The Learning Credit Bank: accounts, learning records, recognition standards, the credit
ledger, programs and conversion, recognition of prior learning and transcript links.

The ledger (`Posting`) is append-only: a correction is a reversing entry. Records change
status only through services; each change is in the audit log."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learningcity.core.models import TimeStampedModel, bilingual, uuid7
from learningcity.creditbank.choices import (
    AccountStatus,
    ClaimStatus,
    ConversionStatus,
    Convertibility,
    CreditCategory,
    PostingKind,
    ProgramLevel,
    RecordChannel,
    RecordStatus,
    RequirementArea,
    StandardKind,
)
from learningcity.network.models import actor_scope, scope_q


def credits_of(value: Any) -> Decimal:
    """A sum of credits as an exact one-place Decimal. SQLite adds decimals as floats, so its
    sums come back as 4.0999999…; every sum the bank compares or shows passes through here."""
    if value is None:
        return Decimal("0.0")
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)


def account_number_for(learner_id: int) -> str:
    """A stable, human-readable account number: "CB", nine digits, a Luhn check digit."""
    digits = f"{learner_id:09d}"
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"CB{digits}{(10 - total % 10) % 10}"


class AccountQuerySet(models.QuerySet["Account"]):
    def restrict(self, actor: Any, action: str) -> AccountQuerySet:
        """Accounts are seen by the governance bodies of the area the learner lives in."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(scope, area_lookup="learner__residence_area__path", organization_lookup=None)
        )


class Account(TimeStampedModel):
    """A learner's one account in the credit bank, opened on the first record or on request."""

    learner = models.OneToOneField(
        "learners.Learner",
        on_delete=models.PROTECT,
        related_name="credit_account",
        verbose_name=_("learner"),
    )
    number = models.CharField(_("account number"), max_length=12, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AccountStatus.choices, default=AccountStatus.OPEN
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_accounts",
        verbose_name=_("merged into"),
    )

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("credit-bank account")
        verbose_name_plural = _("credit-bank accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(status=AccountStatus.OPEN, merged_into__isnull=True)
                | Q(status=AccountStatus.MERGED, merged_into__isnull=False),
                name="account_merged_has_target",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class LearningRecordQuerySet(models.QuerySet["LearningRecord"]):
    def restrict(self, actor: Any, action: str) -> LearningRecordQuerySet:
        """A provider's staff see the records their organization submitted; offices see the
        records of residents of their area and of providers in it."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(
                scope,
                area_lookup="account__learner__residence_area__path",
                organization_lookup="provider__path",
            )
        )


class LearningRecord(TimeStampedModel):
    """One piece of learning reported by a provider. Append-only: its facts never change; its
    status moves submitted → verified or rejected → revoked, each step audited."""

    # Time-ordered ids: records are appended by the million.
    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    # The composite indexes below serve these foreign keys; single-column indexes would only
    # slow down the bulk loads.
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("account"),
        db_index=False,
    )
    provider = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("provider"),
        db_index=False,
    )
    category = models.CharField(_("category"), max_length=16, choices=CreditCategory.choices)
    title = models.CharField(_("title"), max_length=200)
    course_code = models.CharField(_("course code"), max_length=40, blank=True)
    certificate_code = models.CharField(
        _("certificate type"),
        max_length=40,
        blank=True,
        help_text=_("The code of a named certificate, e.g. NCRE-1 for the computer rank exam."),
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=1, default=0)
    attendance_rate = models.DecimalField(
        _("attendance rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    evidence = models.FileField(
        _("evidence file"), upload_to="creditbank/evidence/%Y/%m/", blank=True
    )
    statement_id = models.UUIDField(_("xAPI statement id"), null=True, blank=True)
    completed_on = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.SUBMITTED
    )
    channel = models.CharField(_("arrived by"), max_length=16, choices=RecordChannel.choices)
    # (provider, external_id) makes batch submissions idempotent; `source` is the opaque key of
    # the platform object it came from ("enrollment:<uuid>", "xapi:<uuid>", "claim:<uuid>").
    external_id = models.CharField(_("provider's record id"), max_length=80)
    source = models.CharField(max_length=120, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    # What recognition granted, for display; the ledger is the truth.
    credits = models.DecimalField(_("credits"), max_digits=7, decimal_places=1, default=0)
    recognition_note = models.CharField(_("recognition"), max_length=300, blank=True)

    objects = LearningRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on", "-id"]
        verbose_name = _("learning record")
        verbose_name_plural = _("learning records")
        indexes = [
            models.Index(fields=["account", "completed_on"]),
            models.Index(fields=["provider", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="record_once_per_provider_id"
            ),
            models.CheckConstraint(condition=Q(hours__gte=0), name="record_hours_nonnegative"),
            models.CheckConstraint(
                condition=Q(attendance_rate__isnull=True)
                | Q(attendance_rate__gte=0, attendance_rate__lte=100),
                name="record_attendance_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.completed_on})"


class ConversionPolicy(models.Model):
    """Whether a credit category may become academic credit. Data, seeded by a migration:
    culture and leisure never converts; vocational only through listed equivalences."""

    category = models.CharField(
        _("category"), max_length=16, choices=CreditCategory.choices, unique=True
    )
    convertibility = models.CharField(
        _("convertibility"), max_length=16, choices=Convertibility.choices
    )

    class Meta:
        verbose_name = _("conversion policy")
        verbose_name_plural = _("conversion policies")

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.get_convertibility_display()}"


class RecognitionStandard(TimeStampedModel):
    """What the bank recognises (a named certificate, a kind of course), kept by assessors.
    Its rules live in versions; a decision keeps the version it used."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    owner = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("kept by"),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("recognition standard")
        verbose_name_plural = _("recognition standards")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


class StandardVersion(models.Model):
    """One version of a standard's rules. Never edited once used: a change is a new version."""

    standard = models.ForeignKey(
        RecognitionStandard, on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveSmallIntegerField(_("version"))
    effective_from = models.DateField(_("applies to learning from"))
    kind = models.CharField(_("kind"), max_length=16, choices=StandardKind.choices)
    # What it matches.
    match_category = models.CharField(
        _("record category"), max_length=16, choices=CreditCategory.choices
    )
    match_certificate_code = models.CharField(_("certificate type"), max_length=40, blank=True)
    match_provider_system = models.CharField(_("provider system"), max_length=20, blank=True)
    # What it is worth.
    credit_category = models.CharField(
        _("credit category"), max_length=16, choices=CreditCategory.choices
    )
    level = models.PositiveSmallIntegerField(_("level (1–8)"))
    credits_fixed = models.DecimalField(
        _("credits per record"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    hours_per_credit = models.DecimalField(
        _("hours per credit"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    max_credits_per_record = models.DecimalField(
        _("most credits for one record"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    validity_years = models.PositiveSmallIntegerField(
        _("credits valid for (years)"), null=True, blank=True
    )
    # Rules evaluated on every recognition.
    requires_pass = models.BooleanField(_("requires a pass"), default=False)
    min_attendance = models.DecimalField(
        _("minimum attendance (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    min_score = models.DecimalField(
        _("minimum score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    cap_per_year = models.DecimalField(
        _("cap per year"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    cap_per_term = models.DecimalField(
        _("cap per term"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    cap_per_institution = models.DecimalField(
        _("cap per institution"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    cap_certificates = models.PositiveSmallIntegerField(
        _("most records recognised per learner"), null=True, blank=True
    )
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["standard_id", "-version"]
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        constraints = [
            models.UniqueConstraint(fields=["standard", "version"], name="standard_version_once"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=8), name="standard_level_1_to_8"
            ),
            models.CheckConstraint(
                condition=Q(credits_fixed__isnull=False) | Q(hours_per_credit__gt=0),
                name="standard_has_worth",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard.code} v{self.version}"


class PostingQuerySet(models.QuerySet["Posting"]):
    def restrict(self, actor: Any, action: str) -> PostingQuerySet:
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(
                scope,
                area_lookup="account__learner__residence_area__path",
                organization_lookup=None,
            )
        )


class Posting(models.Model):
    """One entry in the credit ledger. Append-only; a balance is the sum of its postings."""

    # Served by the (account, category, level) index.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="postings", db_index=False
    )
    record = models.ForeignKey(
        LearningRecord, null=True, on_delete=models.PROTECT, related_name="postings"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=PostingKind.choices)
    category = models.CharField(_("category"), max_length=16, choices=CreditCategory.choices)
    level = models.PositiveSmallIntegerField(_("level"))
    credits = models.DecimalField(_("credits"), max_digits=7, decimal_places=1)
    standard_version = models.ForeignKey(
        StandardVersion, null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # What the caps count by: the institution, the calendar year and the half-year term.
    institution = models.ForeignKey(
        "network.Organization",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    year = models.PositiveSmallIntegerField()
    term = models.CharField(max_length=7, help_text="YYYY-1 (Jan–Jun) or YYYY-2 (Jul–Dec)")
    valid_until = models.DateField(null=True, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    reason = models.CharField(max_length=300)
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PostingQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("posting")
        verbose_name_plural = _("credit ledger")
        indexes = [models.Index(fields=["account", "category", "level"])]
        constraints = [
            models.CheckConstraint(condition=~Q(credits=0), name="posting_not_zero"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=8), name="posting_level_1_to_8"
            ),
            models.CheckConstraint(
                condition=Q(kind=PostingKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=PostingKind.REVERSAL) & Q(reverses__isnull=True)),
                name="posting_reversal_names_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.credits}"


class Program(TimeStampedModel):
    """A target program credits can count toward (e.g. an Open University associate degree)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    institution = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("awarding institution"),
    )
    level = models.CharField(_("level"), max_length=12, choices=ProgramLevel.choices)
    total_credits = models.DecimalField(_("credits required"), max_digits=7, decimal_places=1)
    major_min = models.DecimalField(
        _("major credits at least"), max_digits=7, decimal_places=1, default=0
    )
    general_min = models.DecimalField(
        _("general credits at least"), max_digits=7, decimal_places=1, default=0
    )
    in_program_min = models.DecimalField(
        _("credits earned in the program at least"), max_digits=7, decimal_places=1, default=0
    )
    max_converted_share = models.DecimalField(
        _("most converted share (%)"), max_digits=5, decimal_places=2, default=0
    )
    is_active = models.BooleanField(_("open"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


class ProgramCourse(models.Model):
    """A course of a program, with its credits and the requirement it counts toward."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="courses")
    code = models.CharField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    credits = models.DecimalField(_("credits"), max_digits=7, decimal_places=1)
    area = models.CharField(_("requirement"), max_length=10, choices=RequirementArea.choices)

    class Meta:
        ordering = ["program_id", "code"]
        verbose_name = _("program course")
        verbose_name_plural = _("program courses")
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="program_course_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


class Equivalence(models.Model):
    """A listed equivalence: a certificate exempts these program courses."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="equivalences")
    certificate_code = models.CharField(_("certificate type"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    courses = models.ManyToManyField(ProgramCourse, related_name="+", verbose_name=_("exempts"))

    class Meta:
        ordering = ["program_id", "certificate_code"]
        verbose_name = _("equivalence")
        verbose_name_plural = _("equivalences")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "certificate_code"], name="equivalence_once_per_program"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate_code} → {self.program.code}"

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


class ConversionApplication(TimeStampedModel):
    """A learner asks for recorded learning to count toward a program; an assessor decides."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="conversions")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ConversionStatus.choices,
        default=ConversionStatus.SUBMITTED,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("conversion application")
        verbose_name_plural = _("conversion applications")

    def __str__(self) -> str:
        return f"{self.account} → {self.program.code}"


class ConversionItem(models.Model):
    """One record counted toward one program course. Once approved, a program course is met
    by conversion at most once per account; the database holds that."""

    application = models.ForeignKey(
        ConversionApplication, on_delete=models.CASCADE, related_name="items"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(LearningRecord, on_delete=models.PROTECT, related_name="+")
    program_course = models.ForeignKey(ProgramCourse, on_delete=models.PROTECT, related_name="+")
    equivalence = models.ForeignKey(
        Equivalence, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credits = models.DecimalField(_("credits"), max_digits=7, decimal_places=1)
    approved = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "program_course"],
                condition=Q(approved=True),
                name="conversion_course_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.program_course_id}"


class PriorLearningClaim(TimeStampedModel):
    """Recognition of prior learning: a learner's claim with evidence, decided by an assessor
    of the chosen organization by a due date, with one appeal."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="claims")
    assessor_org = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    title = models.CharField(_("what you learned"), max_length=200)
    description = models.TextField(_("description"), max_length=4000)
    category = models.CharField(_("category"), max_length=16, choices=CreditCategory.choices)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=1)
    certificate_code = models.CharField(_("certificate type"), max_length=40, blank=True)
    evidence = models.FileField(_("evidence"), upload_to="creditbank/claims/%Y/%m/")
    evidence_name = models.CharField(max_length=200)
    due_on = models.DateField(_("decision due by"))
    status = models.CharField(
        _("status"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    appeal_reason = models.CharField(_("why you appeal"), max_length=1000, blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    record = models.OneToOneField(
        LearningRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="claim"
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("prior learning claim")
        verbose_name_plural = _("prior learning claims")
        indexes = [models.Index(fields=["assessor_org", "status", "due_on"])]

    def __str__(self) -> str:
        return self.title


class TranscriptShare(TimeStampedModel):
    """A link that shows a learner's transcript to anyone holding it, until it expires."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="shares")
    token_digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("transcript link")
        verbose_name_plural = _("transcript links")

    def __str__(self) -> str:
        return f"{self.account} until {self.expires_at:%Y-%m-%d}"
