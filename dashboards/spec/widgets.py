"""Parsing of the widgets of a spec: the fields every widget has, then the rules of each kind."""

from typing import Any

from core.limits import GRID_COLUMNS, MAX_WIDGET_ROWS
from core.periods import AUTO_BUCKET, BUCKETS
from dashboards.spec.extras import parse_compare, parse_funnel
from dashboards.spec.fields import (
    MISSING,
    SpecErrors,
    as_choice,
    as_int,
    as_key,
    as_list,
    as_object,
    as_string,
)
from dashboards.spec.formats import parse_format
from dashboards.spec.kinds import (
    KIND_ONLY_FIELDS,
    takes_bucket,
    takes_limit,
    takes_property,
    takes_table_columns,
    takes_target,
)
from dashboards.spec.structures import Layout, MetricSpec, RatioSpec, SortSpec, WidgetSpec
from dashboards.spec.vocabulary import (
    CHARTS_BY_KIND,
    DEFAULT_LAYOUT,
    EVENT_NAME_RE,
    GROUP_BY_COUNT,
    KINDS,
    LIMITS,
    MAX_FILTER_VALUE_CHARS,
    MAX_FILTERS,
    MAX_TABLE_METRICS,
    MAX_WIDGETS,
    METRICS,
    PART_METRICS,
    RATIO,
    SORT_DIRECTIONS,
    USER_ID,
    WIDGET_ID_RE,
)


def parse_widgets(raw: Any, errors: SpecErrors) -> tuple[WidgetSpec, ...]:
    out: list[WidgetSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(as_list(raw, "widgets", errors, max_items=MAX_WIDGETS)):
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
    "compare",
    "metrics",
    "sort",
    "layout",
    "ratio",
    "format",
    "steps",
    "window_minutes",
}


def _parse_widget(raw: Any, path: str, errors: SpecErrors) -> WidgetSpec | None:
    before = len(errors.details)
    obj = as_object(raw, path, _WIDGET_FIELDS, errors)
    if obj is None:
        return None
    widget_id = as_string(
        obj.get("id", MISSING), f"{path}.id", errors, min_len=1, max_len=42, pattern=WIDGET_ID_RE
    )
    title = as_string(obj.get("title", ""), f"{path}.title", errors, max_len=200)
    kind = as_choice(obj.get("kind", MISSING), f"{path}.kind", KINDS, errors)
    raw_event = obj.get("event_name", MISSING)
    steps = obj.get("steps")
    if kind == "funnel" and raw_event is MISSING and isinstance(steps, list) and steps:
        raw_event = steps[0]  # a funnel starts with its first step
    event_name = as_string(
        raw_event,
        f"{path}.event_name",
        errors,
        min_len=1,
        max_len=128,
        pattern=EVENT_NAME_RE,
    )
    metric = _parse_metric(
        obj.get("metric", "count_unique" if kind == "funnel" else "count"),
        obj.get("property"),
        path,
        errors,
        raw_ratio=obj.get("ratio"),
    )
    filters = _parse_widget_filters(obj.get("filters") or {}, f"{path}.filters", errors)
    layout = parse_layout(obj.get("layout", DEFAULT_LAYOUT), f"{path}.layout", errors)
    number_format = parse_format(obj.get("format"), f"{path}.format", errors)
    if kind is None:
        return None
    chart = as_choice(
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
        property=metric.property if isinstance(metric, MetricSpec) else None,
        ratio=metric if isinstance(metric, RatioSpec) else None,
        format=number_format,
        group_by=group_by,
        filters=filters,
        limit=limit,
        layout=layout,
        **extras,
    )


