"""The dashboard spec: strict validation of what the builder, the API and auto-create save.

Field names and data shapes are fixed by DESIGN.md ("Dashboard spec and widget data"). Unknown
keys are errors at every level, so a typo (say `filter` for `filters`) can never silently drop a
condition and widen what a widget shows. Every error names its path (`widgets[2].metric`), and
all errors of a spec are reported at once.

`parse_spec` returns immutable objects with every default resolved; `spec_to_dict` is their
canonical JSON form (what gets stored and compared).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from core.errors import InvalidInput
from core.limits import EVENT_NAME_PATTERN, PROP_KEY_PATTERN

SPEC_MAX_BYTES = 256 * 1024
MAX_WIDGETS = 50
MAX_FILTERS = 20
MAX_FILTER_VALUE_CHARS = 1000

PERIODS: tuple[str, ...] = ("24h", "7d", "30d", "90d")
KINDS: tuple[str, ...] = ("kpi", "timeseries", "breakdown", "table")
CHARTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "kpi": ("stat", "progress"),
    "timeseries": ("area", "line", "bar"),
    "breakdown": ("bar", "list"),
    "table": ("table",),
}
METRICS: tuple[str, ...] = ("count", "count_unique", "sum", "avg", "p95", "p99")
NUMERIC_METRICS: frozenset[str] = frozenset({"sum", "avg", "p95", "p99"})
BUCKETS: tuple[str, ...] = ("auto", "hour", "day", "week", "month")
SORT_DIRECTIONS: tuple[str, ...] = ("asc", "desc")
THEME_MODES: tuple[str, ...] = ("light", "dark")
USER_ID = "user_id"  # count_unique's default: the event's user_id column, not a property

# (min, default, max) of `limit` per kind; kpi has none. A timeseries limit is its top N series.
LIMITS: dict[str, tuple[int, int, int]] = {
    "timeseries": (1, 5, 20),
    "breakdown": (1, 10, 100),
    "table": (1, 100, 1000),
}
# Group-by dimensions allowed per kind: (min, max).
GROUP_BY_COUNT: dict[str, tuple[int, int]] = {
    "kpi": (0, 0),
    "timeseries": (0, 1),
    "breakdown": (1, 1),
    "table": (1, 3),
}
MAX_TABLE_METRICS = 6  # one column per metric kind

# Ingest's rules for property keys (also group-by dimensions and filter keys) and event names:
# a name no event can have is a typo, reported instead of drawing an empty chart.
# Property keys and event names follow the ingest rules: a spec can only name what ingest accepts.
KEY_RE = PROP_KEY_PATTERN
EVENT_NAME_RE = EVENT_NAME_PATTERN
WIDGET_ID_RE = re.compile(r"w_[A-Za-z0-9_]{1,40}")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}\Z")
FONT_RE = re.compile(r"^[A-Za-z0-9 ,_-]{1,100}\Z")  # no quotes, semicolons or braces: safe in CSS

DEFAULT_THEME = {
    "primaryColor": "#2563eb",
    "fontFamily": "Inter, system-ui, sans-serif",
    "mode": "light",
}
DEFAULT_LAYOUT = {"x": 0, "y": 0, "w": 6, "h": 4}


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


class _Errors:
    """Collects every problem of one spec with its path, raised once at the end."""

    def __init__(self) -> None:
        self.details: list[dict[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.details.append({"field": path, "message": message})

    def raise_if_any(self) -> None:
        if self.details:
            raise InvalidInput("The dashboard spec is invalid.", details=self.details)


_MISSING = object()


def _object(raw: Any, path: str, allowed: set[str], errors: _Errors) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        errors.add(path or "spec", "Required." if raw is _MISSING else "Must be an object.")
        return None
    for key in raw:
        if key not in allowed:
            errors.add(f"{path}.{key}" if path else str(key), "Unknown field.")
    return raw


def _string(
    raw: Any,
    path: str,
    errors: _Errors,
    *,
    min_len: int = 0,
    max_len: int = 200,
    pattern: re.Pattern[str] | None = None,
) -> str | None:
    if not isinstance(raw, str):
        errors.add(path, "Required." if raw is _MISSING else "Must be a string.")
        return None
    if not min_len <= len(raw) <= max_len:
        errors.add(path, f"Must be {min_len} to {max_len} characters long.")
        return None
    if pattern is not None and not pattern.fullmatch(raw):
        errors.add(path, f"Has an invalid format (expected {pattern.pattern}).")
        return None
    return raw


def _choice(raw: Any, path: str, choices: tuple[str, ...], errors: _Errors) -> str | None:
    if raw not in choices or not isinstance(raw, str):
        missing = "Required; one" if raw is _MISSING else "Must be one"
        errors.add(path, f"{missing} of: {', '.join(choices)}.")
        return None
    return raw


def _int(raw: Any, path: str, errors: _Errors, *, low: int, high: int | None) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int):
        errors.add(path, "Required." if raw is _MISSING else "Must be an integer.")
        return None
    if raw < low or (high is not None and raw > high):
        errors.add(
            path,
            f"Must be between {low} and {high}."
            if high is not None
            else f"Must be at least {low}.",
        )
        return None
    return raw


def _key(raw: Any, path: str, errors: _Errors) -> str | None:
    return _string(raw, path, errors, min_len=1, max_len=64, pattern=KEY_RE)


def _list(raw: Any, path: str, errors: _Errors, *, max_items: int) -> list[Any]:
    if not isinstance(raw, list):
        errors.add(path, "Must be a list.")
        return []
    if len(raw) > max_items:
        errors.add(path, f"At most {max_items} items.")
        return []
    return raw


def parse_spec(raw: object) -> DashboardSpec:
    """Validate a spec strictly; raises InvalidInput listing every problem with its path."""
    errors = _Errors()
    try:
        size = len(orjson.dumps(raw))
    except (TypeError, orjson.JSONEncodeError):
        raise InvalidInput(
            "The dashboard spec must be JSON.", details=[{"field": "spec", "message": "Not JSON."}]
        ) from None
    if size > SPEC_MAX_BYTES:
        raise InvalidInput(
            f"The dashboard spec is larger than {SPEC_MAX_BYTES} bytes.",
            details=[{"field": "spec", "message": f"{size} bytes; the limit is {SPEC_MAX_BYTES}."}],
        )
    obj = _object(raw, "", {"name", "default_period", "filters", "theme", "widgets"}, errors)
    if obj is None:
        errors.raise_if_any()
    assert obj is not None
    name = _string(obj.get("name", _MISSING), "name", errors, min_len=1, max_len=200)
    default_period = _choice(obj.get("default_period", "7d"), "default_period", PERIODS, errors)
    filters = _parse_dashboard_filters(obj.get("filters", []), errors)
    theme = _parse_theme(obj.get("theme", {}), errors)
    widgets = _parse_widgets(obj.get("widgets", []), errors)
    errors.raise_if_any()
    return DashboardSpec(
        name=name or "",
        default_period=default_period or "7d",
        filters=filters,
        theme=theme,
        widgets=widgets,
    )


def _parse_dashboard_filters(raw: Any, errors: _Errors) -> tuple[FilterSpec, ...]:
    out: list[FilterSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(_list(raw, "filters", errors, max_items=MAX_FILTERS)):
        path = f"filters[{index}]"
        obj = _object(item, path, {"dimension", "label"}, errors)
        if obj is None:
            continue
        dimension = _key(obj.get("dimension", _MISSING), f"{path}.dimension", errors)
        label = _string(
            obj.get("label", dimension), f"{path}.label", errors, min_len=1, max_len=100
        )
        if dimension in seen:
            errors.add(f"{path}.dimension", "Duplicate filter dimension.")
        elif dimension and label:
            seen.add(dimension)
            out.append(FilterSpec(dimension=dimension, label=label))
    return tuple(out)


def _parse_theme(raw: Any, errors: _Errors) -> ThemeSpec:
    obj = _object(raw, "theme", set(DEFAULT_THEME), errors) or {}
    merged = {**DEFAULT_THEME, **obj}
    color = _string(
        merged["primaryColor"], "theme.primaryColor", errors, min_len=7, max_len=7, pattern=COLOR_RE
    )
    font = _string(
        merged["fontFamily"], "theme.fontFamily", errors, min_len=1, max_len=100, pattern=FONT_RE
    )
    mode = _choice(merged["mode"], "theme.mode", THEME_MODES, errors)
    return ThemeSpec(
        primaryColor=(color or DEFAULT_THEME["primaryColor"]).lower(),
        fontFamily=font or DEFAULT_THEME["fontFamily"],
        mode=mode or "light",
    )


def _parse_widgets(raw: Any, errors: _Errors) -> tuple[WidgetSpec, ...]:
    out: list[WidgetSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(_list(raw, "widgets", errors, max_items=MAX_WIDGETS)):
        path = f"widgets[{index}]"
        raw_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(raw_id, str) and raw_id in seen:
            errors.add(f"{path}.id", f"Duplicate widget id {raw_id!r}.")
        if isinstance(raw_id, str):
            seen.add(raw_id)
        widget = _parse_widget(item, path, errors)
        if widget is not None:
            out.append(widget)
    return tuple(out)


_WIDGET_FIELDS = {
    "id",
    "title",
    "kind",
    "chart",
    "event_name",
    "metric",
    "property",
    "group_by",
    "filters",
    "limit",
    "target",
    "bucket",
    "metrics",
    "sort",
    "layout",
}


def _parse_widget(raw: Any, path: str, errors: _Errors) -> WidgetSpec | None:
    before = len(errors.details)
    obj = _object(raw, path, _WIDGET_FIELDS, errors)
    if obj is None:
        return None
    widget_id = _string(
        obj.get("id", _MISSING), f"{path}.id", errors, min_len=1, max_len=42, pattern=WIDGET_ID_RE
    )
    title = _string(obj.get("title", ""), f"{path}.title", errors, max_len=200)
    kind = _choice(obj.get("kind", _MISSING), f"{path}.kind", KINDS, errors)
    event_name = _string(
        obj.get("event_name", _MISSING),
        f"{path}.event_name",
        errors,
        min_len=1,
        max_len=128,
        pattern=EVENT_NAME_RE,
    )
    metric = _parse_metric(obj.get("metric", "count"), obj.get("property"), path, errors)
    filters = _parse_widget_filters(obj.get("filters") or {}, f"{path}.filters", errors)
    layout = _parse_layout(obj.get("layout", DEFAULT_LAYOUT), f"{path}.layout", errors)
    if kind is None:
        return None
    chart = _choice(
        obj.get("chart", CHARTS_BY_KIND[kind][0]), f"{path}.chart", CHARTS_BY_KIND[kind], errors
    )
    group_by = _parse_group_by(obj.get("group_by") or [], kind, f"{path}.group_by", errors)
    limit = _parse_limit(obj.get("limit"), kind, group_by, f"{path}.limit", errors)
    extras = _parse_kind_extras(obj, kind, chart, metric, group_by, path, errors)
    if len(errors.details) > before:  # every None above comes with an error
        return None
    assert widget_id and title is not None and event_name and metric and chart and layout
    return WidgetSpec(
        id=widget_id,
        title=title,
        kind=kind,
        chart=chart,
        event_name=event_name,
        metric=metric.metric,
        property=metric.property,
        group_by=group_by,
        filters=filters,
        limit=limit,
        layout=layout,
        **extras,
    )


def _parse_metric(
    raw_metric: Any, raw_property: Any, path: str, errors: _Errors
) -> MetricSpec | None:
    metric = _choice(raw_metric, f"{path}.metric", METRICS, errors)
    prop_path = f"{path}.property"
    if metric is None:
        return None
    if metric == "count":
        if raw_property is not None:
            errors.add(prop_path, "count takes no property.")
            return None
        return MetricSpec("count", None)
    if metric == "count_unique":
        if raw_property is None or raw_property == USER_ID:
            return MetricSpec("count_unique", None)
        prop = _key(raw_property, prop_path, errors)
        return MetricSpec("count_unique", prop) if prop else None
    if raw_property is None:
        errors.add(prop_path, f"{metric} needs a numeric property.")
        return None
    prop = _key(raw_property, prop_path, errors)
    return MetricSpec(metric, prop) if prop else None


def _parse_widget_filters(raw: Any, path: str, errors: _Errors) -> dict[str, str]:
    if not isinstance(raw, dict):
        errors.add(path, "Must be an object of dimension to value.")
        return {}
    if len(raw) > MAX_FILTERS:
        errors.add(path, f"At most {MAX_FILTERS} filters.")
        return {}
    out = {}
    for key, value in raw.items():
        if _key(key, f"{path}.{key}", errors) is None:
            continue
        if _string(value, f"{path}.{key}", errors, max_len=MAX_FILTER_VALUE_CHARS) is not None:
            out[key] = value
    return dict(sorted(out.items()))


def _parse_layout(raw: Any, path: str, errors: _Errors) -> Layout | None:
    obj = _object(raw, path, {"x", "y", "w", "h"}, errors)
    if obj is None:
        return None
    x = _int(obj.get("x", _MISSING), f"{path}.x", errors, low=0, high=11)
    y = _int(obj.get("y", _MISSING), f"{path}.y", errors, low=0, high=None)
    w = _int(obj.get("w", _MISSING), f"{path}.w", errors, low=1, high=12)
    h = _int(obj.get("h", _MISSING), f"{path}.h", errors, low=1, high=12)
    if None in (x, y, w, h):
        return None
    assert x is not None and y is not None and w is not None and h is not None
    return Layout(x=x, y=y, w=w, h=h)


def _parse_group_by(raw: Any, kind: str, path: str, errors: _Errors) -> tuple[str, ...]:
    low, high = GROUP_BY_COUNT[kind]
    items = _list(raw, path, errors, max_items=max(high, 3))
    if not low <= len(items) <= high:
        errors.add(
            path,
            f"A {kind} widget takes {low} to {high} group-by dimensions."
            if low != high
            else f"A {kind} widget takes exactly {low} group-by dimension(s).",
        )
        return ()
    keys = [_key(item, f"{path}[{index}]", errors) for index, item in enumerate(items)]
    if len(set(keys)) != len(keys):
        errors.add(path, "Duplicate group-by dimension.")
    return tuple(k for k in keys if k)


def _parse_limit(
    raw: Any, kind: str, group_by: tuple[str, ...], path: str, errors: _Errors
) -> int | None:
    if kind not in LIMITS or (kind == "timeseries" and not group_by):
        if raw is not None:
            scope = " without group_by" if kind == "timeseries" else ""
            errors.add(path, f"A {kind} widget{scope} takes no limit.")
        return None
    low, default, high = LIMITS[kind]
    if raw is None:
        return default
    return _int(raw, path, errors, low=low, high=high)


# Fields that only one kind takes; on any other kind they must be absent (or empty).
_KIND_ONLY_FIELDS = {"target": "kpi", "bucket": "timeseries", "metrics": "table", "sort": "table"}


def _parse_kind_extras(
    obj: dict[str, Any],
    kind: str,
    chart: str | None,
    metric: MetricSpec | None,
    group_by: tuple[str, ...],
    path: str,
    errors: _Errors,
) -> dict[str, Any]:
    """target (kpi progress), bucket (timeseries), metrics and sort (table)."""
    for name, owner in _KIND_ONLY_FIELDS.items():
        if kind != owner and obj.get(name) not in (None, [], {}):
            errors.add(f"{path}.{name}", f"Only a {owner} widget takes {name}.")
    if kind == "kpi":
        return {"target": _parse_target(obj.get("target"), chart, f"{path}.target", errors)}
    if kind == "timeseries":
        return {"bucket": _choice(obj.get("bucket") or "auto", f"{path}.bucket", BUCKETS, errors)}
    if kind == "table":
        metrics = _parse_table_metrics(obj.get("metrics"), metric, f"{path}.metrics", errors)
        columns = [*group_by, *(m.label for m in metrics)]
        sort = _parse_sort(obj.get("sort"), columns, len(group_by), f"{path}.sort", errors)
        return {"metrics": metrics, "sort": sort}
    return {}


def _parse_target(raw: Any, chart: str | None, path: str, errors: _Errors) -> float | None:
    if chart != "progress":
        if raw is not None:
            errors.add(path, "Only a progress chart takes a target.")
        return None
    if (
        isinstance(raw, bool)
        or not isinstance(raw, (int, float))
        or raw != raw
        or abs(raw) == float("inf")
    ):
        errors.add(path, "A progress chart needs a numeric target.")
        return None
    return float(raw)


def _parse_table_metrics(
    raw: Any, default: MetricSpec | None, path: str, errors: _Errors
) -> tuple[MetricSpec, ...]:
    if raw is None or raw == []:
        return (default,) if default else ()
    out: list[MetricSpec] = []
    for index, item in enumerate(_list(raw, path, errors, max_items=MAX_TABLE_METRICS)):
        obj = _object(item, f"{path}[{index}]", {"metric", "property"}, errors)
        if obj is None:
            continue
        metric = _parse_metric(
            obj.get("metric", _MISSING), obj.get("property"), f"{path}[{index}]", errors
        )
        if metric is None:
            continue
        if metric in out:
            errors.add(f"{path}[{index}]", "Duplicate metric.")
        out.append(metric)
    return tuple(out)


def _parse_sort(
    raw: Any, columns: list[str], dimensions: int, path: str, errors: _Errors
) -> SortSpec | None:
    if not columns:
        return None
    default_by = columns[dimensions] if len(columns) > dimensions else columns[0]
    obj = _object(raw if raw is not None else {}, path, {"by", "direction"}, errors) or {}
    if len(set(columns)) != len(columns):
        errors.add(path, "Column names must be unique (a group-by dimension shadows a metric).")
    by = _choice(obj.get("by", default_by), f"{path}.by", tuple(columns), errors)
    direction = _choice(obj.get("direction", "desc"), f"{path}.direction", SORT_DIRECTIONS, errors)
    return SortSpec(by=by, direction=direction) if by and direction else None


def widget_to_dict(widget: WidgetSpec) -> dict[str, Any]:
    """The canonical form of one widget: DESIGN.md's keys, plus the kind's own extras."""
    out: dict[str, Any] = {
        "id": widget.id,
        "title": widget.title,
        "kind": widget.kind,
        "chart": widget.chart,
        "event_name": widget.event_name,
        "metric": widget.metric,
        "property": widget.property,
        "group_by": list(widget.group_by),
        "filters": dict(widget.filters),
        "limit": widget.limit,
        "layout": widget.layout.to_dict(),
    }
    if widget.kind == "kpi":
        out["target"] = widget.target
    if widget.kind == "timeseries":
        out["bucket"] = widget.bucket
    if widget.kind == "table":
        out["metrics"] = [{"metric": m.metric, "property": m.property} for m in widget.metrics]
        out["sort"] = (
            {"by": widget.sort.by, "direction": widget.sort.direction} if widget.sort else None
        )
    return out


def spec_to_dict(spec: DashboardSpec) -> dict[str, Any]:
    """The canonical JSON-able form: parse_spec(spec_to_dict(s)) == s."""
    return {
        "name": spec.name,
        "default_period": spec.default_period,
        "filters": [{"dimension": f.dimension, "label": f.label} for f in spec.filters],
        "theme": {
            "primaryColor": spec.theme.primaryColor,
            "fontFamily": spec.theme.fontFamily,
            "mode": spec.theme.mode,
        },
        "widgets": [widget_to_dict(w) for w in spec.widgets],
    }
