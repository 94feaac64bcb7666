"""Admin for the municipal office: population figures (saved through the service, audited)
and the blueprints (read here; adopted through the service). Other staff see nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from learningcity.monitoring import selectors, services
from learningcity.monitoring.models import Blueprint, Population


class _MunicipalAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff) and selectors.is_municipal(
            viewer=request.user
        )

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Population)
class PopulationAdmin(_MunicipalAdmin):
    list_display = ["area", "year", "dimension", "dimension_value", "count"]
    list_filter = ["year", "dimension"]
    list_select_related = ["area"]
    search_fields = ["area__code", "area__name_zh", "area__name_en"]
    fields = ["area", "year", "dimension", "dimension_value", "count"]
    raw_id_fields = ["area"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        saved = services.population_set(
            actor=request.user,
            area=obj.area,
            year=obj.year,
            count=obj.count,
            dimension=obj.dimension,
            dimension_value=obj.dimension_value,
        )
        obj.pk = saved.pk


@admin.register(Blueprint)
class BlueprintAdmin(_MunicipalAdmin):
    list_display = ["code", "name_zh", "starts_year", "ends_year"]
    readonly_fields = ["code", "name_zh", "name_en", "starts_year", "ends_year"]
