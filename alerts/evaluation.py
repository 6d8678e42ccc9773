"""The 60-second evaluator: every enabled rule of every organization, at most one warehouse
query per rule grouped by tenant, a state machine per (rule, tenant) (alerts.states), and
notifications on transitions only.

Guarantees:
- Ticks never overlap: a cache lock (`cache.add`, Redis in production) with an expiry.
- A tick runs a rule at most once: tick = floor(now / 60 s). Claiming rules (a row lock and
  an UPDATE of `last_tick`) happens in the same transaction as their state changes and
  deliveries, so a late, duplicated or concurrent run of the same tick claims nothing and
  cannot double-fire.
- Rules that differ only in threshold, operator or channels share one query per tick.
- Rules are committed in batches (one transaction per BATCH_SIZE rules, a handful of bulk
  statements each), so a tick costs few round trips to the configuration database.
- The history keeps the evaluations where a tenant changed state or the query failed; a quiet
  check only moves the rule's `last_evaluated_at` (1,000 rules would otherwise write 1.4
  million rows a day).
- Notifications are sent after every rule of the tick is evaluated, so a slow webhook never
  delays the evaluation of other rules. Each tick also re-sends deliveries left pending by a
  lost task (their claim makes a second send impossible).
"""

import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.selectors import organization_retention_start
from alerts.conditions import window_for
from alerts.delivery import Notice, delivery_rows
from alerts.dispatch import delivery_enqueue
from alerts.models import AlertDelivery, AlertEvaluation, AlertRule, AlertState, AlertStatus
from alerts.selectors import alert_deliveries_stuck, alert_rules_due
from alerts.services import alert_history_prune, alert_rule_disable
from alerts.states import (
    TICK_SECONDS,
    TenantState,
    TenantValues,
    remembers_every_tenant,
    step_rule,
    tick_of,
)
from alerts.targets import RuleTarget, TargetGone, TargetResolver
from core.ids import new_id
from core.metrics import ALERT_TICK_SECONDS
from warehouse.backends import WarehouseError
from warehouse.query import LockedValue, locked_value
from warehouse.reads import run
from warehouse.scope import DangerousOrgWideScope
from warehouse.tenant_metrics import MAX_WIDGETS_PER_SCAN, compile_metrics_by_tenant

logger = logging.getLogger(__name__)

TICK_LOCK_KEY = "sightline:alerts:tick-lock"
TICK_LOCK_SECONDS = 5 * 60  # a crashed holder blocks at most this long
BATCH_SIZE = 100
QUERY_CONCURRENCY = 4
STATE_FIELDS = ["status", "value", "transition_id", "changed_at", "last_notified_at"]

__all__ = ["TICK_SECONDS", "TickSummary", "alerts_tick", "tick_lock", "tick_of"]


@dataclass
class TickSummary:
    tick: int
    locked: bool = False  # another tick was running: this one did nothing
    rules_evaluated: int = 0
    rules_skipped: int = 0  # already evaluated in this tick
    rules_disabled: int = 0
    rules_failed: int = 0
    queries: int = 0
    query_ms: float = 0.0  # of duration_ms, the wall-clock time of the warehouse queries
    transitions: int = 0
    deliveries: int = 0
    duration_ms: float = 0.0

    def add(self, other: "TickSummary") -> None:
        """Adds the rule counts of a committed batch."""
        self.rules_evaluated += other.rules_evaluated
        self.rules_skipped += other.rules_skipped
        self.rules_failed += other.rules_failed
        self.transitions += other.transitions

    def line(self) -> str:
        if self.locked:
            return f"tick {self.tick}: skipped, another evaluation holds the lock"
        return (
            f"tick {self.tick}: {self.rules_evaluated} rules evaluated "
            f"({self.queries} queries, {self.query_ms:.0f} ms in the warehouse), "
            f"{self.transitions} transitions, {self.deliveries} deliveries, "
            f"{self.rules_disabled} disabled, {self.rules_failed} failed, "
            f"{self.rules_skipped} already done, {self.duration_ms:.0f} ms"
        )


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
        send = dispatch or delivery_enqueue
        for delivery_id in [*delivery_ids, *alert_deliveries_stuck(now=now)]:
            send(delivery_id)
        alert_history_prune(now=now)
    summary.duration_ms = (time.perf_counter() - started) * 1000
    ALERT_TICK_SECONDS.observe(summary.duration_ms / 1000)
    return summary


