"""Monitoring: population denominators, the pre-aggregated indicators and the blueprint.

Monitoring reads every other app and writes none of their tables. Its working table
`AreaRollup` and `Aggregate` are rebuilt as a whole by the refresh service;
`Population`, `Blueprint`, `Objective` and `Target` are kept by the municipal office."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learningcity.core.models import TimeStampedModel, bilingual
from learningcity.monitoring.choices import Dimension, Indicator


class Population(models.Model):
    """Residents of an area in a year, in all or in one group (an age band, a household
    registration, a target group): the denominators of the rates."""

    area = models.ForeignKey(
        "network.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    dimension = models.CharField(
        _("dimension"), max_length=16, choices=Dimension.choices, default=Dimension.ALL
    )
    dimension_value = models.CharField(_("group"), max_length=16, blank=True, default="")
    count = models.PositiveIntegerField(_("residents"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["area_id", "year", "dimension", "dimension_value"]
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year", "dimension", "dimension_value"],
                name="population_once_per_group",
            ),
            models.CheckConstraint(
                condition=Q(dimension=Dimension.ALL, dimension_value="")
                | (~Q(dimension=Dimension.ALL) & ~Q(dimension_value="")),
                name="population_group_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year} {self.dimension}:{self.dimension_value}={self.count}"


class AreaRollup(models.Model):
    """Which district and town each area lies in, so the refresh joins integers instead of
    matching path prefixes. Rebuilt by every refresh."""

    area = models.OneToOneField(
        "network.Area", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    district = models.ForeignKey(
        "network.Area", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    town = models.ForeignKey(
        "network.Area", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    def __str__(self) -> str:
        return f"{self.area_id} → {self.district_id}/{self.town_id}"


class Aggregate(models.Model):
    """One pre-computed figure of an indicator: a period (year), an area (the city, a
    district or a town), a breakdown (dimension and its value), the numerator, the
    denominator and the value. Dashboards and open data read only these rows."""

    indicator = models.CharField(_("indicator"), max_length=32, choices=Indicator.choices)
    period = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey(
        "network.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("area")
    )
    area_level = models.CharField(max_length=16)
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    dimension_value = models.CharField(_("group"), max_length=16, blank=True, default="")
    numerator = models.DecimalField(max_digits=18, decimal_places=2)
    denominator = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["indicator", "period", "area_id", "dimension", "dimension_value"]
        verbose_name = _("indicator figure")
        verbose_name_plural = _("indicator figures")
        indexes = [models.Index(fields=["indicator", "area_level", "period"])]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period", "area", "dimension", "dimension_value"],
                name="aggregate_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.period} {self.area_id} {self.dimension_value}={self.value}"


class Blueprint(TimeStampedModel):
    """A multi-year plan of the learning city (e.g. 2024–2030): objectives and, per
    indicator and year, the target values progress is measured against."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    starts_year = models.PositiveSmallIntegerField(_("first year"))
    ends_year = models.PositiveSmallIntegerField(_("last year"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_year", "code"]
        verbose_name = _("blueprint")
        verbose_name_plural = _("blueprints")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_year__gte=models.F("starts_year")), name="blueprint_years"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


class Objective(models.Model):
    """One objective of a blueprint, measured by the targets under it."""

    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="objectives")
    number = models.PositiveSmallIntegerField(_("number"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)

    class Meta:
        ordering = ["blueprint_id", "number"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        constraints = [
            models.UniqueConstraint(fields=["blueprint", "number"], name="objective_number_once")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return bilingual(self.title_zh, self.title_en)


class Target(models.Model):
    """The value an indicator (city-wide, all residents) should reach in a year."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(_("indicator"), max_length=32, choices=Indicator.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["objective_id", "indicator", "year"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "indicator", "year"], name="target_once_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year} ≥ {self.value}"
