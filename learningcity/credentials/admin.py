"""Read-only views of issued credentials and keys: every change goes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from learningcity.credentials.models import Credential, IssuerKey, StatusList


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Credential)
class CredentialAdmin(ReadOnly):
    list_display = ["name", "kind", "issuer", "created_at", "revoked_at"]
    list_filter = ["kind"]
    search_fields = ["name", "public_id", "learner_public_id"]
    exclude = ["document"]
    readonly_fields = ["public_id", "kind", "issuer", "learner_public_id", "name", "source"]


@admin.register(IssuerKey)
class IssuerKeyAdmin(ReadOnly):
    list_display = ["public_key_multibase", "organization", "active", "created_at", "retired_at"]
    exclude = ["private_key_encrypted"]


@admin.register(StatusList)
class StatusListAdmin(ReadOnly):
    list_display = ["organization", "number", "next_index", "updated_at"]
    exclude = ["bits", "document"]