class MetricCache:
    """One value set per distinct (widget, window, tenant narrowing) per tick: rules that
    differ only in threshold, operator or channels share it. And one scan per (organization,
    event, window, tenant narrowing): the widgets watched over the same event and window are
    computed together by `warehouse.tenant_metrics` (each widget's filters become the condition
    of its aggregates), so the tick's cost follows the data read, not the number of widgets.
    The scans run up to QUERY_CONCURRENCY at a time (a ClickHouse server serves them in
    parallel; chDB's in-process session takes them one by one)."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.queries = 0
        self.query_ms = 0.0
        self._results: dict[tuple[object, ...], TenantValues | WarehouseError] = {}

    @staticmethod
    def key(item: "Prepared") -> tuple[object, ...]:
        target = item.target
        return (
            item.rule.organization_id,
            target.dashboard.pk,
            target.version_number,
            target.widget.id,
            item.window,
            item.rule.tenant_id,
            tuple(sorted(item.locked_filters.items())),
        )

    def prefetch(self, items: Sequence["Prepared"]) -> None:
        pending = {self.key(item): item for item in items if self.key(item) not in self._results}
        if not pending:
            return
        scans: dict[tuple[object, ...], list[tuple[tuple[object, ...], Prepared]]] = {}
        for key, item in pending.items():
            rule = item.rule
            group = (
                rule.organization_id,
                item.target.widget.event_name,
                item.window,
                rule.tenant_id,
            )
            scans.setdefault(group, []).append((key, item))
        chunks = [
            members[first : first + MAX_WIDGETS_PER_SCAN]
            for members in scans.values()
            for first in range(0, len(members), MAX_WIDGETS_PER_SCAN)
        ]
        workers = max(1, min(QUERY_CONCURRENCY, len(chunks)))
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="alerts-query") as pool:
            for chunk, result in zip(chunks, pool.map(self._scan, chunks), strict=True):
                for index, (key, _) in enumerate(chunk):
                    failed = isinstance(result, WarehouseError)
                    self._results[key] = result if failed else result[index]
        self.queries += len(chunks)
        self.query_ms += (time.perf_counter() - started) * 1000

    def fill(self, item: "Prepared") -> None:
        """Sets the item's values, or its error when the query failed (retried next tick)."""
        if self.key(item) not in self._results:
            self.prefetch([item])
        result = self._results[self.key(item)]
        if isinstance(result, WarehouseError):
            logger.warning("alert rule %s: metric query failed: %s", item.rule.pk, result)
            item.error = f"The metric query failed: {result}"[:500]
        else:
            item.values = result

    def _scan(
        self, chunk: list[tuple[tuple[object, ...], "Prepared"]]
    ) -> list[TenantValues] | WarehouseError:
        first = chunk[0][1]
        scope = DangerousOrgWideScope(
            org_id=first.rule.organization_id,
            tenant_id=first.rule.tenant_id or None,
            since=organization_retention_start(organization=first.rule.organization, now=self.now),
        )
        scan = compile_metrics_by_tenant(
            [item.target.widget.query for _, item in chunk],
            scope=scope,
            start=self.now - first.window,
            end=self.now,
            locked_filters=[item.locked_filters for _, item in chunk],
        )
        try:
            rows = run(scan.query).rows
        except WarehouseError as exc:  # recorded on each rule's history by `fill`; a bug raises
            logger.warning("alerts: a metric scan of %d widgets failed", len(chunk), exc_info=exc)
            return exc
        return [
            {tenant: _as_float(value) for tenant, value in values.items()}
            for values in scan.values(rows)
        ]


def _as_float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass
class Prepared:
    """A rule with its target and this tick's per-tenant values (None: the query failed)."""

    rule: AlertRule
    target: RuleTarget
    window: timedelta
    values: TenantValues | None = None
    error: str = ""

    @property
    def locked_filters(self) -> dict[str, LockedValue]:
        """A viewer rule's locked filters (its grant's, stored in the token's JSON form); an
        operator's rule has none."""
        stored = (self.rule.grant or {}).get("locked_filters") or {}
        return {key: locked_value(value) for key, value in stored.items()}


def _evaluate_due_rules(*, now: datetime, summary: TickSummary) -> list[str]:
    rules = list(alert_rules_due(tick=summary.tick))
    targets = TargetResolver()
    targets.preload(rule.dashboard_id for rule in rules)
    resolved = [item for rule in rules if (item := _resolve(rule, targets, summary)) is not None]
    metrics = MetricCache(now=now)
    metrics.prefetch(resolved)
    delivery_ids: list[str] = []
    for start in range(0, len(resolved), BATCH_SIZE):
        batch = resolved[start : start + BATCH_SIZE]
        for item in batch:
            metrics.fill(item)
        counts = TickSummary(tick=summary.tick)  # merged only if the batch commits
        try:
            delivery_ids += _commit(batch, tick=summary.tick, now=now, summary=counts)
        except DatabaseError:  # a database failure loses this batch's tick, not the others'
            logger.exception("alerts: a batch of %d rules failed to commit", len(batch))
            summary.rules_failed += len(batch)
        else:
            summary.add(counts)
    summary.queries, summary.query_ms = metrics.queries, metrics.query_ms
    return delivery_ids


def _resolve(rule: AlertRule, targets: TargetResolver, summary: TickSummary) -> Prepared | None:
    """The rule's widget and window; None (and the rule disabled) when its target is gone."""
    try:
        target = targets.resolve(
            organization_id=rule.organization_id,
            dashboard_id=rule.dashboard_id,
            widget_id=rule.widget_id,
            grant=rule.grant,
        )
    except TargetGone as gone:
        alert_rule_disable(rule=rule, reason=gone.reason)
        summary.rules_disabled += 1
        return None
    except Exception:  # e.g. a stored spec that no longer parses: an error, not a disable
        logger.exception("alert rule %s: cannot resolve its widget", rule.pk)
        summary.rules_failed += 1
        return None
    _, window = window_for(rule_window=rule.window, default_period=target.default_period)
    return Prepared(rule, target, window)


