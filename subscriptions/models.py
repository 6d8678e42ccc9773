"""A viewer's subscription to a digest of a dashboard or to a threshold alert on one widget,
and the single-purpose links of its e-mails.

`grant` is what the embed session that created the subscription allowed, copied from its
signed token at creation (tenant, locked filters, hidden widgets, single widget, periods, time
zone, locale, theme, viewer, session id): every run is evaluated under it, never under the
operator's access, and it never changes afterwards. `dashboard_id` is a plain id like an alert
rule's: a deleted dashboard leaves the subscription skipped with a reason, not silently gone.

Secrets are stored as SHA-256 hashes only: the confirmation token (one per subscription, sent
once) and the unsubscribe tokens (`UnsubscribeLink`, a fresh one in every e-mail, so the raw
value of each exists only in the e-mail that carries it).
"""

from django.db import models
from django.utils import timezone

from accounts.models import Organization
from core.ids import new_id
from core.limits import MAX_TENANT_ID_LENGTH


def _subscription_id() -> str:
    return new_id("sub")


class Kind(models.TextChoices):
    DIGEST = "digest", "Digest"
    ALERT = "alert", "Alert"


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


# The period a digest shows: the day or the week it summarises.
DIGEST_PERIODS: dict[str, str] = {Frequency.DAILY: "24h", Frequency.WEEKLY: "7d"}


class Status(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


class Subscription(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=_subscription_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="subscriptions"
    )
    dashboard_id = models.CharField(max_length=32)
    tenant_id = models.CharField(max_length=MAX_TENANT_ID_LENGTH)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    email = models.EmailField(max_length=254)
    frequency = models.CharField(max_length=8, choices=Frequency.choices, blank=True)  # digests
    # Alerts: the widget and the condition, in the alert rules' vocabulary (alerts.conditions).
    widget_id = models.CharField(max_length=64, blank=True)
    operator = models.CharField(max_length=4, blank=True)
    threshold_value = models.FloatField(null=True, blank=True)
    window = models.CharField(max_length=8, blank=True)
    # The alert rule that evaluates an alert subscription once it is confirmed (alerts app).
    alert_rule_id = models.CharField(max_length=32, blank=True, db_index=True)
    grant = models.JSONField()  # see the module docstring; never edited
    viewer_user = models.CharField(max_length=200, blank=True)  # the session's `user`
    session_jti = models.CharField(max_length=64)
    link_url = models.URLField(max_length=2000, blank=True)  # back to the customer's app
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    confirm_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Why the last run sent nothing (widget gone, dashboard unpublished); empty when it sent.
    skipped_reason = models.CharField(max_length=300, blank=True)
    last_due = models.CharField(max_length=16, blank=True)  # the digest slot last sent
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "tenant_id", "status"]),
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["kind", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id} ({self.status})"


class UnsubscribeLink(models.Model):
    """One unsubscribe token, minted for one e-mail: its hash, never its value."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="unsubscribe_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"unsubscribe link of {self.subscription_id}"
