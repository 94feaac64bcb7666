from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from learningcity.accounts.models import ApiToken, User


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Accounts and tokens are managed by superusers; scoped staff never see them here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(User)
class LearningCityUserAdmin(SuperuserOnlyAdmin, UserAdmin):
    list_display = ["username", "display_name", "is_staff", "is_active", "last_login"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Learning city", {"fields": ("display_name", "preferred_language")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(SuperuserOnlyAdmin):
    list_display = ["name", "prefix", "user", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # tokens are issued by `learningcity api-token-create`, which shows it once
