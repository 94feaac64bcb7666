"""Read-only admin views of events and registrations, in the viewer's scope.

Nothing changes here: events and registrations move only through the services (the organizer
and resident pages, the API), so every change keeps its rules and its audit row."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from learningcity.events.models import Edition, Event, Registration
from learningcity.network.admin import ScopedModelAdmin


class _ReadOnly(ScopedModelAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    """Public facts (the year's theme and dates): anyone on staff may read them."""

    list_display = ["year", "theme_zh", "theme_en", "starts_on", "ends_on"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(_ReadOnly):
    list_display = ["title_zh", "kind", "level", "district", "starts_at", "capacity", "seats_taken"]
    list_filter = ["kind", "level", "status", "edition"]
    list_select_related = ["district"]
    search_fields = ["title_zh", "title_en"]


@admin.register(Registration)
class RegistrationAdmin(_ReadOnly):
    list_display = ["public_id", "event", "status", "position", "created_at"]
    list_filter = ["status"]
    list_select_related = ["event"]
    search_fields = ["public_id"]
    show_full_result_count = False
