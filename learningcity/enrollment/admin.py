"""Read-only admin views of applications and draws, in the viewer's scope.

Nothing changes here: applications move only through the services (the resident's pages, the
staff pages, the API), so every change keeps its rules, its audit row and its idempotency."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from learningcity.enrollment.models import Application, Draw
from learningcity.network.admin import ScopedModelAdmin
from learningcity.network.choices import Action
from learningcity.network.models import actor_scope


class _ReadOnly(ScopedModelAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(_ReadOnly):
    list_display = ["public_id", "learner", "klass", "term", "rank", "status", "tier", "created_at"]
    list_filter = ["status", "tier", "in_target_group"]
    list_select_related = ["learner", "klass__course", "term"]
    search_fields = ["public_id"]
    show_full_result_count = False  # a term holds hundreds of thousands; do not count them all
    readonly_fields = (
        "public_id",
        "learner",
        "klass",
        "term",
        "rank",
        "status",
        "tier",
        "in_target_group",
        "waitlist_position",
        "offer_expires_at",
        "decided_at",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields


@admin.register(Draw)
class DrawAdmin(_ReadOnly):
    """A term's draw is public once made (the commitment first, the seed at the draw), so any
    staff member may read it; the encrypted seed is never shown."""

    list_display = ["term", "status", "applications", "drawn_at", "commitment"]
    list_filter = ["status"]
    list_select_related = ["term"]
    readonly_fields = (
        "term",
        "algorithm",
        "status",
        "commitment",
        "seed",
        "cap",
        "seats",
        "applications",
        "inputs_digest",
        "results_digest",
        "drawn_at",
        "drawn_by",
        "seconds",
        "created_at",
    )
    fields = readonly_fields

    def scoped(self, request: HttpRequest, action: str) -> QuerySet[Any]:
        if actor_scope(request.user, Action.VIEW).nothing:
            return Draw.objects.none()
        return Draw.objects.all()
