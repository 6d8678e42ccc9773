"""The validated spec: immutable objects with every default resolved (what `parse_spec` returns)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboards.spec.kinds import has_trend
from warehouse.query import Metric as MetricSpec  # the warehouse's contract; validated here
from warehouse.query import Ratio as RatioSpec
from warehouse.query import Sort as SortSpec
from warehouse.query import WidgetQuery

__all__ = [
    "DashboardSpec",
    "FilterSpec",
    "Layout",
    "MetricSpec",
    "RatioSpec",
    "SortSpec",
    "ThemeSpec",
    "WidgetSpec",
]


@dataclass(frozen=True, slots=True)
class Layout:
    x: int
    y: int
    w: int
    h: int

    def to_dict(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


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
    compare: str | None = None  # timeseries only: "previous_period" or None
    metrics: tuple[MetricSpec | RatioSpec, ...] = ()  # table only: one column per metric
    sort: SortSpec | None = None  # table only
    ratio: RatioSpec | None = None  # metric "ratio" only
    format: Mapping[str, Any] | None = None  # how values are shown (dashboards.spec.formats)
    steps: tuple[str, ...] = ()  # funnel only: ordered event names
    window_minutes: int | None = None  # funnel only: the conversion window

    @property
    def metric_spec(self) -> MetricSpec | RatioSpec:
        if self.ratio is not None:
            return self.ratio
        return MetricSpec(self.metric, self.property)

    @property
    def query(self) -> WidgetQuery:
        """What the warehouse compiles: this widget's data, without its presentation."""
        return WidgetQuery(
            kind=self.kind,
            event_name=self.event_name,
            metric=self.metric_spec,
            group_by=self.group_by,
            filters=self.filters,
            limit=self.limit,
            bucket=self.bucket,
            compare=self.compare,
            trend=has_trend(self.kind, self.chart),
            metrics=self.metrics,
            sort=self.sort,
            steps=self.steps,
            window_seconds=self.window_minutes * 60 if self.window_minutes else None,
        )


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

    def visible_widgets(
        self, *, hidden: Iterable[str], only: str | None = None
    ) -> list[WidgetSpec]:
        """The widgets a grant may see: not hidden, and only `only` when it names one (a
        single-widget embed). The one rule of embeds and of viewer subscriptions' alerts."""
        hidden = set(hidden)
        return [w for w in self.widgets if w.id not in hidden and (only is None or w.id == only)]
