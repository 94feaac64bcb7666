"""Django admin of the catalog for staff: their providers' courses, classes and resources,
every save through the catalog's services (so it is checked, audited and indexed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from learningcity.catalog import services
from learningcity.catalog.models import Class, Course, Resource, Term
from learningcity.core.errors import DomainError
from learningcity.network.admin import ScopedModelAdmin
from learningcity.network.choices import Action
from learningcity.network.models import actor_scope


def _changes(form: ModelForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.changed_data}


class ServiceSavedAdmin(ScopedModelAdmin):
    """A refusal by the service (a rule the form cannot see, such as fewer seats than are
    taken) is shown as an error on the same page, and nothing is saved or logged."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Each admin names the one service that saves its model (course_update, class_update...).
    save_through_service: Callable[[HttpRequest, Any, ModelForm], None]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        try:
            self.save_through_service(request, obj, form)
        except DomainError as exc:
            details = [m for messages_ in exc.fields.values() for m in messages_]
            messages.error(request, " ".join([exc.message, *details]))
            request._lc_refused = True  # type: ignore[attr-defined]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if not getattr(request, "_lc_refused", False):
            return super().log_change(request, obj, message)
        return None

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        if getattr(request, "_lc_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


@admin.register(Term)
class TermAdmin(ScopedModelAdmin):
    """Terms are city-wide and public; staff see them, the municipal administration opens
    them through the API or the demo loader."""

    list_display = ["code", "name_zh", "name_en", "starts_on", "ends_on", "per_learner_cap"]
    search_fields = ["code", "name_zh", "name_en"]
    readonly_fields = [
        "code",
        "name_zh",
        "name_en",
        "starts_on",
        "ends_on",
        "per_learner_cap",
        "max_choices",
    ]

    def scoped(self, request: HttpRequest, action: str) -> QuerySet[Any]:
        if actor_scope(request.user, Action.VIEW).nothing:
            return Term.objects.none()
        return Term.objects.all()

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Course)
class CourseAdmin(ServiceSavedAdmin):
    list_display = ["code", "title_zh", "title_en", "provider", "category", "mode", "is_active"]
    list_filter = ["category", "mode", "audience", "is_active"]
    search_fields = ["code", "title_zh", "title_en"]
    list_select_related = ["provider"]
    fields = [
        "provider",
        "code",
        "title_zh",
        "title_en",
        "description_zh",
        "description_en",
        "category",
        "mode",
        "hours",
        "level",
        "fee",
        "audience",
        "is_active",
    ]
    readonly_fields = ["provider", "code"]

    def save_through_service(self, request: HttpRequest, obj: Any, form: ModelForm) -> None:
        services.course_update(actor=request.user, code=obj.code, changes=_changes(form))


@admin.register(Class)
class ClassAdmin(ServiceSavedAdmin):
    list_display = ["course", "term", "site", "weekday", "starts_at", "capacity", "seats_taken"]
    list_filter = ["status", "rationing", "weekday", "term"]
    search_fields = ["course__code", "course__title_zh", "course__title_en", "teacher"]
    list_select_related = ["course", "term", "site"]
    fields = [
        "course",
        "term",
        "site",
        "weekday",
        "starts_at",
        "ends_at",
        "first_session_on",
        "sessions",
        "rationing",
        "seats_taken",
        "teacher",
        "online_url",
        "status",
        "capacity",
        "applications_open_at",
        "applications_close_at",
        "group_quota",
        "completion_min_attendance",
    ]
    readonly_fields = [
        "course",
        "term",
        "site",
        "weekday",
        "starts_at",
        "ends_at",
        "first_session_on",
        "sessions",
        "rationing",
        "seats_taken",
    ]

    def save_through_service(self, request: HttpRequest, obj: Any, form: ModelForm) -> None:
        services.class_update(actor=request.user, public_id=obj.public_id, changes=_changes(form))


@admin.register(Resource)
class ResourceAdmin(ServiceSavedAdmin):
    list_display = ["title_zh", "title_en", "provider", "kind", "category", "is_active"]
    list_filter = ["kind", "category", "is_active"]
    search_fields = ["title_zh", "title_en"]
    list_select_related = ["provider"]
    fields = [
        "provider",
        "title_zh",
        "title_en",
        "description_zh",
        "description_en",
        "kind",
        "category",
        "url",
        "duration_minutes",
        "language",
        "is_active",
    ]
    readonly_fields = ["provider"]

    def save_through_service(self, request: HttpRequest, obj: Any, form: ModelForm) -> None:
        services.resource_update(
            actor=request.user, public_id=obj.public_id, changes=_changes(form)
        )