def _parse_metric(
    raw_metric: Any,
    raw_property: Any,
    path: str,
    errors: SpecErrors,
    *,
    raw_ratio: Any = None,
    choices: tuple[str, ...] = METRICS,
) -> MetricSpec | RatioSpec | None:
    metric = as_choice(raw_metric, f"{path}.metric", choices, errors)
    prop_path = f"{path}.property"
    if metric is None:
        return None
    if metric == RATIO:
        if raw_property is not None:
            errors.add(prop_path, "A ratio takes no property: its parts do.")
            return None
        return _parse_ratio(raw_ratio, f"{path}.ratio", errors)
    if raw_ratio is not None:
        errors.add(f"{path}.ratio", "Only the ratio metric takes a ratio.")
        return None
    if not takes_property(metric):
        if raw_property is not None:
            errors.add(prop_path, f"{metric} takes no property.")
            return None
        return MetricSpec(metric, None)
    if metric == "count_unique":
        if raw_property is None or raw_property == USER_ID:
            return MetricSpec("count_unique", None)
        prop = as_key(raw_property, prop_path, errors)
        return MetricSpec("count_unique", prop) if prop else None
    if raw_property is None:
        errors.add(prop_path, f"{metric} needs a numeric property.")
        return None
    prop = as_key(raw_property, prop_path, errors)
    return MetricSpec(metric, prop) if prop else None


def _parse_ratio(raw: Any, path: str, errors: SpecErrors) -> RatioSpec | None:
    """{"numerator": part, "denominator": part}; a part is {metric, property, filters}."""
    obj = as_object(MISSING if raw is None else raw, path, {"numerator", "denominator"}, errors)
    if obj is None:
        return None
    parts = []
    for name in ("numerator", "denominator"):
        part = as_object(
            obj.get(name, MISSING), f"{path}.{name}", {"metric", "property", "filters"}, errors
        )
        if part is None:
            return None
        metric = _parse_metric(
            part.get("metric", MISSING),
            part.get("property"),
            f"{path}.{name}",
            errors,
            choices=PART_METRICS,
        )
        filters = _parse_widget_filters(part.get("filters") or {}, f"{path}.{name}.filters", errors)
        if not isinstance(metric, MetricSpec):
            return None
        parts.append(MetricSpec(metric.metric, metric.property, tuple(filters.items())))
    return RatioSpec(parts[0], parts[1])


def _parse_widget_filters(raw: Any, path: str, errors: SpecErrors) -> dict[str, str]:
    if not isinstance(raw, dict):
        errors.add(path, "Must be an object of dimension to value.")
        return {}
    if len(raw) > MAX_FILTERS:
        errors.add(path, f"At most {MAX_FILTERS} filters.")
        return {}
    out = {}
    for key, value in raw.items():
        if as_key(key, f"{path}.{key}", errors) is None:
            continue
        if as_string(value, f"{path}.{key}", errors, max_len=MAX_FILTER_VALUE_CHARS) is not None:
            out[key] = value
    return dict(sorted(out.items()))


def parse_layout(raw: Any, path: str, errors: SpecErrors) -> Layout | None:
    obj = as_object(raw, path, {"x", "y", "w", "h"}, errors)
    if obj is None:
        return None
    x = as_int(obj.get("x", MISSING), f"{path}.x", errors, low=0, high=GRID_COLUMNS - 1)
    y = as_int(obj.get("y", MISSING), f"{path}.y", errors, low=0, high=None)
    w = as_int(obj.get("w", MISSING), f"{path}.w", errors, low=1, high=GRID_COLUMNS)
    h = as_int(obj.get("h", MISSING), f"{path}.h", errors, low=1, high=MAX_WIDGET_ROWS)
    if None in (x, y, w, h):
        return None
    assert x is not None and y is not None and w is not None and h is not None
    if x + w > GRID_COLUMNS:
        errors.add(
            f"{path}.w",
            f"The widget ends past the grid: x + w is {x + w}, at most {GRID_COLUMNS} "
            f"(at x = {x}, w is at most {GRID_COLUMNS - x}).",
        )
        return None
    return Layout(x=x, y=y, w=w, h=h)


def _parse_group_by(raw: Any, kind: str, path: str, errors: SpecErrors) -> tuple[str, ...]:
    low, high = GROUP_BY_COUNT[kind]
    items = as_list(raw, path, errors, max_items=max(high, 3))
    if not low <= len(items) <= high:
        errors.add(
            path,
            f"A {kind} widget takes {low} to {high} group-by dimensions."
            if low != high
            else f"A {kind} widget takes exactly {low} group-by dimension(s).",
        )
        return ()
    keys = [as_key(item, f"{path}[{index}]", errors) for index, item in enumerate(items)]
    if len(set(keys)) != len(keys):
        errors.add(path, "Duplicate group-by dimension.")
    return tuple(k for k in keys if k)