def _commit(
    prepared: Sequence[Prepared], *, tick: int, now: datetime, summary: TickSummary
) -> list[str]:
    """Claims the batch's rules for this tick and writes their states, evaluations and
    deliveries, all in one transaction. Returns the ids of the deliveries to send."""
    with transaction.atomic():
        claimed = _claim([item.rule.pk for item in prepared], tick=tick, now=now)
        summary.rules_skipped += len(prepared) - len(claimed)
        mine = [item for item in prepared if item.rule.pk in claimed]
        stored = _load_states(mine)
        evaluations, writes, notified = [], [], []
        for item in mine:
            evaluation, rows, notices = _evaluate(item, stored, tick=tick, now=now, summary=summary)
            writes += rows
            if evaluation is not None:
                evaluations.append(evaluation)
                notified.append((item.rule, evaluation, notices))
        AlertState.objects.bulk_create(
            writes,
            update_conflicts=True,
            unique_fields=["rule", "tenant_id"],
            update_fields=STATE_FIELDS,
        )
        AlertEvaluation.objects.bulk_create(evaluations)  # pks come back (PostgreSQL, SQLite)
        deliveries = [
            row
            for rule, evaluation, notices in notified
            for row in delivery_rows(rule=rule, evaluation=evaluation, notices=notices)
        ]
        AlertDelivery.objects.bulk_create(deliveries)
    return [delivery.pk for delivery in deliveries]


def _evaluate(
    item: Prepared, stored: "StoredStates", *, tick: int, now: datetime, summary: TickSummary
) -> tuple[AlertEvaluation | None, list[AlertState], list[Notice]]:
    """One rule's step: its evaluation (None for a quiet check: `last_evaluated_at` on the rule
    records it), the state rows to upsert and the notifications to create."""
    evaluation = AlertEvaluation(
        rule=item.rule, tick=tick, evaluated_at=now,
        window_start=now - item.window, window_end=now, error=item.error,
    )  # fmt: skip
    if item.values is None:
        summary.rules_failed += 1
        return evaluation, [], []
    started = time.perf_counter()
    step = step_rule(
        rule=item.rule, metric=item.target.widget.metric, values=item.values,
        known=stored.not_ok[item.rule.pk], remembered=stored.remembered[item.rule.pk],
        tick=tick, now=now,
    )  # fmt: skip
    summary.rules_evaluated += 1
    if not step.transitions:
        return None, step.writes, []
    summary.transitions += len(step.transitions)
    evaluation.duration_ms = (time.perf_counter() - started) * 1000
    evaluation.tenants_evaluated, evaluation.firing_count = step.tenants, step.firing
    evaluation.transitions = step.transitions
    return evaluation, step.writes, step.notices


def _claim(rule_ids: list[str], *, tick: int, now: datetime) -> set[str]:
    """The rules of `rule_ids` no run has evaluated in `tick`, now marked as evaluated. The row
    locks are held until commit: a concurrent run of the same tick waits, then finds them
    claimed (PostgreSQL re-checks the WHERE clause on the locked rows)."""
    due = (
        AlertRule.objects.select_for_update()
        .filter(pk__in=rule_ids, enabled=True)
        .filter(Q(last_tick__isnull=True) | Q(last_tick__lt=tick))
        .order_by("pk")  # one lock order: two runs cannot deadlock
    )
    claimed = set(due.values_list("pk", flat=True))
    AlertRule.objects.filter(pk__in=claimed).update(last_tick=tick, last_evaluated_at=now)
    return claimed


@dataclass
class StoredStates:
    """The batch's stored states: every non-ok one, and the tenants stored as ok by rules that
    must remember all tenants they have seen (see alerts.states)."""

    not_ok: dict[str, dict[str, TenantState]]
    remembered: dict[str, set[str]]


def _load_states(items: Sequence[Prepared]) -> StoredStates:
    not_ok: dict[str, dict[str, TenantState]] = defaultdict(dict)
    rows = AlertState.objects.filter(
        rule_id__in=[item.rule.pk for item in items],
        status__in=[AlertStatus.FIRING, AlertStatus.RESOLVED],
    ).values_list("rule_id", "tenant_id", *STATE_FIELDS)
    for rule_id, tenant_id, *fields in rows:
        not_ok[rule_id][tenant_id] = TenantState(*fields)
    remembered: dict[str, set[str]] = defaultdict(set)
    remembering = [
        item.rule.pk
        for item in items
        if remembers_every_tenant(rule=item.rule, metric=item.target.widget.metric)
    ]
    if remembering:
        ok_rows = AlertState.objects.filter(rule_id__in=remembering, status=AlertStatus.OK)
        for rule_id, tenant_id in ok_rows.values_list("rule_id", "tenant_id"):
            remembered[rule_id].add(tenant_id)
    return StoredStates(not_ok=not_ok, remembered=remembered)
