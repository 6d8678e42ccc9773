"""The state machine of one rule over its tenants: pure computation, no I/O.

Per (rule, tenant): ok -> firing (notify) -> resolved (notify) -> ok (silent); resolved ->
firing notifies again; while firing, a re-notification every `renotify_minutes`.

Which tenants a rule knows: those in this tick's result, those with a non-ok state, and the
rule's own `tenant_id`. A tenant absent from the result counts as 0 for count, count_unique
and sum (no events: nothing counted) and as "no data" for avg/p95/p99, which never meets a
threshold. When 0 meets the threshold (e.g. `count < 5`: "a customer went quiet") the rule
must also remember every tenant it has ever seen, so those rules keep a row per tenant; all
other rules only store rows for tenants that left ok.
"""

from dataclasses import dataclass, field
from datetime import datetime

from alerts.conditions import ZERO_WHEN_ABSENT, condition, condition_holds
from alerts.delivery import Notice
from alerts.models import AlertRule, AlertState, AlertStatus
from core.ids import new_id

TICK_SECONDS = 60
TenantValues = dict[str, float | None]


def tick_of(moment: datetime) -> int:
    return int(moment.timestamp() // TICK_SECONDS)


@dataclass
class TenantState:
    """What is stored for one (rule, tenant); the defaults are a tenant never stored (ok)."""

    status: str = AlertStatus.OK
    value: float | None = None
    transition_id: str = ""
    changed_at: datetime | None = None
    last_notified_at: datetime | None = None


@dataclass
class RuleStep:
    writes: list[AlertState] = field(default_factory=list)  # rows to upsert
    notices: list[Notice] = field(default_factory=list)
    transitions: list[dict] = field(default_factory=list)
    tenants: int = 0
    firing: int = 0


@dataclass(frozen=True)
class Step:
    status: str
    notify: bool


def next_step(*, status: str, holds: bool, renotify_due: bool) -> Step:
    if holds:
        if status == AlertStatus.FIRING:
            return Step(AlertStatus.FIRING, notify=renotify_due)
        return Step(AlertStatus.FIRING, notify=True)
    if status == AlertStatus.FIRING:
        return Step(AlertStatus.RESOLVED, notify=True)
    return Step(AlertStatus.OK, notify=False)  # resolved settles to ok silently


def absent_value(metric: str) -> float | None:
    return 0.0 if metric in ZERO_WHEN_ABSENT else None


def remembers_every_tenant(*, rule: AlertRule, metric: str) -> bool:
    value = absent_value(metric)
    return condition_holds(operator=rule.operator, value=value, threshold=rule.threshold_value)


def renotify_due(*, rule: AlertRule, state: TenantState, tick: int) -> bool:
    if not rule.renotify_minutes or state.last_notified_at is None:
        return False
    # Whole ticks, not wall-clock seconds: a tick that starts a little early still counts.
    return tick - tick_of(state.last_notified_at) >= rule.renotify_minutes * 60 // TICK_SECONDS


def step_rule(
    *,
    rule: AlertRule,
    metric: str,
    values: TenantValues,
    known: dict[str, TenantState],
    remembered: set[str],
    tick: int,
    now: datetime,
) -> RuleStep:
    """Moves every tenant one step. `known`: the stored non-ok states; `remembered`: tenants
    stored as ok (loaded only for rules that remember every tenant). Returns the rows to write
    and what to notify."""
    remember_all = remembers_every_tenant(rule=rule, metric=metric)
    holds = condition(operator=rule.operator, threshold=rule.threshold_value)
    absent = absent_value(metric)
    tenants = set(values) | set(known) | remembered
    if rule.tenant_id:
        tenants.add(rule.tenant_id)
    out = RuleStep(tenants=len(tenants))
    for tenant_id in sorted(tenants):
        value = values.get(tenant_id, absent)
        state = known.get(tenant_id)
        if state is None:  # ok: the common case, kept cheap
            if not holds(value):
                if remember_all and tenant_id not in remembered:
                    out.writes.append(_row(rule, tenant_id, TenantState(changed_at=now)))
                continue
            state = TenantState()
        step = next_step(
            status=state.status,
            holds=holds(value),
            renotify_due=renotify_due(rule=rule, state=state, tick=tick),
        )
        out.firing += step.status == AlertStatus.FIRING
        if step.status == state.status and not step.notify:
            continue
        out.transitions.append(
            {"tenant_id": tenant_id, "from": state.status, "to": step.status, "value": value}
        )
        if step.status != state.status:
            state.status, state.changed_at = step.status, now
        if step.notify:
            state.transition_id, state.last_notified_at, state.value = new_id("atr"), now, value
            out.notices.append(
                Notice(tenant_id, step.status, value=value, transition_id=state.transition_id)
            )
        out.writes.append(_row(rule, tenant_id, state))
    return out


def _row(rule: AlertRule, tenant_id: str, state: TenantState) -> AlertState:
    return AlertState(
        rule=rule,
        tenant_id=tenant_id,
        status=state.status,
        value=state.value,
        transition_id=state.transition_id,
        changed_at=state.changed_at,
        last_notified_at=state.last_notified_at,
    )
