from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    """Viewer subscriptions: digests and threshold alerts that a viewer sets from an embed,
    evaluated under the grant of the session that created them."""

    name = "subscriptions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The alerts delivery machinery sends subscribers' e-mails; these compose them.
        from alerts.delivery import email_composer_register
        from subscriptions.emails import alert_email
        from subscriptions.runs import digest_email
        from subscriptions.services import ALERT_COMPOSER, DIGEST_COMPOSER

        email_composer_register(ALERT_COMPOSER, alert_email)
        email_composer_register(DIGEST_COMPOSER, digest_email)
