"""The pieces every compiled read is built from: named parameters, the WHERE that starts with
the scope predicate, the read-only SETTINGS, and metric aggregates (plain, conditional, as
states, ratios). Shared by the widget compiler (`warehouse.compiler`) and the shared alert scan
(`warehouse.tenant_metrics`), so both bind and scope in exactly one way."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from warehouse.params import ParamValue
from warehouse.query import (
    LockedFilters,
    LockedValue,
    Metric,
    NumericRange,
    Ratio,
    locked_strings,
)
from warehouse.scope import ReadScope, Scope, TenantsScope, scope_predicate

# Sorted (key, value) pairs, all ANDed; a value is a LockedValue (=, IN or a numeric range).
Conditions = tuple[tuple[str, LockedValue], ...]
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
    locked_filters: LockedFilters,
) -> Conditions:
    """Widget AND viewer conditions AND the locks. A string or list lock replaces the widget's
    and the viewer's conditions on its key, except that a value the lock allows narrows it (the
    viewer picking one of a list's values): the result is never wider than the lock, and an
    empty list cannot reach here (`locked_value` refuses it). A range lock is on the numeric
    property of that name, so string conditions on the same name stay (they only narrow)."""
    pairs: set[tuple[str, LockedValue]] = set()
    for source in (widget_filters, viewer_filters):
        for key, value in source.items():
            lock = locked_filters.get(key)
            if lock is None or isinstance(lock, NumericRange) or value in locked_strings(lock):
                pairs.add((key, value))
    pairs.update(locked_filters.items())
    return tuple(sorted(pairs, key=_condition_order))


def _condition_order(pair: tuple[str, LockedValue]) -> tuple[str, int, str]:
    key, value = pair
    if isinstance(value, NumericRange):
        return key, 2, repr(sorted(value.as_json().items()))
    return (key, 1, "\x00".join(value)) if isinstance(value, tuple) else (key, 0, value)


_RANGE_SQL = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def condition_sql(binder: Binder, key: str, value: LockedValue) -> str:
    """One condition: string_props[key] = value, IN (values), or the numeric property present
    and within the range (a missing key reads as 0 in a Map, so presence is required)."""
    if isinstance(value, NumericRange):
        prop = binder.key(key)
        bounds = [
            f"numeric_props[{prop}] {_RANGE_SQL[op]} {binder.bind('v', bound, 'Float64')}"
            for op, bound in value.as_json().items()
        ]
        return " AND ".join([f"mapContains(numeric_props, {prop})", *bounds])
    if isinstance(value, tuple):
        if not value:  # never "no condition": an empty list would be Metabase's open lock
            raise ValueError(f"An empty list cannot lock {key!r}.")
        values = ", ".join(binder.bind("v", one, "String") for one in value)
        return f"string_props[{binder.key(key)}] IN ({values})"
    return f"string_props[{binder.key(key)}] = {binder.bind('v', value, 'String')}"


def settings_sql(reads: int = 1) -> str:
    """`reads`: how many tenants' reads one statement makes (a grouped read): together they may
    read and take what their own statements could, no more (a grouped read of 100 tenants
    timed out at 10 s under load, then made 100 reads)."""
    # Integers from settings (never from a request), formatted as numbers.
    return (
        f"SETTINGS max_execution_time = {int(settings.WAREHOUSE_MAX_EXECUTION_TIME) * int(reads)}, "
        f"max_rows_to_read = {int(settings.WAREHOUSE_MAX_ROWS_TO_READ) * int(reads)}, readonly = 2"
    )


def where_clause(
    scope: ReadScope,
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
    parts += [condition_sql(binder, key, value) for key, value in conditions]
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
        own = " AND ".join(condition_sql(binder, key, value) for key, value in metric.filters)
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


@dataclass(frozen=True, slots=True)
class Grouping:
    """The SQL that groups a widget read by tenant: empty for a Scope's own read."""

    select: str = ""  # a first column, "tenant_id, "
    key: str = ""  # a first grouping / ordering key, "tenant_id, "
    partition: str = ""  # rankings per tenant, "PARTITION BY tenant_id "
    limit_by: str = ""  # the top rows per tenant, " BY tenant_id"
    reads: int = 1  # tenants read: the statement's max_rows_to_read is theirs summed

    def group_by(self, keys: str = "") -> str:
        """`GROUP BY tenant_id, <keys>`; for an aggregate without keys, only when grouped."""
        keys = f"{self.key}{keys}".removesuffix(", ")
        return f"GROUP BY {keys}" if keys else ""


def grouping_of(scope: object) -> Grouping:
    if isinstance(scope, TenantsScope):
        by = "tenant_id, "
        return Grouping(by, by, "PARTITION BY tenant_id ", " BY tenant_id", len(scope.tenant_ids))
    if not isinstance(scope, Scope):
        raise TypeError("Widget queries need a tenant Scope(org_id, tenant_id) or TenantsScope.")
    return Grouping()
