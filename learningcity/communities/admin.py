"""Read-only admin views of learning teams, learning-organization applications, nominations
and volunteer invitations, in the viewer's scope.

Nothing changes here: every change goes through the services (pages, API), so it keeps its
rules and its audit row."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from learningcity.communities.models import (
    LearningTeam,
    Nomination,
    RecognitionApplication,
    RecognitionCriterion,
    VolunteerInvitation,
)
from learningcity.network.choices import Action


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(LearningTeam)
class LearningTeamAdmin(_ReadOnly):
    list_display = ["name_zh", "topic", "area", "status", "created_at"]
    list_filter = ["status", "topic"]
    list_select_related = ["area"]
    search_fields = ["name_zh", "name_en"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LearningTeam]:
        return LearningTeam.objects.restrict(request.user, Action.VIEW)


@admin.register(RecognitionCriterion)
class RecognitionCriterionAdmin(_ReadOnly):
    list_display = ["year", "organization_type", "code", "name_zh", "max_score", "weight"]
    list_filter = ["year", "organization_type"]


@admin.register(RecognitionApplication)
class RecognitionApplicationAdmin(_ReadOnly):
    list_display = ["year", "organization_type", "name_zh", "area", "status", "total_score"]
    list_filter = ["year", "organization_type", "status"]
    list_select_related = ["area"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[RecognitionApplication]:
        return RecognitionApplication.objects.restrict(request.user, Action.VIEW)


@admin.register(Nomination)
class NominationAdmin(_ReadOnly):
    list_display = ["award", "learner", "status", "show_name", "show_story"]
    list_filter = ["status"]
    list_select_related = ["award", "learner"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Nomination]:
        return Nomination.objects.restrict(request.user, Action.VIEW)


@admin.register(VolunteerInvitation)
class VolunteerInvitationAdmin(_ReadOnly):
    list_display = ["volunteer", "subject", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["volunteer"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[VolunteerInvitation]:
        return VolunteerInvitation.objects.restrict(request.user, Action.VIEW)
