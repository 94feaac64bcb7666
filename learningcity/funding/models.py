"""Inclusion and funding: target-group rules, subsidy policies, learning entitlements, bought
services, three-level budgets and the money journal.

The journal (`JournalTransaction` and its `JournalLine`s) is double-entry and append-only:
every transaction's lines sum to zero, a correction is a reversing transaction, and each has
who, when, why and an idempotency key. An account's `balance` is the sum of its lines, kept on
the account row by the posting's own conditional UPDATE, so the database refuses a balance
below zero (check constraint) even when many postings race for the same budget."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from learningcity.core.models import TimeStampedModel, bilingual, uuid7
from learningcity.funding.choices import (
    AccountKind,
    Benefit,
    BudgetLevel,
    ContractStatus,
    ContractUnit,
    DeliveryKind,
    FlagKind,
    FlagStatus,
    SettlementStatus,
    TransactionKind,
)
from learningcity.learners.choices import TargetGroup
from learningcity.network.choices import Action
from learningcity.network.models import actor_scope, scope_q


class TargetGroupRule(models.Model):
    """What makes a resident part of a target group, as data: the rule, the evidence the town
    office checks, and how long a verification lasts. Seeded by a data migration."""

    group = models.CharField(
        _("target group"), max_length=16, choices=TargetGroup.choices, unique=True
    )
    rule_zh = models.CharField(_("rule (Chinese)"), max_length=300)
    rule_en = models.CharField(_("rule (English)"), max_length=300, blank=True)
    evidence_zh = models.CharField(_("evidence (Chinese)"), max_length=300, blank=True)
    evidence_en = models.CharField(_("evidence (English)"), max_length=300, blank=True)
    # Derived groups (the aged, every resident) need no verification.
    derived = models.BooleanField(_("derived from the record"), default=False)
    verified_by = models.CharField(_("verified by"), max_length=40, default="town_office")
    validity_months = models.PositiveSmallIntegerField(
        _("verification valid for (months)"), null=True, blank=True
    )

    class Meta:
        ordering = ["group"]
        verbose_name = _("target-group rule")
        verbose_name_plural = _("target-group rules")

    def __str__(self) -> str:
        return self.get_group_display()

    @property
    def rule(self) -> str:
        return bilingual(self.rule_zh, self.rule_en)

    @property
    def evidence(self) -> str:
        return bilingual(self.evidence_zh, self.evidence_en)


class BudgetQuerySet(models.QuerySet["Budget"]):
    def restrict(self, actor: Any, action: str) -> BudgetQuerySet:
        """A level sees its own budget and those of the levels below it."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(scope, area_lookup="area__path", organization_lookup="organization__path")
        )


