"""The 60-second evaluator: every enabled rule of every organization, one warehouse query per
rule grouped by tenant, a state machine per (rule, tenant), notifications on transitions only.

Guarantees:
- Ticks never overlap: a cache lock (`cache.add`, Redis in production) with an expiry.
- A tick runs a rule at most once: tick = floor(now / 60 s); claiming a rule is a conditional
  UPDATE of `last_tick` in the same transaction as its state changes and deliveries, so a late,
  duplicated or concurrent run of the same tick finds nothing to claim and cannot double-fire.
- State per (rule, tenant): ok -> firing (notify) -> resolved (notify) -> ok (silent);
  resolved -> firing notifies again; while firing, a re-notification after `renotify_minutes`.
- Tenants the rule saw before and that are absent from this window's result count as 0 for
  count, count_unique and sum, and as "no data" (never meeting a threshold) for avg/p95/p99.
- Notifications are sent after every rule of the tick is evaluated, so a slow webhook never
  delays the evaluation of other rules.
"""

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alerts.conditions import ZERO_WHEN_ABSENT, condition_holds, window_for
from alerts.delivery import Notice, deliveries_create
from alerts.models import AlertEvaluation, AlertRule, AlertState, AlertStatus
from alerts.selectors import alert_rules_due
from alerts.services import alert_history_prune, alert_rule_disable
from alerts.targets import RuleTarget, TargetGone, TargetResolver
from config.ids import new_id
from warehouse.compiler import compile_metric_by_tenant, run
from warehouse.scope import DangerousOrgWideScope

logger = logging.getLogger(__name__)

TICK_SECONDS = 60
TICK_LOCK_KEY = "sightline:alerts:tick-lock"
TICK_LOCK_SECONDS = 5 * 60  # a crashed holder blocks at most this long

TenantValues = dict[str, float | None]


