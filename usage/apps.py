from django.apps import AppConfig


class UsageConfig(AppConfig):
    """Embed usage analytics: page views, data requests and exports, recorded into the
    warehouse's internal usage stream (never the customer's own event table)."""

    name = "usage"
    default_auto_field = "django.db.models.BigAutoField"