class Budget(TimeStampedModel):
    """One fiscal year's learning budget of one level of government (the city, a district, a
    town), held by its office. Its money is in its journal accounts."""

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    level = models.CharField(_("level"), max_length=10, choices=BudgetLevel.choices)
    area = models.ForeignKey(
        "network.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    organization = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("held by"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("upper level"),
    )

    objects = BudgetQuerySet.as_manager()

    class Meta:
        ordering = ["fiscal_year", "area__path"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "area"], name="budget_one_per_area_year"
            ),
            models.UniqueConstraint(
                fields=["fiscal_year", "organization"], name="budget_one_per_holder_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} · {self.area}"


class LedgerAccount(models.Model):
    """An account of the journal. `balance` is the sum of its lines, moved only by the
    posting service's conditional UPDATE; the check constraint keeps it from going below
    zero unless the account is an appropriation (the treasury's side)."""

    kind = models.CharField(_("kind"), max_length=14, choices=AccountKind.choices)
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="accounts")
    provider = models.ForeignKey(
        "network.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    balance = models.DecimalField(
        _("balance"), default=Decimal("0.00"), max_digits=14, decimal_places=2
    )
    may_go_negative = models.BooleanField(default=False)
    currency = models.CharField(max_length=3, default="CNY")

    class Meta:
        ordering = ["id"]
        verbose_name = _("journal account")
        verbose_name_plural = _("journal accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0) | Q(may_go_negative=True),
                name="funding_account_never_negative",
            ),
            models.CheckConstraint(
                condition=Q(may_go_negative=False) | Q(kind=AccountKind.APPROPRIATION),
                name="funding_only_appropriation_negative",
            ),
            models.UniqueConstraint(
                fields=["budget", "kind"],
                condition=Q(provider__isnull=True)
                & ~Q(kind__in=[AccountKind.ENTITLEMENT, AccountKind.PAYABLE]),
                name="funding_account_one_per_budget_kind",
            ),
            models.UniqueConstraint(
                fields=["budget", "provider"],
                condition=Q(kind=AccountKind.PAYABLE),
                name="funding_payable_one_per_provider",
            ),
            models.CheckConstraint(
                condition=Q(kind=AccountKind.PAYABLE, provider__isnull=False)
                | ~Q(kind=AccountKind.PAYABLE) & Q(provider__isnull=True),
                name="funding_payable_names_provider",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class JournalTransactionQuerySet(models.QuerySet["JournalTransaction"]):
    def restrict(self, actor: Any, action: str) -> JournalTransactionQuerySet:
        """A level sees every transaction that moved money in one of its budgets (a subsidy
        touches three)."""
        if actor_scope(actor, action).everything:
            return self
        budgets = Budget.objects.restrict(actor, action).values("pk")
        lines = JournalLine.objects.filter(transaction=OuterRef("pk"), account__budget__in=budgets)
        return self.filter(Exists(lines))


class JournalTransaction(models.Model):
    """One balanced movement of money (its lines sum to zero). Immutable: a correction is a
    reversing transaction. The dimensions (learner, class, provider, policy, target group)
    are what the finance office reports by."""

    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=TransactionKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    # The budget it mainly concerns (for scope); lines may touch others.
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=120, blank=True, db_index=True)
    learner = models.ForeignKey(
        "learners.Learner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    klass = models.ForeignKey(
        "catalog.Class", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        "network.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    policy = models.ForeignKey(
        "SubsidyPolicy", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_group = models.CharField(max_length=16, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    idempotency_key = models.CharField(max_length=160, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = JournalTransactionQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("journal transaction")
        verbose_name_plural = _("money journal")
        indexes = [
            models.Index(fields=["kind", "fiscal_year"]),
            models.Index(fields=["learner", "kind"]),
            models.Index(fields=["klass", "kind"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funding_transaction_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class JournalLine(models.Model):
    """One side of one leg: `amount` is added to the account's balance. A leg's two lines
    share its number and cancel out."""

    transaction = models.ForeignKey(
        JournalTransaction, on_delete=models.PROTECT, related_name="lines"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="lines")
    leg = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["transaction_id", "leg", "amount"]
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="funding_line_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id}/{self.leg}: {self.amount}"


class SubsidyPolicy(TimeStampedModel):
    """Who (target groups), what (course categories, provider systems, named courses), how
    much (free, a percentage, a fixed amount), the cap per learner and year, the split over
    the three levels, and when."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    owner = models.ForeignKey(
        "network.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("set by")
    )
    groups = models.JSONField(_("target groups"), default=list)
    categories = models.JSONField(_("course categories (none: all)"), default=list, blank=True)
    provider_systems = models.JSONField(_("provider systems (none: all)"), default=list, blank=True)
    courses = models.ManyToManyField(
        "catalog.Course", blank=True, related_name="+", verbose_name=_("only these courses")
    )
    benefit = models.CharField(_("benefit"), max_length=8, choices=Benefit.choices)
    percent = models.DecimalField(
        _("percentage"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount = models.DecimalField(
        _("fixed amount"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    cap_per_learner_year = models.DecimalField(
        _("cap per learner and year"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    share_municipal = models.DecimalField(_("municipal share (%)"), max_digits=5, decimal_places=2)
    share_district = models.DecimalField(_("district share (%)"), max_digits=5, decimal_places=2)
    share_town = models.DecimalField(_("town share (%)"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("subsidy policy")
        verbose_name_plural = _("subsidy policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(share_municipal__gte=0, share_district__gte=0, share_town__gte=0)
                & Q(share_municipal=100 - F("share_district") - F("share_town")),
                name="policy_shares_make_100",
            ),
            models.CheckConstraint(
                condition=Q(benefit=Benefit.FREE)
                | Q(benefit=Benefit.PERCENT, percent__gt=0, percent__lte=100)
                | Q(benefit=Benefit.FIXED, amount__gt=0),
                name="policy_benefit_has_value",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="policy_dates",
            ),
            models.CheckConstraint(
                condition=Q(cap_per_learner_year__isnull=True) | Q(cap_per_learner_year__gte=0),
                name="policy_cap_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    def share_of(self, level: str) -> Decimal:
        return {
            BudgetLevel.MUNICIPAL: self.share_municipal,
            BudgetLevel.DISTRICT: self.share_district,
            BudgetLevel.TOWN: self.share_town,
        }[BudgetLevel(level)]


class EntitlementScheme(TimeStampedModel):
    """An individual learning account programme: a yearly grant (a tranche) to each learner
    in its groups, valid for some years, spent on courses it covers, paid only to providers."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    owner = models.ForeignKey(
        "network.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("set by")
    )
    groups = models.JSONField(_("target groups"), default=list)
    categories = models.JSONField(_("course categories (none: all)"), default=list, blank=True)
    provider_systems = models.JSONField(_("provider systems (none: all)"), default=list, blank=True)
    funded_by = models.CharField(
        _("funded by the budget of"), max_length=10, choices=BudgetLevel.choices
    )
    amount = models.DecimalField(_("yearly grant"), max_digits=10, decimal_places=2)
    valid_years = models.PositiveSmallIntegerField(
        _("a grant lasts (years)"),
        default=2,
        help_text=_("A grant made in a year expires at the end of the year this many years on."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("entitlement scheme")
        verbose_name_plural = _("entitlement schemes")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="scheme_amount_positive"),
            models.CheckConstraint(condition=Q(valid_years__gte=1), name="scheme_years_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


class TrancheQuerySet(models.QuerySet["Tranche"]):
    def restrict(self, actor: Any, action: str) -> TrancheQuerySet:
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(scope, area_lookup="learner__residence_area__path", organization_lookup=None)
        )


class Tranche(TimeStampedModel):
    """One grant of a scheme to one learner for one year. Its money is in its own journal
    account (funded from the scheme's budget); spending takes the tranche that expires first."""

    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.PROTECT, related_name="+", verbose_name=_("learner")
    )
    scheme = models.ForeignKey(EntitlementScheme, on_delete=models.PROTECT, related_name="tranches")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("granted"), max_digits=10, decimal_places=2)
    expires_on = models.DateField(_("expires on"))
    account = models.OneToOneField(LedgerAccount, on_delete=models.PROTECT, related_name="tranche")

    objects = TrancheQuerySet.as_manager()

    class Meta:
        ordering = ["expires_on", "id"]
        verbose_name = _("entitlement tranche")
        verbose_name_plural = _("entitlement tranches")
        indexes = [models.Index(fields=["learner", "expires_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "learner", "year"], name="tranche_one_per_scheme_year"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tranche_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.code} {self.year} · {self.learner_id}"


class ContractQuerySet(models.QuerySet["Contract"]):
    def restrict(self, actor: Any, action: str) -> ContractQuerySet:
        """Both sides see a contract: the buying level's offices and the provider."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(scope, area_lookup="budget__area__path", organization_lookup="provider__path")
        )


class Contract(TimeStampedModel):
    """A level of government buys N seats or learner-hours of a course from a provider for a
    target group, at a unit price. Signing commits the whole price; delivery, measured from
    attendance, makes it payable in proportion."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    budget = models.ForeignKey(
        Budget, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("bought by")
    )
    provider = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("provider"),
    )
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.PROTECT, related_name="+", verbose_name=_("course")
    )
    target_group = models.CharField(
        _("for target group"), max_length=16, choices=TargetGroup.choices, blank=True
    )
    unit = models.CharField(_("unit"), max_length=6, choices=ContractUnit.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=8, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "code"]
        verbose_name = _("service contract")
        verbose_name_plural = _("service contracts")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="contract_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="contract_price_positive"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="contract_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


class SettlementQuerySet(models.QuerySet["Settlement"]):
    def restrict(self, actor: Any, action: str) -> SettlementQuerySet:
        """Both sides see a settlement: the offices of the provider's area and the provider.
        Only the offices move its money (pay it, review its flags): a provider's own finance
        officer never pays the provider or clears a flag raised on its claim."""
        scope = actor_scope(actor, action)
        provider_side = None if action == Action.FINANCE else "provider__path"
        return self.filter(
            scope_q(scope, area_lookup="provider__area__path", organization_lookup=provider_side)
        )


class Settlement(TimeStampedModel):
    """What a provider is owed for one finished class: its deliveries (subsidised places,
    entitlements, bought seats or hours), payable, held while a fraud flag is open, then paid
    or rejected."""

    provider = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("provider"),
    )
    klass = models.ForeignKey(
        "catalog.Class", on_delete=models.PROTECT, related_name="+", verbose_name=_("class")
    )
    source = models.CharField(max_length=120, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SettlementStatus.choices,
        default=SettlementStatus.PAYABLE,
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    learners = models.PositiveIntegerField(_("learners billed"), default=0)
    mean_attendance = models.DecimalField(
        _("mean attendance (%)"), max_digits=5, decimal_places=2, default=0
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = SettlementQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="settlement_amount_nonnegative")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.amount}"


class Delivery(models.Model):
    """One learner's part in a settlement: the attendance measured, the units delivered, and
    the amount made payable (its journal transaction)."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=DeliveryKind.choices)
    source = models.CharField(max_length=120)
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries"
    )
    attendance_rate = models.DecimalField(max_digits=5, decimal_places=2)
    units = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    hours = models.DecimalField(_("learner-hours"), max_digits=10, decimal_places=2, default=0)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    target_group = models.CharField(max_length=16, blank=True)
    transaction = models.ForeignKey(
        JournalTransaction, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["source", "kind"], name="delivery_once_per_place"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="delivery_amount_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.amount}"


class FraudFlag(TimeStampedModel):
    """A claim that does not fit. While open it holds its settlement's payment."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField(_("kind"), max_length=20, choices=FlagKind.choices)
    detail = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("fraud flag")
        verbose_name_plural = _("fraud flags")
        constraints = [
            models.UniqueConstraint(fields=["settlement", "kind"], name="flag_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.settlement_id}"
