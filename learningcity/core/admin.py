from django.contrib import admin

from learningcity.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is read-only for everyone, superusers included."""

    list_display = ["occurred_at", "action", "subject", "actor"]
    list_filter = ["action"]
    search_fields = ["subject", "action"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return bool(request.user.is_superuser)

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return bool(request.user.is_superuser)
