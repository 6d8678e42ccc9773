"""Reads for alert rules, their states and their history."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import Organization
from alerts.models import (
    AlertDelivery,
    AlertDeliveryAttempt,
    AlertEvaluation,
    AlertRule,
    AlertState,
    AlertStatus,
    DeliveryStatus,
)
from core.errors import NotFound
from dashboards.selectors import dashboards_published, published_spec


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


def operator_rules(rules: QuerySet[AlertRule]) -> QuerySet[AlertRule]:
    """The operator's own rules: viewers' rules (a grant) are managed as subscriptions."""
    return rules.filter(grant__isnull=True)


def alert_rule_list(*, organization: Organization) -> QuerySet[AlertRule]:
    rules = operator_rules(AlertRule.objects.filter(organization=organization))
    return with_firing_count(rules).order_by("-created_at")


def alert_rule_get(*, organization: Organization, rule_id: str) -> AlertRule:
    """The organization's rule; another organization's id is the same NotFound as a missing one."""
    rule = alert_rule_list(organization=organization).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("Alert not found.")
    return rule


def alert_rules_disabled_reasons(*, rule_ids: Iterable[str]) -> dict[str, str]:
    """Why the evaluator turned each of these rules off, for those it did."""
    rules = AlertRule.objects.filter(pk__in=set(rule_ids), enabled=False).exclude(
        disabled_reason=""
    )
    return dict(rules.values_list("pk", "disabled_reason"))


def alert_rule_oldest(*, organization: Organization) -> AlertRule | None:
    """The organization's first rule (the demo's, when seeded)."""
    rules = operator_rules(AlertRule.objects.filter(organization=organization))
    return rules.order_by("created_at").first()


def alert_rule_states(*, rule: AlertRule, not_ok_only: bool = True) -> QuerySet[AlertState]:
    states = AlertState.objects.filter(rule=rule)
    if not_ok_only:
        states = states.exclude(status=AlertStatus.OK)
    return states.order_by("-changed_at", "tenant_id")


def _deliveries_with_attempts(deliveries: QuerySet[AlertDelivery]) -> QuerySet[AlertDelivery]:
    return deliveries.prefetch_related(
        Prefetch("attempts", queryset=AlertDeliveryAttempt.objects.order_by("number"))
    ).order_by("-created_at", "id")


def alert_rule_evaluations(*, rule: AlertRule) -> QuerySet[AlertEvaluation]:
    """Newest first, each with its deliveries and their attempts."""
    deliveries = _deliveries_with_attempts(AlertDelivery.objects.all())
    return (
        AlertEvaluation.objects.filter(rule=rule)
        .prefetch_related(Prefetch("deliveries", queryset=deliveries))
        .order_by("-evaluated_at", "-id")
    )


CLAIM_STALE_AFTER = timedelta(minutes=5)  # an attempt takes seconds: its worker died
STUCK_AFTER = timedelta(minutes=15)  # longer than every retry delay together (7.5 min)
STUCK_BATCH = 500


def alert_deliveries_stuck(*, now: datetime) -> list[str]:
    """Deliveries nobody will send: pending ones whose task was lost (a crash between commit
    and dispatch, a broker restart), old enough that no retry of theirs can still be scheduled,
    and ones left `sending` by a worker that died mid-attempt (claimed longer ago than any
    attempt takes). Sending them again is safe: an attempt first claims its delivery."""
    recent_attempts = AlertDeliveryAttempt.objects.filter(
        delivery=OuterRef("pk"), started_at__gte=now - STUCK_AFTER
    )
    lost = Q(status=DeliveryStatus.PENDING, created_at__lt=now - STUCK_AFTER) & ~Q(
        Exists(recent_attempts)
    )
    abandoned = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_STALE_AFTER)
    stuck = AlertDelivery.objects.filter(lost | abandoned)
    return list(stuck.order_by("created_at").values_list("pk", flat=True)[:STUCK_BATCH])


def alert_rule_deliveries(*, rule: AlertRule) -> QuerySet[AlertDelivery]:
    """Every notification of the rule, test ones included, newest first, with attempts."""
    return _deliveries_with_attempts(AlertDelivery.objects.filter(rule=rule))


@dataclass(frozen=True)
class WidgetChoice:
    dashboard_id: str
    dashboard_name: str
    widget_id: str
    label: str  # "Errors (count)"

    @property
    def value(self) -> str:
        return f"{self.dashboard_id}:{self.widget_id}"


def published_widget_choices(*, organization: Organization) -> list[WidgetChoice]:
    """Every widget an alert can watch: those of the organization's PUBLISHED dashboards."""
    choices = []
    for dashboard in dashboards_published(organization=organization):
        spec = published_spec(dashboard)
        for widget in spec.widgets if spec is not None else ():
            if widget.kind == "funnel":
                continue  # no single value per tenant to compare with a threshold
            metric = (
                widget.metric
                if widget.property is None
                else f"{widget.metric} of {widget.property}"
            )
            choices.append(
                WidgetChoice(
                    dashboard_id=dashboard.pk,
                    dashboard_name=dashboard.name,
                    widget_id=widget.id,
                    label=f"{widget.title or widget.id} ({metric})",
                )
            )
    return choices
