"""The warehouse's query contract: what the compiler needs to know of a widget, and nothing more.

The warehouse knows no app. `dashboards` validates a widget spec and builds one of these from it
(`WidgetSpec.query`); alerts and embeds pass on what dashboards built. The compiler trusts the
shape (a breakdown has one group-by key, a table a sort) because only a validated spec builds it,
but never the text: every name and value here becomes a query parameter, not SQL.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field


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
    kind: str  # kpi, timeseries, breakdown, table
    event_name: str
    metric: Metric | Ratio
    group_by: tuple[str, ...] = ()
    filters: Mapping[str, str] = field(default_factory=dict)  # the widget's own, all ANDed
    limit: int | None = None  # top N keys / series / rows
    bucket: str | None = None  # timeseries: the requested size (auto, hour, ...)
    metrics: tuple[Metric | Ratio, ...] = ()  # table: one column per metric
    sort: Sort | None = None  # table
    steps: tuple[str, ...] = ()  # funnel: the ordered event names; event_name is steps[0]
    window_seconds: int | None = None  # funnel: from a user's first step to the last
