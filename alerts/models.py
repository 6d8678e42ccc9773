"""Alert rules on a published dashboard widget, their per-tenant state, and what happened.

`AlertRule.dashboard_id` is a plain id, not a foreign key: deleting a dashboard must not delete
its alerts silently; the evaluator disables them with a reason the operator can read instead.
"""

from django.db import models
from django.utils import timezone

from accounts.models import Organization
from core.ids import new_id
from core.limits import MAX_TENANT_ID_LENGTH


def _rule_id() -> str:
    return new_id("alrt")


def _delivery_id() -> str:
    return new_id("adel")


class Operator(models.TextChoices):
    GT = "gt", "greater than"
    GTE = "gte", "greater than or equal to"
    LT = "lt", "less than"
    LTE = "lte", "less than or equal to"
    EQ = "eq", "equal to"


class ConditionType(models.TextChoices):
    THRESHOLD = "threshold", "Threshold"


class AlertRule(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=_rule_id, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="alert_rules"
    )
    name = models.CharField(max_length=200)
    dashboard_id = models.CharField(max_length=32, db_index=True)
    widget_id = models.CharField(max_length=64)
    condition_type = models.CharField(
        max_length=16, choices=ConditionType.choices, default=ConditionType.THRESHOLD
    )
    operator = models.CharField(max_length=4, choices=Operator.choices)
    threshold_value = models.FloatField()
    webhook_url = models.URLField(max_length=2000, blank=True)
    email_to = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)
    # Why the evaluator turned the rule off (widget removed, dashboard unpublished); or empty.
    disabled_reason = models.CharField(max_length=300, blank=True)
    tenant_id = models.CharField(
        max_length=MAX_TENANT_ID_LENGTH, blank=True
    )  # empty: every tenant, separately
    window = models.CharField(max_length=8, blank=True)  # empty: the dashboard's default period
    renotify_minutes = models.PositiveIntegerField(
        null=True, blank=True
    )  # None: notify once per firing
    # A viewer's rule (a subscription): {"tenant_id", "locked_filters", "hidden_widgets",
    # "widget_id"} of the embed session that made it. Only that tenant is evaluated, the locked
    # filters narrow the scan, and a widget the grant cannot see is never evaluated. None: an
    # operator's rule, with the organization's access.
    grant = models.JSONField(null=True, blank=True, editable=False)
    # Who writes the rule's e-mails: "" the built-in notification, else a composer registered
    # with alerts.delivery (a subscriber's e-mail carries its own unsubscribe link).
    email_composer = models.CharField(max_length=40, blank=True, editable=False)
    # floor(unix time / 60) of the last tick that evaluated this rule: a tick runs a rule once.
    last_tick = models.BigIntegerField(null=True, blank=True, editable=False)
    last_evaluated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class AlertStatus(models.TextChoices):
    OK = "ok", "OK"
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class AlertState(models.Model):
    """Where one tenant stands for one rule. A tenant without a row is ok: rows exist for the
    tenants that left ok, and - for rules where "no events" meets the threshold (`count < 5`) -
    for every tenant the rule has seen, so one that stops sending is still caught (alerts.states).
    """

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="states")
    tenant_id = models.CharField(max_length=MAX_TENANT_ID_LENGTH)
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default=AlertStatus.OK)
    value = models.FloatField(null=True, blank=True)
    # A new id on every notified transition (and re-notification): the delivery idempotency key.
    transition_id = models.CharField(max_length=32, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    last_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "tenant_id"], name="one_state_per_rule_tenant")
        ]
        ordering = ["tenant_id"]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.tenant_id}: {self.status}"


class AlertEvaluation(models.Model):
    """A tick's check of one rule that changed something or failed: which tenants changed
    state, or the warehouse's error. A quiet check writes no row; it only moves the rule's
    `last_evaluated_at` (alerts.evaluation)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="evaluations")
    tick = models.BigIntegerField()
    evaluated_at = models.DateTimeField(default=timezone.now)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    tenants_evaluated = models.PositiveIntegerField(default=0)
    firing_count = models.PositiveIntegerField(default=0)
    transitions = models.JSONField(default=list, blank=True)  # [{tenant_id, from, to, value}]
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-evaluated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "tick"], name="one_evaluation_per_rule_tick")
        ]
        indexes = [
            models.Index(fields=["rule", "-evaluated_at"]),
            models.Index(fields=["evaluated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} tick {self.tick}"


class Channel(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    EMAIL = "email", "E-mail"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class AlertDelivery(models.Model):
    """One notification on one channel. `idempotency_key` is (rule, tenant, transition, channel):
    however often a task is retried or re-queued, the notification is sent at most once.
    A delivery without a rule is an e-mail another app composes (`composer`, e.g. a viewer's
    digest), sent and retried by the same machinery."""

    id = models.CharField(primary_key=True, max_length=32, default=_delivery_id, editable=False)
    rule = models.ForeignKey(
        AlertRule, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    composer = models.CharField(max_length=40, blank=True)  # "": the built-in notification
    evaluation = models.ForeignKey(
        AlertEvaluation, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    tenant_id = models.CharField(max_length=MAX_TENANT_ID_LENGTH, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    target = models.CharField(max_length=2000)  # the URL, or the comma-joined addresses
    payload = models.JSONField()  # exactly what is sent (the webhook body; the e-mail's facts)
    is_test = models.BooleanField(default=False)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["rule", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.channel} {self.status}"


class AlertDeliveryAttempt(models.Model):
    delivery = models.ForeignKey(AlertDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.FloatField(default=0.0)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="one_attempt_number_per_delivery"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} attempt {self.number}"
