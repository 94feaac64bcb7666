from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from learningcity.learners import services
from learningcity.learners.choices import MembershipStatus
from learningcity.learners.models import Learner, TargetGroupMembership
from learningcity.network.admin import ScopedModelAdmin


@admin.register(Learner)
class LearnerAdmin(ScopedModelAdmin):
    """Residents of the viewer's area. The ID number is shown masked, never in full."""

    list_display = ["name", "id_number_masked", "birth_date", "residence_area", "household"]
    list_filter = ["household", "gender"]
    search_fields = ["name"]
    list_select_related = ["residence_area"]
    fields = [
        "name",
        "id_number_masked",
        "birth_date",
        "gender",
        "residence_area",
        "household",
        "phone",
        "preferred_language",
        "accessibility_needs",
    ]
    readonly_fields = ["id_number_masked", "birth_date", "gender", "residence_area"]
    show_full_result_count = False  # a district holds millions; counting them all is wasted work

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        services.learner_update(
            actor=request.user,
            public_id=obj.public_id,
            changes={f: form.cleaned_data[f] for f in form.changed_data},
        )


@admin.register(TargetGroupMembership)
class TargetGroupMembershipAdmin(ScopedModelAdmin):
    list_display = ["learner", "group", "status", "valid_from", "valid_until", "verified_by"]
    list_filter = ["group", "status"]
    list_select_related = ["learner", "verified_by"]
    readonly_fields = [
        "learner",
        "group",
        "evidence",
        "valid_from",
        "valid_until",
        "status",
        "verified_by",
        "verified_at",
    ]
    actions = ["verify", "reject"]

    def scoped(self, request: HttpRequest, action: str) -> QuerySet[Any]:
        return TargetGroupMembership.objects.filter(
            learner__in=Learner.objects.restrict(request.user, action)
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description=_("Verify the selected claims"))
    def verify(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for membership in queryset.filter(status=MembershipStatus.PENDING):
            services.membership_verify(
                actor=request.user, membership_id=membership.pk, approve=True
            )

    @admin.action(description=_("Reject the selected claims"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for membership in queryset.filter(status=MembershipStatus.PENDING):
            services.membership_verify(
                actor=request.user, membership_id=membership.pk, approve=False
            )
