from django.contrib import admin
from django.http import HttpRequest

from embeds.models import (
    AuditLogEntry,
    EmbedRevocation,
    EmbedRevocationVersion,
    EmbedSessionCode,
    EmbedSigningKey,
)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, written by the embeds services."""

    list_display = (
        "created_at",
        "organization",
        "action",
        "tenant_id",
        "dashboard_id",
        "viewer",
        "api_key_id",
        "ip",
    )
    list_filter = ("action",)
    search_fields = ("organization__id", "tenant_id", "dashboard_id", "jti", "viewer")
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(EmbedSigningKey)
class EmbedSigningKeyAdmin(admin.ModelAdmin):
    """Keys are created and retired through the API/console (rotation); the secret never shows."""

    list_display = ("id", "organization", "created_at", "retired_at")
    list_filter = (("retired_at", admin.EmptyFieldListFilter),)
    search_fields = ("id", "organization__id", "organization__name")
    exclude = ("secret",)
    readonly_fields = ("id", "organization", "created_at", "retired_at")
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(EmbedRevocation)
class EmbedRevocationAdmin(admin.ModelAdmin):
    """Read-only: a revocation is an audit fact; undoing one would silently revive tokens."""

    list_display = ("revoked_at", "organization", "kind", "target")
    list_filter = ("kind",)
    search_fields = ("organization__id", "organization__name", "target")
    ordering = ("-revoked_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(EmbedRevocationVersion)
class EmbedRevocationVersionAdmin(admin.ModelAdmin):
    """Read-only: the counter the revocation services bump (see the model)."""

    list_display = ("organization", "version")
    search_fields = ("organization__id", "organization__name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(EmbedSessionCode)
class EmbedSessionCodeAdmin(admin.ModelAdmin):
    """Single-use embed URL codes: when each expires and whether it was used. Neither the code
    (only its hash is stored) nor the token it stands for is ever shown."""

    list_display = ("organization", "dashboard_id", "expires_at", "used_at")
    search_fields = ("organization__id", "dashboard_id")
    exclude = ("token",)
    readonly_fields = ("code_hash", "organization", "dashboard_id", "expires_at", "used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