def tick_of(moment: datetime) -> int:
    return int(moment.timestamp() // TICK_SECONDS)


@dataclass
class TickSummary:
    tick: int
    locked: bool = False  # another tick was running: this one did nothing
    rules_evaluated: int = 0
    rules_skipped: int = 0  # already evaluated in this tick
    rules_disabled: int = 0
    rules_failed: int = 0
    queries: int = 0
    transitions: int = 0
    deliveries: int = 0
    duration_ms: float = 0.0

    def line(self) -> str:
        if self.locked:
            return f"tick {self.tick}: skipped, another evaluation holds the lock"
        return (
            f"tick {self.tick}: {self.rules_evaluated} rules evaluated ({self.queries} queries), "
            f"{self.transitions} transitions, {self.deliveries} deliveries, "
            f"{self.rules_disabled} disabled, {self.rules_failed} failed, "
            f"{self.rules_skipped} already done, {self.duration_ms:.0f} ms"
        )


@dataclass
class RuleOutcome:
    evaluated: bool = False
    skipped: bool = False
    disabled: bool = False
    failed: bool = False
    transitions: int = 0
    delivery_ids: list[str] = field(default_factory=list)


@contextmanager
def tick_lock(key: str = TICK_LOCK_KEY) -> Iterator[bool]:
    """Yields whether this caller holds the lock; releases only a lock it still owns."""
    token = new_id("lock")
    acquired = bool(cache.add(key, token, TICK_LOCK_SECONDS))
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == token:
            cache.delete(key)


def alerts_tick(
    *, now: datetime | None = None, dispatch: Callable[[str], None] | None = None
) -> TickSummary:
    """One evaluation of every due rule. `dispatch(delivery_id)` sends a notification (default:
    the Celery delivery task, eager in the embedded default)."""
    now = now or timezone.now()
    summary = TickSummary(tick=tick_of(now))
    started = time.perf_counter()
    with tick_lock() as acquired:
        if not acquired:
            summary.locked = True
            return summary
        delivery_ids = _evaluate_due_rules(now=now, summary=summary)
        summary.deliveries = len(delivery_ids)
        send = dispatch or _dispatch_with_celery
        for delivery_id in delivery_ids:
            send(delivery_id)
        alert_history_prune(now=now)
    summary.duration_ms = (time.perf_counter() - started) * 1000
    return summary


def _dispatch_with_celery(delivery_id: str) -> None:
    from alerts.tasks import deliver_notification

    deliver_notification.delay(delivery_id)


def _evaluate_due_rules(*, now: datetime, summary: TickSummary) -> list[str]:
    rules = list(alert_rules_due(tick=summary.tick))
    targets = TargetResolver()
    targets.preload(rule.dashboard_id for rule in rules)
    metrics = MetricCache(now=now)
    delivery_ids: list[str] = []
    for rule in rules:
        outcome = _evaluate_safely(
            rule=rule, tick=summary.tick, now=now, targets=targets, metrics=metrics
        )
        summary.rules_evaluated += outcome.evaluated
        summary.rules_skipped += outcome.skipped
        summary.rules_disabled += outcome.disabled
        summary.rules_failed += outcome.failed
        summary.transitions += outcome.transitions
        delivery_ids.extend(outcome.delivery_ids)
    summary.queries = metrics.queries
    return delivery_ids


def _evaluate_safely(**kwargs: object) -> RuleOutcome:
    """A bug or bad data in one rule must not stop the others."""
    try:
        return rule_evaluate(**kwargs)  # type: ignore[arg-type]
    except Exception:
        logger.exception("alert rule %s failed to evaluate", getattr(kwargs.get("rule"), "pk", "?"))
        return RuleOutcome(failed=True)


class MetricCache:
    """One warehouse query per distinct (widget, window, tenant narrowing) per tick: rules that
    differ only in threshold, operator or channels share the result."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.queries = 0
        self._values: dict[tuple[object, ...], TenantValues] = {}

    def values(self, *, rule: AlertRule, target: RuleTarget, window: timedelta) -> TenantValues:
        key = (
            rule.organization_id,
            target.dashboard.pk,
            target.version_number,
            target.widget.id,
            window,
            rule.tenant_id,
        )
        if key not in self._values:
            scope = DangerousOrgWideScope(
                org_id=rule.organization_id, tenant_id=rule.tenant_id or None
            )
            query = compile_metric_by_tenant(
                target.widget, scope=scope, start=self.now - window, end=self.now
            )
            self.queries += 1
            self._values[key] = {str(tenant): _as_float(value) for tenant, value in run(query).rows}
        return self._values[key]


def _as_float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def rule_evaluate(
    *, rule: AlertRule, tick: int, now: datetime, targets: TargetResolver, metrics: MetricCache
) -> RuleOutcome:
    try:
        target = targets.resolve(
            organization_id=rule.organization_id,
            dashboard_id=rule.dashboard_id,
            widget_id=rule.widget_id,
        )
    except TargetGone as gone:
        alert_rule_disable(rule=rule, reason=gone.reason)
        return RuleOutcome(disabled=True)
    window_name, window = window_for(rule_window=rule.window, default_period=target.default_period)
    started = time.perf_counter()
    values: TenantValues | None = None
    error = ""
    try:
        values = metrics.values(rule=rule, target=target, window=window)
    except (
        Exception
    ) as exc:  # the warehouse failed: record it on the rule's history, retry next tick
        logger.warning("alert rule %s: metric query failed: %s", rule.pk, exc)
        error = f"The metric query failed: {exc}"[:500]
    with transaction.atomic():
        if not _claim(rule=rule, tick=tick, now=now):
            return RuleOutcome(skipped=True)
        evaluation = AlertEvaluation(
            rule=rule,
            tick=tick,
            evaluated_at=now,
            window_start=now - window,
            window_end=now,
            error=error,
        )
        if values is None:
            evaluation.notable = True
            evaluation.duration_ms = (time.perf_counter() - started) * 1000
            evaluation.save()
            return RuleOutcome(failed=True)
        notices = _apply_states(
            rule=rule, target=target, values=values, tick=tick, now=now, evaluation=evaluation
        )
        evaluation.duration_ms = (time.perf_counter() - started) * 1000
        evaluation.save()
        deliveries = deliveries_create(rule=rule, evaluation=evaluation, notices=notices)
    return RuleOutcome(
        evaluated=True,
        transitions=len(evaluation.transitions),
        delivery_ids=[d.pk for d in deliveries],
    )


def _claim(*, rule: AlertRule, tick: int, now: datetime) -> bool:
    """Marks the rule as evaluated in `tick` unless some run already did. The row lock this
    UPDATE takes is held until commit, so a concurrent run of the same tick waits, re-checks
    the condition and claims nothing."""
    claimed = (
        AlertRule.objects.filter(pk=rule.pk, enabled=True)
        .filter(Q(last_tick__isnull=True) | Q(last_tick__lt=tick))
        .update(last_tick=tick, last_evaluated_at=now)
    )
    return claimed == 1


@dataclass(frozen=True)
class Step:
    status: str
    notify: bool


def next_step(*, status: str, holds: bool, renotify_due: bool) -> Step:
    """The state machine of one (rule, tenant)."""
    if holds:
        if status == AlertStatus.FIRING:
            return Step(AlertStatus.FIRING, notify=renotify_due)
        return Step(AlertStatus.FIRING, notify=True)
    if status == AlertStatus.FIRING:
        return Step(AlertStatus.RESOLVED, notify=True)
    return Step(AlertStatus.OK, notify=False)  # resolved settles to ok silently


def _renotify_due(*, rule: AlertRule, state: AlertState, tick: int) -> bool:
    if not rule.renotify_minutes or state.last_notified_at is None:
        return False
    # Whole ticks, not wall-clock seconds: a tick that starts a little early still counts.
    return tick - tick_of(state.last_notified_at) >= rule.renotify_minutes * 60 // TICK_SECONDS


def _apply_states(
    *,
    rule: AlertRule,
    target: RuleTarget,
    values: TenantValues,
    tick: int,
    now: datetime,
    evaluation: AlertEvaluation,
) -> list[Notice]:
    """Moves every tenant's state one step; fills the evaluation; returns what to notify."""
    states = {state.tenant_id: state for state in AlertState.objects.filter(rule=rule)}
    tenants = set(values) | set(states) | ({rule.tenant_id} if rule.tenant_id else set())
    absent = 0.0 if target.widget.metric in ZERO_WHEN_ABSENT else None
    created, changed, notices, transitions = [], [], [], []
    firing = 0
    for tenant_id in sorted(tenants):
        value = values.get(tenant_id, absent)
        state = states.get(tenant_id)
        if state is None:
            state = AlertState(
                rule=rule, tenant_id=tenant_id, status=AlertStatus.OK, changed_at=now
            )
            created.append(state)
        holds = condition_holds(operator=rule.operator, value=value, threshold=rule.threshold_value)
        step = next_step(
            status=state.status,
            holds=holds,
            renotify_due=_renotify_due(rule=rule, state=state, tick=tick),
        )
        firing += step.status == AlertStatus.FIRING
        if step.status == state.status and not step.notify:
            continue
        transitions.append(
            {"tenant_id": tenant_id, "from": state.status, "to": step.status, "value": value}
        )
        if step.status != state.status:
            state.status, state.changed_at = step.status, now
        if step.notify:
            state.transition_id, state.last_notified_at, state.value = new_id("atr"), now, value
            notices.append(
                Notice(
                    tenant_id=tenant_id,
                    state=step.status,
                    value=value,
                    transition_id=state.transition_id,
                )
            )
        if state.pk is not None:
            changed.append(state)
    AlertState.objects.bulk_create(created)
    AlertState.objects.bulk_update(
        changed, ["status", "changed_at", "transition_id", "last_notified_at", "value"]
    )
    evaluation.tenants_evaluated = len(tenants)
    evaluation.firing_count = firing
    evaluation.transitions = transitions
    evaluation.notable = bool(transitions)
    return notices
