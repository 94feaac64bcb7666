"""Read-only admin views of the credit bank, in the viewer's scope.

Nothing changes here: records, decisions and the ledger move only through the services
(pages, API, import command), so every change keeps its rules, its audit row and its key."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from learningcity.creditbank.models import Account, LearningRecord, Posting
from learningcity.network.admin import ScopedModelAdmin


class _ReadOnly(ScopedModelAdmin):
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(_ReadOnly):
    list_display = ["number", "learner", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["learner"]
    search_fields = ["number"]
    show_full_result_count = False
    fields = readonly_fields = ("number", "learner", "status", "merged_into", "created_at")


@admin.register(LearningRecord)
class LearningRecordAdmin(_ReadOnly):
    list_display = ["title", "account", "provider", "category", "status", "credits", "completed_on"]
    list_filter = ["status", "category", "channel"]
    list_select_related = ["account", "provider"]
    search_fields = ["external_id", "account__number"]
    show_full_result_count = False
    fields = readonly_fields = (
        "public_id",
        "account",
        "provider",
        "category",
        "title",
        "course_code",
        "certificate_code",
        "passed",
        "score",
        "hours",
        "attendance_rate",
        "completed_on",
        "status",
        "channel",
        "external_id",
        "credits",
        "recognition_note",
        "decided_by",
        "decided_at",
        "decision_reason",
    )


@admin.register(Posting)
class PostingAdmin(_ReadOnly):
    list_display = ["id", "account", "kind", "category", "level", "credits", "created_at"]
    list_filter = ["kind", "category"]
    list_select_related = ["account"]
    search_fields = ["account__number", "idempotency_key"]
    show_full_result_count = False
    fields = readonly_fields = (
        "account",
        "record",
        "kind",
        "category",
        "level",
        "credits",
        "standard_version",
        "institution",
        "year",
        "term",
        "reverses",
        "actor",
        "reason",
        "idempotency_key",
        "created_at",
    )
