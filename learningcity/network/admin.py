"""Django admin for staff, every list and object restricted to the viewer's subtree.

Permissions come from StaffRole, not Django's model permissions, and every save goes through
the app's service function, so the admin can do nothing the API could not.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from learningcity.network import services
from learningcity.network.choices import Action
from learningcity.network.models import Area, LearningSite, Organization, StaffRole, actor_scope


class ScopedModelAdmin(admin.ModelAdmin):
    """Base for every staff-facing admin: querysets via `restrict`, saves via services."""

    def scoped(self, request: HttpRequest, action: str) -> QuerySet[Any]:
        return self.model._default_manager.restrict(request.user, action)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scoped(request, Action.VIEW)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return (
            bool(request.user.is_active and request.user.is_staff)
            and not actor_scope(request.user, Action.VIEW).nothing
        )

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return self.scoped(request, Action.VIEW).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if not request.user.is_staff:
            return False
        if obj is None:
            return not actor_scope(request.user, Action.CHANGE).nothing
        return self.scoped(request, Action.CHANGE).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created through the API and the import services, which validate fully

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # nothing in the network is deleted; organizations are closed instead


@admin.register(Area)
class AreaAdmin(ScopedModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "population"]
    list_filter = ["level"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = [
        "code",
        "level",
        "parent",
        "name_zh",
        "name_en",
        "population",
        "population_over_65",
        "population_non_local",
    ]
    list_select_related = ["parent"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # geography changes by migration of official codes, not by hand


@admin.register(Organization)
class OrganizationAdmin(ScopedModelAdmin):
    list_display = ["code", "name_zh", "name_en", "kind", "area", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["area"]
    fields = ["code", "kind", "area", "parent", "name_zh", "name_en", "phone", "website", "status"]
    readonly_fields = ["code", "kind", "area", "parent"]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        services.organization_update(
            actor=request.user,
            code=obj.code,
            changes={f: form.cleaned_data[f] for f in form.changed_data},
        )


@admin.register(LearningSite)
class LearningSiteAdmin(ScopedModelAdmin):
    list_display = ["name_zh", "organization", "area", "capacity", "step_free", "is_active"]
    list_filter = ["step_free", "accessible_toilet", "hearing_loop", "is_active"]
    search_fields = ["name_zh", "name_en", "address_zh"]
    list_select_related = ["organization", "area"]
    fields = [
        "organization",
        "area",
        "name_zh",
        "name_en",
        "address_zh",
        "address_en",
        "latitude",
        "longitude",
        "rooms",
        "capacity",
        "step_free",
        "accessible_toilet",
        "hearing_loop",
        "is_active",
    ]
    readonly_fields = ["organization", "area"]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        services.site_update(
            actor=request.user,
            public_id=obj.public_id,
            changes={f: form.cleaned_data[f] for f in form.changed_data},
        )


@admin.register(StaffRole)
class StaffRoleAdmin(ScopedModelAdmin):
    list_display = ["user", "organization", "role", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "organization__code", "organization__name_zh"]
    list_select_related = ["user", "organization"]
    readonly_fields = ["user", "organization", "role", "granted_at", "granted_by"]

    def scoped(self, request: HttpRequest, action: str) -> QuerySet[Any]:
        orgs = Organization.objects.restrict(request.user, Action.MANAGE_STAFF)
        return StaffRole.objects.filter(organization__in=orgs)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
