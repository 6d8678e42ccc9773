"""Input serializers (one per operation) and the output shapes of the alerts API."""

import math
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from alerts.inputs import MAX_RENOTIFY_MINUTES, parse_email_list
from alerts.models import (
    AlertDelivery,
    AlertDeliveryAttempt,
    AlertEvaluation,
    AlertRule,
    AlertState,
    ConditionType,
    Operator,
)
from alerts.webhooks import validate_webhook_target
from core.limits import MAX_TENANT_ID_LENGTH
from core.periods import ALERT_WINDOWS
from interface.serializers import StrictSerializer


@extend_schema_field(OpenApiTypes.NUMBER)
class StrictNumberField(serializers.Field):
    """A JSON number, finite. "12" (a string), true, NaN are refused, not coerced."""

    default_error_messages = {"invalid": "Must be a number."}

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, (int, float)) or not math.isfinite(data):
            self.fail("invalid")
        return float(data)

    def to_representation(self, value: float) -> float:
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": {"type": "string", "format": "email"}},
            {"type": "string", "description": "Comma-separated addresses."},
        ]
    }
)
class EmailListField(serializers.Field):
    """A list of addresses, or one comma-separated string of them; stored as a list."""

    def to_internal_value(self, data: Any) -> list[str]:
        try:
            return parse_email_list(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def to_representation(self, value: list[str]) -> list[str]:
        return value


class WebhookUrlField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=2000, allow_blank=True, allow_null=True, trim_whitespace=True, **kwargs
        )

    def to_internal_value(self, data: Any) -> str:
        url = super().to_internal_value(data) if data is not None else ""
        problem = validate_webhook_target(url) if url else None
        if problem:
            raise serializers.ValidationError(problem)
        return url


class AlertRuleCreateInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    dashboard_id = serializers.CharField(max_length=32)
    widget_id = serializers.CharField(max_length=64)
    condition_type = serializers.ChoiceField(
        choices=ConditionType.choices, default=ConditionType.THRESHOLD
    )
    operator = serializers.ChoiceField(choices=Operator.choices)
    threshold_value = StrictNumberField()
    webhook_url = WebhookUrlField(required=False)
    email_to = EmailListField(required=False)
    enabled = serializers.BooleanField(default=True)
    tenant_id = serializers.CharField(
        max_length=MAX_TENANT_ID_LENGTH, required=False, allow_blank=True, allow_null=True
    )
    window = serializers.ChoiceField(
        choices=list(ALERT_WINDOWS), required=False, allow_blank=True, allow_null=True
    )
    renotify_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_RENOTIFY_MINUTES, required=False, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # None and "" both mean "not set" for the optional text fields; the model stores "".
        for name in ("webhook_url", "tenant_id", "window"):
            if name in attrs and attrs[name] is None:
                attrs[name] = ""
        return attrs


class AlertRuleUpdateInput(AlertRuleCreateInput):
    """PATCH: the same fields, all optional (used with partial=True)."""


def rule_to_dict(rule: AlertRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "dashboard_id": rule.dashboard_id,
        "widget_id": rule.widget_id,
        "condition_type": rule.condition_type,
        "operator": rule.operator,
        "threshold_value": rule.threshold_value,
        "webhook_url": rule.webhook_url or None,
        "email_to": list(rule.email_to),
        "enabled": rule.enabled,
        "disabled_reason": rule.disabled_reason or None,
        "tenant_id": rule.tenant_id or None,
        "window": rule.window or None,
        "renotify_minutes": rule.renotify_minutes,
        "firing_count": getattr(rule, "firing_count", None),
        "last_evaluated_at": rule.last_evaluated_at,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def state_to_dict(state: AlertState) -> dict[str, Any]:
    return {
        "tenant_id": state.tenant_id,
        "state": state.status,
        "value": state.value,
        "changed_at": state.changed_at,
        "last_notified_at": state.last_notified_at,
    }


def attempt_to_dict(attempt: AlertDeliveryAttempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "started_at": attempt.started_at,
        "succeeded": attempt.succeeded,
        "status_code": attempt.status_code,
        "error": attempt.error or None,
        "duration_ms": round(attempt.duration_ms, 1),
    }


def delivery_to_dict(delivery: AlertDelivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "channel": delivery.channel,
        "target": delivery.target,
        "tenant_id": delivery.tenant_id or None,
        "state": delivery.payload.get("state"),
        "test": delivery.is_test,
        "status": delivery.status,
        "created_at": delivery.created_at,
        "sent_at": delivery.sent_at,
        "attempts": [attempt_to_dict(a) for a in delivery.attempts.all()],
    }


def evaluation_to_dict(evaluation: AlertEvaluation) -> dict[str, Any]:
    return {
        "evaluated_at": evaluation.evaluated_at,
        "window": {"from": evaluation.window_start, "to": evaluation.window_end},
        "tenants_evaluated": evaluation.tenants_evaluated,
        "firing_count": evaluation.firing_count,
        "transitions": evaluation.transitions,
        "error": evaluation.error or None,
        "duration_ms": round(evaluation.duration_ms, 1),
        "deliveries": [delivery_to_dict(d) for d in evaluation.deliveries.all()],
    }


# --- Output shapes, for the OpenAPI document (the *_to_dict functions above produce them) ----


class AlertRuleOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    dashboard_id = serializers.CharField()
    widget_id = serializers.CharField()
    condition_type = serializers.ChoiceField(choices=ConditionType.choices)
    operator = serializers.ChoiceField(choices=Operator.choices)
    threshold_value = serializers.FloatField()
    webhook_url = serializers.CharField(allow_null=True)
    email_to = serializers.ListField(child=serializers.EmailField())
    enabled = serializers.BooleanField()
    disabled_reason = serializers.CharField(allow_null=True)
    tenant_id = serializers.CharField(allow_null=True)
    window = serializers.CharField(allow_null=True)
    renotify_minutes = serializers.IntegerField(allow_null=True)
    firing_count = serializers.IntegerField(allow_null=True)
    last_evaluated_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class AlertStateOutput(serializers.Serializer):
    tenant_id = serializers.CharField()
    state = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    changed_at = serializers.DateTimeField(allow_null=True)
    last_notified_at = serializers.DateTimeField(allow_null=True)


class AlertRuleDetailOutput(AlertRuleOutput):
    states = AlertStateOutput(many=True)


class AttemptOutput(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    succeeded = serializers.BooleanField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    duration_ms = serializers.FloatField()


class DeliveryOutput(serializers.Serializer):
    id = serializers.CharField()
    channel = serializers.CharField()
    target = serializers.CharField()
    tenant_id = serializers.CharField(allow_null=True)
    state = serializers.CharField(allow_null=True)
    test = serializers.BooleanField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    attempts = AttemptOutput(many=True)


class DeliveriesOutput(serializers.Serializer):
    deliveries = DeliveryOutput(many=True)


class WindowOutput(serializers.Serializer):
    to = serializers.DateTimeField(allow_null=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField(allow_null=True)  # a Python keyword
        return fields


class EvaluationOutput(serializers.Serializer):
    evaluated_at = serializers.DateTimeField()
    window = WindowOutput()
    tenants_evaluated = serializers.IntegerField()
    firing_count = serializers.IntegerField()
    transitions = serializers.JSONField()
    error = serializers.CharField(allow_null=True)
    duration_ms = serializers.FloatField()
    deliveries = DeliveryOutput(many=True)
