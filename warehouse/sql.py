"""The pieces every compiled read is built from: named parameters, the WHERE that starts with
the scope predicate, the read-only SETTINGS, and metric aggregates (plain, conditional, as
states, ratios). Shared by the widget compiler (`warehouse.compiler`) and the shared alert scan
(`warehouse.tenant_metrics`), so both bind and scope in exactly one way."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from warehouse.params import ParamValue
from warehouse.query import Metric, Ratio
from warehouse.scope import AnyScope, scope_predicate

Conditions = tuple[tuple[str, str], ...]  # sorted (key, value) pairs, all ANDed
TIME_TYPE = "DateTime64(3, 'UTC')"
QUANTILE_LEVEL = {"p95": "0.95", "p99": "0.99"}


@dataclass
class Binder:
    """Names parameters in order (k0, v1, …) and binds an identical property key only once."""

    values: dict[str, ParamValue] = field(default_factory=dict)
    _keys: dict[str, str] = field(default_factory=dict)
    _count: int = 0

    def bind(self, prefix: str, value: ParamValue, type_: str) -> str:
        name = f"{prefix}{self._count}"
        self._count += 1
        self.values[name] = value
        return f"{{{name}:{type_}}}"

    def key(self, prop: str) -> str:
        if prop not in self._keys:
            self._keys[prop] = self.bind("k", prop, "String")
        return self._keys[prop]


def effective_filters(
    widget_filters: Mapping[str, str],
    viewer_filters: Mapping[str, str],
    locked_filters: Mapping[str, str],
) -> Conditions:
    """Widget AND viewer conditions, except that a locked key keeps only the locked value."""
    pairs = {
        (key, value)
        for source in (widget_filters, viewer_filters)
        for key, value in source.items()
        if key not in locked_filters
    }
    pairs.update(locked_filters.items())
    return tuple(sorted(pairs))


def settings_sql() -> str:
    # Integers from settings (never from a request), formatted as numbers.
    return (
        f"SETTINGS max_execution_time = {int(settings.WAREHOUSE_MAX_EXECUTION_TIME)}, "
        f"max_rows_to_read = {int(settings.WAREHOUSE_MAX_ROWS_TO_READ)}, readonly = 2"
    )


def where_clause(
    scope: AnyScope,
    binder: Binder,
    *,
    event_name: str | tuple[str, ...],
    start: datetime,
    end: datetime,
    conditions: Conditions,
) -> str:
    """The scope predicate FIRST, then the event (or events: a funnel's steps), the time bounds
    and the filter conditions."""
    predicate, scope_params = scope_predicate(scope)
    binder.values.update(scope_params)
    if isinstance(event_name, tuple):
        names = ", ".join(binder.bind("e", name, "String") for name in event_name)
        event = f"event_name IN ({names})"
    else:
        event = f"event_name = {binder.bind('e', event_name, 'String')}"
    parts = [
        predicate,
        event,
        f"timestamp >= {binder.bind('t', start, TIME_TYPE)}",
        f"timestamp < {binder.bind('t', end, TIME_TYPE)}",
    ]
    for key, value in conditions:
        parts.append(f"string_props[{binder.key(key)}] = {binder.bind('v', value, 'String')}")
    return "WHERE " + "\n  AND ".join(parts)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """An aggregate function call, e.g. quantileExactIf(0.95)(value, condition), that can also
    be written as a partial state (…State) and the merge of states (…Merge)."""

    name: str
    params: str  # "(0.95)" for quantiles, else ""
    args: str

    def sql(self, combinator: str = "") -> str:
        return f"{self.name}{combinator}{self.params}({self.args})"

    def merge(self, states: str) -> str:
        return f"{self.name}Merge{self.params}({states})"

    def finalize(self, state: str) -> str:
        return f"finalizeAggregation({state})"


def divide(numerator: str, denominator: str) -> str:
    """Zero-safe: a zero (or NULL) denominator gives NULL, never inf or nan."""
    return f"{numerator} / nullIf({denominator}, 0)"


@dataclass(frozen=True, slots=True)
class RatioAggregate:
    """Two conditional aggregates of the same scan divided; as a state, the tuple of both."""

    numerator: Aggregate
    denominator: Aggregate

    def sql(self, combinator: str = "") -> str:
        if combinator == "State":
            return f"tuple({self.numerator.sql('State')}, {self.denominator.sql('State')})"
        assert not combinator, "a ratio has only its value and its state"
        return divide(self.numerator.sql(), self.denominator.sql())

    def merge(self, states: str) -> str:
        return divide(
            self.numerator.merge(f"tupleElement({states}, 1)"),
            self.denominator.merge(f"tupleElement({states}, 2)"),
        )

    def finalize(self, state: str) -> str:
        return divide(
            f"finalizeAggregation(tupleElement({state}, 1))",
            f"finalizeAggregation(tupleElement({state}, 2))",
        )


def aggregate(
    metric: Metric | Ratio, binder: Binder, condition: str | None = None
) -> "Aggregate | RatioAggregate":
    """One aggregate over the rows of a group; `condition` narrows it (KPI current/previous,
    a widget of a shared alert scan). A ratio is two of them, each with its part's filters."""
    if isinstance(metric, Ratio):
        return RatioAggregate(
            metric_aggregate(metric.numerator, binder, condition),
            metric_aggregate(metric.denominator, binder, condition),
        )
    return metric_aggregate(metric, binder, condition)


def metric_aggregate(metric: Metric, binder: Binder, condition: str | None) -> Aggregate:
    if metric.filters:
        own = " AND ".join(
            f"string_props[{binder.key(key)}] = {binder.bind('v', value, 'String')}"
            for key, value in metric.filters
        )
        condition = f"{own} AND {condition}" if condition else own
    if metric.metric == "count":
        return Aggregate("countIf", "", condition) if condition else Aggregate("count", "", "")
    if metric.metric == "count_unique" and metric.property is None:
        value, present = "user_id", "user_id != ''"  # events without a user are not a user
    elif metric.metric == "count_unique":
        key = binder.key(metric.property)
        value, present = f"string_props[{key}]", f"mapContains(string_props, {key})"
    else:
        assert metric.property is not None, "the spec requires a property for numeric metrics"
        key = binder.key(metric.property)
        value, present = f"numeric_props[{key}]", f"mapContains(numeric_props, {key})"
    args = f"{value}, {present} AND {condition}" if condition else f"{value}, {present}"
    if metric.metric == "count_unique":
        return Aggregate("uniqExactIf", "", args)
    if metric.metric in QUANTILE_LEVEL:
        return Aggregate("quantileExactIf", f"({QUANTILE_LEVEL[metric.metric]})", args)
    return Aggregate(f"{metric.metric}If", "", args)  # sumIf / avgIf
