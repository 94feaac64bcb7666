from __future__ import annotations

import functools
import operator
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learningcity.core.models import TimeStampedModel, bilingual
from learningcity.network.choices import (
    KIND_SYSTEM,
    ROLE_ACTIONS,
    AreaLevel,
    OrganizationKind,
    OrganizationStatus,
    ProviderSystem,
    StaffRoleKind,
)
from learningcity.network.data import Scope

GOVERNANCE_KINDS = frozenset(k for k, s in KIND_SYSTEM.items() if s == ProviderSystem.GOVERNANCE)


def actor_scope(actor: Any, action: str) -> Scope:
    """The subtrees in which `actor` may do `action`, computed once per actor and action.

    Governance bodies (district and town offices, the municipal bodies) act over their area's
    subtree; every organization acts over its own organization subtree. A provider's staff
    therefore never see residents of their district merely because they work there.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Scope()
    if actor.is_superuser:
        return Scope(everything=True)
    cache: dict[str, Scope] = actor.__dict__.setdefault("_lc_scope_cache", {})
    if action in cache:
        return cache[action]
    area_paths: set[str] = set()
    org_paths: set[str] = set()
    roles = StaffRole.objects.filter(
        user_id=actor.pk, organization__status=OrganizationStatus.ACTIVE
    ).values_list(
        "role",
        "organization__path",
        "organization__kind",
        "organization__area__path",
        "organization__area__level",
    )
    everything = False
    for role, org_path, kind, area_path, area_level in roles:
        if action not in ROLE_ACTIONS.get(role, frozenset()):
            continue
        org_paths.add(org_path)
        if kind in GOVERNANCE_KINDS:
            area_paths.add(area_path)
            # A municipal body (commission, advisory office, Service Center) governs the city.
            everything = everything or area_level == AreaLevel.CITY
    scope = Scope(
        everything=everything,
        area_paths=tuple(sorted(_outermost(area_paths))),
        organization_paths=tuple(sorted(_outermost(org_paths))),
    )
    cache[action] = scope
    return scope


def _outermost(paths: set[str]) -> set[str]:
    return {p for p in paths if not any(p != q and p.startswith(q) for q in paths)}


def path_q(lookup: str, paths: tuple[str, ...]) -> Q:
    """Q matching rows whose `lookup` path lies in any of the subtrees; never matches if none."""
    if not paths:
        return Q(pk__in=[])
    return functools.reduce(operator.or_, (Q(**{f"{lookup}__startswith": p}) for p in paths))


def scope_q(scope: Scope, *, area_lookup: str | None, organization_lookup: str | None) -> Q:
    """The filter every restricted queryset applies; an empty scope matches nothing."""
    if scope.everything:
        return Q()
    q = Q(pk__in=[])
    if area_lookup and scope.area_paths:
        q |= path_q(area_lookup, scope.area_paths)
    if organization_lookup and scope.organization_paths:
        q |= path_q(organization_lookup, scope.organization_paths)
    return q


class AreaQuerySet(models.QuerySet["Area"]):
    def restrict(self, actor: Any, action: str) -> AreaQuerySet:
        scope = actor_scope(actor, action)
        return self.filter(scope_q(scope, area_lookup="path", organization_lookup=None))


class Area(TimeStampedModel):
    """A node of the city's geography: city, district, town/subdistrict or neighbourhood."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    # Materialized path of codes ("310000/310115/"): a subtree is one indexed prefix match.
    path = models.CharField(max_length=80, unique=True, editable=False)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    population = models.PositiveIntegerField(_("population"), default=0)
    population_over_65 = models.PositiveIntegerField(_("population aged 65+"), default=0)
    population_non_local = models.PositiveIntegerField(_("non-local population"), default=0)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [models.Index(fields=["level", "code"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(population_over_65__lte=models.F("population"))
                & Q(population_non_local__lte=models.F("population")),
                name="area_subpopulations_within_population",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, level=AreaLevel.CITY)
                | Q(parent__isnull=False) & ~Q(level=AreaLevel.CITY),
                name="area_only_city_is_root",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def restrict(self, actor: Any, action: str) -> OrganizationQuerySet:
        scope = actor_scope(actor, action)
        return self.filter(scope_q(scope, area_lookup="area__path", organization_lookup="path"))

    def of_system(self, system: str) -> OrganizationQuerySet:
        return self.filter(kind__in=[k for k, s in KIND_SYSTEM.items() if s == system])


class Organization(TimeStampedModel):
    """A governance body or a provider in one of the city's four provider systems."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent organization"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="organizations", verbose_name=_("area")
    )
    # Materialized path of primary keys ("12/340/"), set by the service that creates the row.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OrganizationStatus.choices,
        default=OrganizationStatus.ACTIVE,
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        indexes = [models.Index(fields=["kind", "status"]), models.Index(fields=["area", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    @property
    def provider_system(self) -> str:
        return KIND_SYSTEM[self.kind]

    @property
    def is_governance(self) -> bool:
        return self.kind in GOVERNANCE_KINDS


class LearningSiteQuerySet(models.QuerySet["LearningSite"]):
    def restrict(self, actor: Any, action: str) -> LearningSiteQuerySet:
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(scope, area_lookup="area__path", organization_lookup="organization__path")
        )


class LearningSite(TimeStampedModel):
    """A place where people learn: a classroom building, a neighbourhood point, a hall."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="sites",
        verbose_name=_("organization"),
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="sites", verbose_name=_("area")
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    address_zh = models.CharField(_("address (Chinese)"), max_length=255)
    address_en = models.CharField(_("address (English)"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    rooms = models.PositiveSmallIntegerField(_("rooms"), default=1)
    capacity = models.PositiveIntegerField(_("seats"), default=0)
    step_free = models.BooleanField(_("step-free access"), default=False)
    accessible_toilet = models.BooleanField(_("accessible toilet"), default=False)
    hearing_loop = models.BooleanField(_("hearing loop"), default=False)
    is_active = models.BooleanField(_("open"), default=True)

    objects = LearningSiteQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("learning site")
        verbose_name_plural = _("learning sites")
        indexes = [models.Index(fields=["area", "is_active"])]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=0), name="site_capacity_nonnegative"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="site_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    @property
    def address(self) -> str:
        return bilingual(self.address_zh, self.address_en)


class StaffRole(models.Model):
    """A user's role at an organization; it grants actions within that organization's scope."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=StaffRoleKind.choices)
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="staffrole_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"
