"""Django admin: operators see, pause (status) and delete viewers' subscriptions. The grant
and the secrets' hashes are never editable; the hashes are not even shown."""

from django.contrib import admin

from subscriptions.models import Subscription, UnsubscribeLink


class UnsubscribeLinkInline(admin.TabularInline):
    """When each e-mail's unsubscribe link was minted; never its hash."""

    model = UnsubscribeLink
    extra = 0
    can_delete = False
    fields = readonly_fields = ["created_at"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    inlines = [UnsubscribeLinkInline]
    list_display = [
        "id", "organization", "kind", "email", "tenant_id", "dashboard_id", "status",
        "created_at", "confirmed_at", "last_sent_at",
    ]  # fmt: skip
    list_filter = ["kind", "status", "frequency"]
    search_fields = ["id", "email", "tenant_id", "dashboard_id", "organization__name"]
    fields = [
        "id", "organization", "kind", "status", "email", "dashboard_id", "tenant_id",
        "frequency", "widget_id", "operator", "threshold_value", "window", "alert_rule_id",
        "grant", "viewer_user", "session_jti", "link_url", "skipped_reason",
        "created_at", "confirmed_at", "last_sent_at",
    ]  # fmt: skip
    readonly_fields = [name for name in fields if name != "status"]

    def has_add_permission(self, request: object) -> bool:
        return False  # only a viewer subscribes (and confirms) an address
