"""The validated spec: immutable objects with every default resolved (what `parse_spec` returns)."""

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Layout:
    x: int
    y: int
    w: int
    h: int

    def to_dict(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


@dataclass(frozen=True, slots=True)
class MetricSpec:
    metric: str
    property: str | None  # None: no property (count) or user_id (count_unique)

    @property
    def label(self) -> str:
        """The column name in table data: `count`, `count_unique`, `p95(latency_ms)`."""
        return self.metric if self.property is None else f"{self.metric}({self.property})"


@dataclass(frozen=True, slots=True)
class SortSpec:
    by: str  # a column name: a group-by dimension or a metric label
    direction: str


@dataclass(frozen=True, slots=True)
class WidgetSpec:
    id: str
    title: str
    kind: str
    chart: str
    event_name: str
    metric: str
    property: str | None
    group_by: tuple[str, ...]
    filters: Mapping[str, str]
    limit: int | None
    layout: Layout
    target: float | None = None  # kpi progress only
    bucket: str | None = None  # timeseries only: auto, hour, day, week, month
    metrics: tuple[MetricSpec, ...] = ()  # table only: one column per metric
    sort: SortSpec | None = None  # table only

    @property
    def metric_spec(self) -> MetricSpec:
        return MetricSpec(self.metric, self.property)


@dataclass(frozen=True, slots=True)
class FilterSpec:
    dimension: str
    label: str


@dataclass(frozen=True, slots=True)
class ThemeSpec:
    primaryColor: str  # noqa: N815 - the wire name
    fontFamily: str  # noqa: N815
    mode: str


@dataclass(frozen=True, slots=True)
class DashboardSpec:
    name: str
    default_period: str
    filters: tuple[FilterSpec, ...]
    theme: ThemeSpec
    widgets: tuple[WidgetSpec, ...] = field(default=())

    def widget(self, widget_id: str) -> WidgetSpec | None:
        return next((w for w in self.widgets if w.id == widget_id), None)