def _parse_limit(
    raw: Any, kind: str, group_by: tuple[str, ...], path: str, errors: SpecErrors
) -> int | None:
    if not takes_limit(kind, grouped=bool(group_by)):
        if raw is not None:
            scope = " without group_by" if kind == "timeseries" else ""
            errors.add(path, f"A {kind} widget{scope} takes no limit.")
        return None
    low, default, high = LIMITS[kind]
    if raw is None:
        return default
    return as_int(raw, path, errors, low=low, high=high)


def _parse_kind_extras(
    obj: dict[str, Any],
    kind: str,
    chart: str | None,
    metric: MetricSpec | None,
    group_by: tuple[str, ...],
    path: str,
    errors: SpecErrors,
) -> dict[str, Any]:
    """target (kpi progress), bucket (timeseries), metrics and sort (table)."""
    for name, owner in KIND_ONLY_FIELDS.items():
        if kind != owner and obj.get(name) not in (None, [], {}):
            errors.add(f"{path}.{name}", f"Only a {owner} widget takes {name}.")
    if kind == KIND_ONLY_FIELDS["target"]:
        return {"target": _parse_target(obj.get("target"), kind, chart, f"{path}.target", errors)}
    if takes_bucket(kind):
        bucket = obj.get("bucket") or AUTO_BUCKET
        return {
            "bucket": as_choice(bucket, f"{path}.bucket", BUCKETS, errors),
            "compare": parse_compare(obj.get("compare"), chart, group_by, path, errors),
        }
    if kind == "funnel":
        return parse_funnel(obj, metric, path, errors)
    if takes_table_columns(kind):
        metrics = _parse_table_metrics(obj.get("metrics"), metric, f"{path}.metrics", errors)
        columns = [*group_by, *(m.label for m in metrics)]
        sort = _parse_sort(obj.get("sort"), columns, len(group_by), f"{path}.sort", errors)
        return {"metrics": metrics, "sort": sort}
    return {}


def _parse_target(
    raw: Any, kind: str, chart: str | None, path: str, errors: SpecErrors
) -> float | None:
    if not takes_target(kind, chart):
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
    raw: Any, default: MetricSpec | RatioSpec | None, path: str, errors: SpecErrors
) -> tuple[MetricSpec | RatioSpec, ...]:
    if raw is None or raw == []:
        return (default,) if default else ()
    out: list[MetricSpec | RatioSpec] = []
    for index, item in enumerate(as_list(raw, path, errors, max_items=MAX_TABLE_METRICS)):
        obj = as_object(item, f"{path}[{index}]", {"metric", "property", "ratio"}, errors)
        if obj is None:
            continue
        metric = _parse_metric(
            obj.get("metric", MISSING),
            obj.get("property"),
            f"{path}[{index}]",
            errors,
            raw_ratio=obj.get("ratio"),
        )
        if metric is None:
            continue
        if metric in out:
            errors.add(f"{path}[{index}]", "Duplicate metric.")
        out.append(metric)
    return tuple(out)


def _parse_sort(
    raw: Any, columns: list[str], dimensions: int, path: str, errors: SpecErrors
) -> SortSpec | None:
    if not columns:
        return None
    default_by = columns[dimensions] if len(columns) > dimensions else columns[0]
    obj = as_object(raw if raw is not None else {}, path, {"by", "direction"}, errors) or {}
    if len(set(columns)) != len(columns):
        errors.add(path, "Column names must be unique (a group-by dimension shadows a metric).")
    by = as_choice(obj.get("by", default_by), f"{path}.by", tuple(columns), errors)
    direction = as_choice(
        obj.get("direction", "desc"), f"{path}.direction", SORT_DIRECTIONS, errors
    )
    return SortSpec(by=by, direction=direction) if by and direction else None
