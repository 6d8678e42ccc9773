from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    """Viewer subscriptions: digests and threshold alerts that a viewer sets from an embed,
    evaluated under the grant of the session that created them."""

    name = "subscriptions"
    default_auto_field = "django.db.models.BigAutoField"
