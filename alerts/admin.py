"""Django admin: a read-mostly view for operators. Rules are edited in the console or the API,
where their dashboard and widget are validated."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from alerts.models import (
    AlertDelivery,
    AlertDeliveryAttempt,
    AlertEvaluation,
    AlertRule,
    AlertState,
    AlertStatus,
)


class AlertStateInline(admin.TabularInline):
    model = AlertState
    extra = 0
    can_delete = False
    readonly_fields = ["tenant_id", "status", "value", "changed_at", "last_notified_at"]
    exclude = ["transition_id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AlertState]:
        return super().get_queryset(request).exclude(status=AlertStatus.OK)


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "id",
        "organization",
        "dashboard_id",
        "widget_id",
        "operator",
        "threshold_value",
        "enabled",
        "last_evaluated_at",
    ]
    list_filter = ["enabled", "operator"]
    search_fields = ["name", "id", "organization__name", "organization__id", "dashboard_id"]
    fields = [
        "id",
        "organization",
        "name",
        "dashboard_id",
        "widget_id",
        "condition_type",
        "operator",
        "threshold_value",
        "window",
        "tenant_id",
        "webhook_url",
        "email_to",
        "renotify_minutes",
        "enabled",
        "disabled_reason",
        "last_tick",
        "last_evaluated_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [
        "id",
        "organization",
        "dashboard_id",
        "widget_id",
        "condition_type",
        "last_tick",
        "last_evaluated_at",
        "created_at",
        "updated_at",
        "disabled_reason",
    ]
    inlines = [AlertStateInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created through the API or the console, which validate the target


class AlertDeliveryAttemptInline(admin.TabularInline):
    model = AlertDeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "started_at", "succeeded", "status_code", "error", "duration_ms"]


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "rule",
        "channel",
        "tenant_id",
        "status",
        "is_test",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "is_test"]
    search_fields = ["id", "rule__id", "rule__name", "tenant_id"]
    readonly_fields = [f.name for f in AlertDelivery._meta.fields]
    inlines = [AlertDeliveryAttemptInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AlertEvaluation)
class AlertEvaluationAdmin(admin.ModelAdmin):
    list_display = [
        "rule",
        "evaluated_at",
        "tenants_evaluated",
        "firing_count",
        "duration_ms",
    ]
    search_fields = ["rule__id", "rule__name"]
    readonly_fields = [f.name for f in AlertEvaluation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
