"""Reads for alert rules, their states and their history."""

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import Organization
from alerts.models import (
    AlertDelivery,
    AlertDeliveryAttempt,
    AlertEvaluation,
    AlertRule,
    AlertState,
    AlertStatus,
)
from config.errors import NotFound


def alert_rules_due(*, tick: int) -> QuerySet[AlertRule]:
    """Enabled rules of every organization not yet evaluated in this tick."""
    return (
        AlertRule.objects.filter(enabled=True)
        .filter(Q(last_tick__isnull=True) | Q(last_tick__lt=tick))
        .select_related("organization")
        .order_by("organization_id", "id")
    )


def with_firing_count(rules: QuerySet[AlertRule]) -> QuerySet[AlertRule]:
    return rules.annotate(firing_count=Count("states", filter=Q(states__status=AlertStatus.FIRING)))


def alert_rule_list(*, organization: Organization) -> QuerySet[AlertRule]:
    return with_firing_count(AlertRule.objects.filter(organization=organization)).order_by(
        "-created_at"
    )


def alert_rule_get(*, organization: Organization, rule_id: str) -> AlertRule:
    """The organization's rule; another organization's id is the same NotFound as a missing one."""
    rule = alert_rule_list(organization=organization).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("Alert not found.")
    return rule


def alert_rule_states(*, rule: AlertRule, not_ok_only: bool = True) -> QuerySet[AlertState]:
    states = AlertState.objects.filter(rule=rule)
    if not_ok_only:
        states = states.exclude(status=AlertStatus.OK)
    return states.order_by("-changed_at", "tenant_id")


def _deliveries_with_attempts(deliveries: QuerySet[AlertDelivery]) -> QuerySet[AlertDelivery]:
    return deliveries.prefetch_related(
        Prefetch("attempts", queryset=AlertDeliveryAttempt.objects.order_by("number"))
    ).order_by("-created_at", "id")


def alert_rule_evaluations(
    *, rule: AlertRule, notable_only: bool = False
) -> QuerySet[AlertEvaluation]:
    """Newest first, each with its deliveries and their attempts."""
    evaluations = AlertEvaluation.objects.filter(rule=rule)
    if notable_only:
        evaluations = evaluations.filter(notable=True)
    deliveries = _deliveries_with_attempts(AlertDelivery.objects.all())
    return evaluations.prefetch_related(Prefetch("deliveries", queryset=deliveries)).order_by(
        "-evaluated_at", "-id"
    )


def alert_rule_deliveries(*, rule: AlertRule) -> QuerySet[AlertDelivery]:
    """Every notification of the rule, test ones included, newest first, with attempts."""
    return _deliveries_with_attempts(AlertDelivery.objects.filter(rule=rule))
