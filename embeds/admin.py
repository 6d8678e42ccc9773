from django.contrib import admin
from django.http import HttpRequest

from embeds.models import AuditLogEntry


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
