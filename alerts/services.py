"""Writes for alert rules: create, update, delete, disable, test, and history retention.

Rules always target the PUBLISHED version of a dashboard (what customers see). Input shape is
checked by the API serializers; this module checks what needs the database: the dashboard
belongs to the organization, is published and has the widget, and the rule can notify someone.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from alerts.delivery import deliveries_create_for_test, delivery_attempt
from alerts.models import AlertDelivery, AlertEvaluation, AlertRule, AlertState
from alerts.targets import TargetGone, TargetResolver
from core.errors import Conflict, InvalidInput
from core.periods import ALERT_WINDOWS

HISTORY_KEPT = timedelta(days=30)  # evaluations (transitions, errors) and deliveries
EDITABLE_FIELDS = frozenset(
    {
        "name",
        "dashboard_id",
        "widget_id",
        "condition_type",
        "operator",
        "threshold_value",
        "webhook_url",
        "email_to",
        "enabled",
        "tenant_id",
        "window",
        "renotify_minutes",
    }
)
# Changing what is measured makes the remembered per-tenant states meaningless.
STATE_RESET_FIELDS = frozenset({"dashboard_id", "widget_id", "tenant_id", "window"})


def alert_rule_create(
    *,
    organization: Organization,
    grant: dict[str, Any] | None = None,
    email_composer: str = "",
    **fields: Any,
) -> AlertRule:
    """An operator's rule, or with `grant` a viewer's (a subscription's): evaluated for the
    grant's tenant alone, under its locked filters, on a widget the grant can see."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not alert rule fields: {sorted(unknown)}")
    if grant is not None:
        fields["tenant_id"] = grant["tenant_id"]  # a grant is one tenant, always
    rule = AlertRule(
        organization=organization, grant=grant, email_composer=email_composer, **fields
    )
    _check_rule(rule, check_target=True)
    rule.save()
    return rule


def alert_rule_update(*, rule: AlertRule, **changes: Any) -> AlertRule:
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not alert rule fields: {sorted(unknown)}")
    if rule.grant is not None and "tenant_id" in changes:
        raise ValueError("A viewer's rule stays on its grant's tenant.")
    changed = {name for name, value in changes.items() if getattr(rule, name) != value}
    was_enabled = rule.enabled
    for name, value in changes.items():
        setattr(rule, name, value)
    enabling = rule.enabled and not was_enabled
    _check_rule(rule, check_target=enabling or bool(changed & {"dashboard_id", "widget_id"}))
    if enabling:
        rule.disabled_reason = ""
    rule.updated_at = timezone.now()
    with transaction.atomic():
        rule.save()
        if changed & STATE_RESET_FIELDS or not rule.enabled:
            AlertState.objects.filter(rule=rule).delete()
    return rule


def alert_rule_delete(*, rule: AlertRule) -> None:
    rule.delete()


def alert_rule_delete_by_id(*, rule_id: str) -> None:
    """For the app that owns a viewer's rule (subscriptions), which holds only its id."""
    AlertRule.objects.filter(pk=rule_id).delete()


def alert_rule_set_enabled(*, rule_id: str, enabled: bool) -> None:
    """Pause or resume a rule by id; resuming checks its widget again (an error if gone)."""
    rule = AlertRule.objects.filter(pk=rule_id).first()
    if rule is not None:
        alert_rule_update(rule=rule, enabled=enabled)


def alert_rule_disable(*, rule: AlertRule, reason: str) -> None:
    """Turned off by the evaluator: the reason is shown in the API and the console. States are
    forgotten, so enabling the rule again starts from ok and notifies if the condition holds."""
    with transaction.atomic():
        AlertRule.objects.filter(pk=rule.pk).update(
            enabled=False, disabled_reason=reason[:300], updated_at=timezone.now()
        )
        AlertState.objects.filter(rule=rule).delete()
    rule.enabled, rule.disabled_reason = False, reason[:300]


def alert_rule_test(*, rule: AlertRule) -> list[AlertDelivery]:
    """Sends a test notification on every channel now, one attempt each, and returns the
    deliveries with their recorded attempt (so the caller sees a failing receiver at once)."""
    deliveries = deliveries_create_for_test(rule=rule)
    for delivery in deliveries:
        delivery_attempt(delivery_id=delivery.pk, max_attempts=1)
    return list(
        AlertDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).prefetch_related("attempts")
    )


def alert_history_prune(*, now: datetime) -> None:
    AlertEvaluation.objects.filter(evaluated_at__lt=now - HISTORY_KEPT).delete()
    AlertDelivery.objects.filter(created_at__lt=now - HISTORY_KEPT).delete()


def _check_rule(rule: AlertRule, *, check_target: bool) -> None:
    details = []
    if not rule.webhook_url and not rule.email_to:
        message = "An alert needs a webhook_url or at least one email_to address."
        details += [
            {"field": "webhook_url", "message": message},
            {"field": "email_to", "message": message},
        ]
    if rule.window and rule.window not in ALERT_WINDOWS:
        details.append(
            {"field": "window", "message": f"Must be one of: {', '.join(ALERT_WINDOWS)}."}
        )
    if details:
        raise InvalidInput("The alert is invalid.", details=details)
    if check_target:
        _check_target(rule)


def _check_target(rule: AlertRule) -> None:
    resolver = TargetResolver(organization_id=rule.organization_id)
    try:
        resolver.resolve(
            organization_id=rule.organization_id,
            dashboard_id=rule.dashboard_id,
            widget_id=rule.widget_id,
            grant=rule.grant,
        )
    except TargetGone as gone:
        if gone.code == "dashboard_not_published":
            raise Conflict(
                "Alerts watch the published dashboard; publish it first.",
                code="dashboard_not_published",
                details=[{"field": "dashboard_id", "message": gone.reason}],
            ) from None
        widget_codes = ("widget_not_found", "widget_not_visible")
        field = "widget_id" if gone.code in widget_codes else "dashboard_id"
        message = "No dashboard with this id." if field == "dashboard_id" else gone.reason
        raise InvalidInput(
            "The alert is invalid.", details=[{"field": field, "message": message}]
        ) from None
