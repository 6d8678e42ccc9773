"""The warehouse's query contract: what the compiler needs to know of a widget, and nothing more.

The warehouse knows no app. `dashboards` validates a widget spec and builds one of these from it
(`WidgetSpec.query`); alerts and embeds pass on what dashboards built. The compiler trusts the
shape (a breakdown has one group-by key, a table a sort) because only a validated spec builds it,
but never the text: every name and value here becomes a query parameter, not SQL.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Metric:
    metric: str  # count, count_unique, sum, avg, p95, p99
    property: str | None  # None: no property (count) or user_id (count_unique)
    # A ratio part's own conditions (sorted key/value pairs), ANDed with the widget's filters.
    filters: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """The column name in table data: `count`, `count_unique`, `p95(latency_ms)`, and for
        a ratio part with filters `count[status=error]`."""
        name = self.metric if self.property is None else f"{self.metric}({self.property})"
        if not self.filters:
            return name
        return name + "[" + ",".join(f"{key}={value}" for key, value in self.filters) + "]"


@dataclass(frozen=True, slots=True)
class Ratio:
    """numerator / denominator over the same events (e.g. errors / calls, cost / users), each
    part with its own filters, computed in the same scan. A zero or empty denominator gives
    NULL, never infinity."""

    numerator: Metric
    denominator: Metric
    metric: str = "ratio"

    @property
    def label(self) -> str:
        return f"{self.numerator.label}/{self.denominator.label}"


@dataclass(frozen=True, slots=True)
class Sort:
    by: str  # a column name: a group-by dimension or a metric label
    direction: str  # asc, desc


@dataclass(frozen=True, slots=True)
class WidgetQuery:
    kind: str  # kpi, timeseries, breakdown, table, funnel
    event_name: str
    metric: Metric | Ratio
    group_by: tuple[str, ...] = ()
    filters: Mapping[str, str] = field(default_factory=dict)  # the widget's own, all ANDed
    limit: int | None = None  # top N keys / series / rows
    bucket: str | None = None  # timeseries: the requested size (auto, hour, ...)
    # timeseries: "previous_period" also reads the same-length window just before, each of its
    # points under the current bucket one period later
    compare: str | None = None
    trend: bool = False  # kpi: also the value per (auto-sized) bucket of the period: a sparkline
    metrics: tuple[Metric | Ratio, ...] = ()  # table: one column per metric
    sort: Sort | None = None  # table
    steps: tuple[str, ...] = ()  # funnel: the ordered event names; event_name is steps[0]
    window_seconds: int | None = None  # funnel: from a user's first step to the last


# --- Locked filters (an embed token's grant) -----------------------------------------------------
# One representation for the compiler, the embed page, subscriptions and the designer: a locked
# key maps to a `LockedValue`, which is
#   - a str: string_props[key] = value (the only form before issue 11);
#   - a non-empty tuple of distinct strs: string_props[key] IN (values);
#   - a NumericRange: numeric_props[key] within the bounds (the row must carry the property).
# JSON (API bodies, token claims, stored grants) carries the same as a string, a list of
# strings, or an object of gt / gte / lt / lte numbers; `locked_value` is the one parser.

MAX_LOCKED_VALUES = 100  # values of one list lock


@dataclass(frozen=True, slots=True)
class NumericRange:
    """A locked range on a numeric property; at least one bound, and a non-empty interval."""

    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None

    def __post_init__(self) -> None:
        bounds = self.as_json()
        if not bounds:
            raise ValueError("A range needs at least one of gt, gte, lt, lte.")
        if any(not math.isfinite(bound) for bound in bounds.values()):
            raise ValueError("The range's bounds must be finite numbers.")
        lows = [(v, op) for op, v in (("gt", self.gt), ("gte", self.gte)) if v is not None]
        highs = [(v, op) for op, v in (("lt", self.lt), ("lte", self.lte)) if v is not None]
        for low, low_op in lows:
            for high, high_op in highs:
                if low > high or (low == high and (low_op, high_op) != ("gte", "lte")):
                    raise ValueError("The range is empty: no number is within its bounds.")

    def as_json(self) -> dict[str, float]:
        bounds = (("gt", self.gt), ("gte", self.gte), ("lt", self.lt), ("lte", self.lte))
        return {op: value for op, value in bounds if value is not None}

    def contains(self, number: float) -> bool:
        return (
            (self.gt is None or number > self.gt)
            and (self.gte is None or number >= self.gte)
            and (self.lt is None or number < self.lt)
            and (self.lte is None or number <= self.lte)
        )


LockedValue = str | tuple[str, ...] | NumericRange
LockedFilters = Mapping[str, LockedValue]


def locked_value(raw: Any) -> LockedValue:
    """The JSON form (a string, a list of strings, a range object) -> a LockedValue. Raises
    ValueError with a message fit for the API on anything else: an empty string, an empty or
    too long list, a list with a non-string, an empty range, an unknown bound, a non-number."""
    if isinstance(raw, str):
        if not raw:
            raise ValueError("A locked value cannot be empty.")
        return raw
    if isinstance(raw, list | tuple):
        if not raw:
            raise ValueError("An empty list would lock nothing: give at least one value.")
        if len(raw) > MAX_LOCKED_VALUES:
            raise ValueError(f"At most {MAX_LOCKED_VALUES} values.")
        if any(not isinstance(value, str) or not value for value in raw):
            raise ValueError("Every value of a list must be a non-empty string.")
        return tuple(dict.fromkeys(raw))
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - {"gt", "gte", "lt", "lte"})
        if unknown:
            raise ValueError(f"Unknown range bound {unknown[0]!r}: use gt, gte, lt or lte.")
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in raw.values()):
            raise ValueError("Range bounds must be numbers.")
        return NumericRange(**raw)
    raise ValueError("A locked value is a string, a list of strings or a range object.")


def locked_value_json(value: LockedValue) -> str | list[str] | dict[str, float]:
    if isinstance(value, NumericRange):
        return value.as_json()
    return list(value) if isinstance(value, tuple) else value


def locked_strings(value: LockedValue) -> tuple[str, ...]:
    """The string values a lock allows (what a viewer may narrow to); () for a range."""
    if isinstance(value, NumericRange):
        return ()
    return value if isinstance(value, tuple) else (value,)
