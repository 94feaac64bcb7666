"""Read-only admin views of the money journal and its policies, in the viewer's scope.

Nothing changes here: money moves only through the services (pages, API, enrollment), so
every change keeps its rules, its audit row and its key."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from learningcity.funding.models import (
    Budget,
    Contract,
    EntitlementScheme,
    FraudFlag,
    JournalTransaction,
    Settlement,
    SubsidyPolicy,
    TargetGroupRule,
)
from learningcity.network.choices import Action


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(TargetGroupRule)
class TargetGroupRuleAdmin(_ReadOnly):
    list_display = ["group", "rule_zh", "derived", "validity_months"]


@admin.register(SubsidyPolicy)
class SubsidyPolicyAdmin(_ReadOnly):
    list_display = ["code", "name_zh", "benefit", "valid_from", "valid_until", "is_active"]
    list_filter = ["benefit", "is_active"]


@admin.register(EntitlementScheme)
class EntitlementSchemeAdmin(_ReadOnly):
    list_display = ["code", "name_zh", "amount", "funded_by", "valid_years", "is_active"]


@admin.register(Budget)
class BudgetAdmin(_ReadOnly):
    list_display = ["fiscal_year", "level", "area", "organization"]
    list_filter = ["fiscal_year", "level"]
    list_select_related = ["area", "organization"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Budget]:
        return Budget.objects.restrict(request.user, Action.FINANCE)


@admin.register(JournalTransaction)
class JournalTransactionAdmin(_ReadOnly):
    list_display = ["created_at", "kind", "amount", "fiscal_year", "source", "reason"]
    list_filter = ["kind", "fiscal_year"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[JournalTransaction]:
        return JournalTransaction.objects.restrict(request.user, Action.FINANCE)


@admin.register(Contract)
class ContractAdmin(_ReadOnly):
    list_display = ["code", "provider", "course", "unit", "quantity", "unit_price", "status"]
    list_select_related = ["provider", "course"]


@admin.register(Settlement)
class SettlementAdmin(_ReadOnly):
    list_display = ["source", "provider", "status", "amount", "learners"]
    list_filter = ["status"]


@admin.register(FraudFlag)
class FraudFlagAdmin(_ReadOnly):
    list_display = ["kind", "settlement", "status", "reviewed_at"]
    list_filter = ["kind", "status"]
