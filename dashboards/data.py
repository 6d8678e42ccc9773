"""The one data code path of a dashboard: used by the admin data endpoint, the embed page's data
endpoint and the console preview alike, so what the builder previews is what a tenant sees.

`parse_data_request` turns query parameters into a validated window; `dashboard_data` runs one
compiled query per visible widget (warehouse.compiler), shapes the rows into DESIGN.md's data
shapes and caches each widget's result.

The window of a request (`DataRequest`, `parse_data_request`) is dashboards.data_request's.

Where there are no events, count, count_unique and sum are 0 (KPI values and timeseries buckets
alike), while avg and percentiles are null: "no latency measured" is not a latency of 0 ms.
"""

import hashlib
import logging
import math
from collections.abc import Collection, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from django.conf import settings
from django.core.cache import cache

from core.errors import ApiError
from core.isotime import iso_utc
from dashboards.data_request import DataRequest, invalid_field, parse_data_request
from dashboards.spec import (
    DashboardSpec,
    WidgetSpec,
    widget_to_dict,
)
from dashboards.spec.kinds import has_trend
from warehouse.backends import Result, WarehouseError, WarehouseUnavailable
from warehouse.buckets import bucket_starts, resolve_bucket
from warehouse.compiler import OTHER, compile_kpis, compile_widget
from warehouse.reads import CompiledQuery, run, run_many
from warehouse.scope import Scope
from warehouse.sql import effective_filters

__all__ = ["DataRequest", "dashboard_data", "parse_data_request", "widget_data"]

logger = logging.getLogger(__name__)

WAREHOUSE_RETRY_AFTER_SECONDS = 5


class WarehouseDown(ApiError):
    status, code = 503, "warehouse_unavailable"


CACHE_PREFIX = "sightline:widget:v1:"
# Metrics that are 0 over no events; the others (avg, percentiles) have no value there.
ADDITIVE_METRICS = frozenset({"count", "count_unique", "sum"})


def dashboard_data(
    *,
    spec: DashboardSpec,
    scope: Scope,
    request: DataRequest,
    locked_filters: Mapping[str, str] | None = None,
    hidden_widgets: Collection[str] = (),
    version_key: str,
) -> dict[str, Any]:
    """Every visible widget's data for one tenant, DESIGN.md's shape:
    `{"period": {"name", "from", "to", "tz"}, "widgets": [{"id", "kind", "title", "data"}]}`.

    `version_key` names what `spec` is (e.g. "v3" or "draft"); the cache key also holds a hash of
    each widget's spec, so an edited draft never serves stale data. Viewer filters must name one
    of the dashboard's filter dimensions; `locked_filters` (from an embed token) win over them.
    A widget whose query fails gets `"data": null` and an `error`, and is not cached.
    """
    if not isinstance(scope, Scope):
        raise TypeError("dashboard_data needs a tenant Scope.")
    locked = dict(locked_filters or {})
    _check_viewer_filters(spec, request.filters)
    hidden = set(hidden_widgets)
    widgets = [w for w in spec.widgets if w.id not in hidden]
    keys = {
        w.id: _cache_key(w, scope=scope, request=request, locked=locked, version_key=version_key)
        for w in widgets
    }
    cached = _cache_get(list(keys.values()))
    missing = [w for w in widgets if keys[w.id] not in cached]
    computed = _computed_together(missing, scope=scope, request=request, locked=locked)
    fresh: dict[str, Any] = {}
    out = []
    for widget in widgets:
        key = keys[widget.id]
        entry: dict[str, Any] = {"id": widget.id, "kind": widget.kind, "title": widget.title}
        if key in cached:
            entry["data"] = cached[key]
        else:
            entry.update(computed[widget.id])
            if "error" not in entry:
                fresh[key] = entry["data"]
        out.append(entry)
    _cache_set(fresh)
    return {"period": _period_dict(request), "widgets": out}


def _computed_together(
    widgets: list[WidgetSpec], *, scope: Scope, request: DataRequest, locked: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """The uncached widgets in one round trip (`warehouse.reads.run_many`: one statement on
    chDB, concurrent queries on a server). If that fails, each widget alone, so one failing
    widget does not take the others down."""
    if len(widgets) > 1:
        groups = _scan_groups(widgets, request=request, locked=locked)
        compiled = [_compile_group(g, scope=scope, request=request, locked=locked) for g in groups]
        try:
            results = run_many([query for query, _ in compiled])
        except WarehouseError as exc:
            logger.info("one-round-trip dashboard failed, retrying widget by widget: %s", exc)
        else:
            return {
                widget.id: {"data": _shaped(widget, query, bucket, result, request)}
                for group, (query, bucket), group_result in zip(
                    groups, compiled, results, strict=True
                )
                for widget, result in zip(group, _split(group, group_result), strict=True)
            }
    return {w.id: _computed(w, scope=scope, request=request, locked=locked) for w in widgets}


def _scan_groups(
    widgets: list[WidgetSpec], *, request: DataRequest, locked: Mapping[str, str]
) -> list[list[WidgetSpec]]:
    """The widgets as reads: KPIs of one event with the same effective filters read the same
    rows, so they share one scan (`compile_kpis`); every other widget is a read of its own."""
    groups: dict[object, list[WidgetSpec]] = {}
    for widget in widgets:
        key: object = widget.id
        if widget.kind == "kpi" and not widget.query.trend:  # a sparkline is a read of its own
            filters = effective_filters(widget.query.filters, request.filters, locked)
            key = ("kpi", widget.query.event_name, filters)
        groups.setdefault(key, []).append(widget)
    return list(groups.values())


def _compile_group(
    group: list[WidgetSpec], *, scope: Scope, request: DataRequest, locked: Mapping[str, str]
) -> tuple[CompiledQuery, str | None]:
    if len(group) == 1:
        return _compile(group[0], scope=scope, request=request, locked=locked)
    query = compile_kpis(
        [w.query for w in group],
        scope=scope,
        start=request.start,
        end=request.end,
        filters=request.filters,
        locked_filters=locked,
    )
    return query, None


def _split(group: list[WidgetSpec], result: Result) -> list[Result]:
    """A shared KPI scan's one row, [value_0, previous_0, value_1, …], as each KPI's own."""
    if len(group) == 1:
        return [result]
    row = result.rows[0] if result.rows else None
    return [
        Result(columns=[], rows=[] if row is None else [list(row[2 * i : 2 * i + 2])])
        for i in range(len(group))
    ]


# The cache only saves work: when it is down (Redis restarting), dashboards are computed.
def _cache_get(keys: list[str]) -> dict[str, Any]:
    try:
        return cache.get_many(keys) if keys else {}
    except Exception as exc:  # any cache backend's connection error
        logger.warning("widget cache unavailable for reads: %s", exc)
        return {}


def _cache_set(entries: dict[str, Any]) -> None:
    if not entries:
        return
    try:
        cache.set_many(entries, timeout=settings.WIDGET_CACHE_TTL)
    except Exception as exc:
        logger.warning("widget cache unavailable for writes: %s", exc)


def _computed(
    widget: WidgetSpec, *, scope: Scope, request: DataRequest, locked: Mapping[str, str]
) -> dict[str, Any]:
    """{"data": ...}, or {"data": None, "error": ...} when the warehouse refused the query (a
    limit exceeded, unavailable): one failing widget does not take the dashboard down."""
    try:
        return {"data": widget_data(widget, scope=scope, request=request, locked_filters=locked)}
    except WarehouseUnavailable as exc:
        # Not this widget's fault: no widget can answer. One clear 503 for the whole request.
        logger.warning("widget %s: the warehouse is unavailable: %s", widget.id, exc)
        raise WarehouseDown(
            "The event store is unavailable; try again shortly.",
            headers={"Retry-After": str(WAREHOUSE_RETRY_AFTER_SECONDS)},
        ) from None
    except WarehouseError as exc:
        logger.warning("widget %s query failed: %s", widget.id, exc)
        return {"data": None, "error": {"code": "query_failed", "message": "The query failed."}}


def _check_viewer_filters(spec: DashboardSpec, filters: Mapping[str, str]) -> None:
    allowed = {f.dimension for f in spec.filters}
    for key in filters:
        if key not in allowed:
            raise invalid_field(f"filters.{key}", f"{key!r} is not a filter of this dashboard.")


def _period_dict(request: DataRequest) -> dict[str, str]:
    return {
        "name": request.period,
        "from": iso_utc(request.start),
        "to": iso_utc(request.end),
        "tz": request.tz,
    }


def _cache_key(
    widget: WidgetSpec,
    *,
    scope: Scope,
    request: DataRequest,
    locked: Mapping[str, str],
    version_key: str,
) -> str:
    """Everything the result depends on: who (org, tenant, retention), what (version, the
    widget's own spec), which rows (the effective filters, locked ones included) and when
    (bounds, tz)."""
    material = [
        scope.org_id,
        scope.tenant_id,
        iso_utc(scope.since, timespec="microseconds") if scope.since else None,
        version_key,
        widget.id,
        widget_to_dict(widget),
        effective_filters(widget.filters, request.filters, locked),
        iso_utc(request.start, timespec="microseconds"),
        iso_utc(request.end, timespec="microseconds"),
        request.tz,
    ]
    return CACHE_PREFIX + hashlib.sha256(orjson.dumps(material)).hexdigest()


def widget_data(
    widget: WidgetSpec,
    *,
    scope: Scope,
    request: DataRequest,
    locked_filters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One widget's data, uncached: compile, run, shape."""
    query, bucket = _compile(widget, scope=scope, request=request, locked=locked_filters or {})
    return _shaped(widget, query, bucket, run(query), request)


def _compile(
    widget: WidgetSpec, *, scope: Scope, request: DataRequest, locked: Mapping[str, str]
) -> tuple[CompiledQuery, str | None]:
    bucket = (
        resolve_bucket(widget.bucket, request.start, request.end)
        if widget.kind == "timeseries" or has_trend(widget.kind, widget.chart)
        else None
    )
    query = compile_widget(
        widget.query,
        scope=scope,
        start=request.start,
        end=request.end,
        tz=request.tz,
        filters=request.filters,
        locked_filters=locked,
        bucket=bucket,
    )
    return query, bucket


def _shaped(
    widget: WidgetSpec,
    query: CompiledQuery,
    bucket: str | None,
    result: Result,
    request: DataRequest,
) -> dict[str, Any]:
    if widget.kind == "kpi":
        data = _kpi_data(widget, result)
        if bucket is not None:  # a sparkline: the value per bucket of the period
            data.update(bucket=bucket, points=_kpi_points(widget, result, bucket, request))
        return data
    if widget.kind == "timeseries":
        assert bucket is not None
        if widget.compare:
            return _compared_data(widget, result, bucket, request)
        return _timeseries_data(widget, result, bucket, request)
    if widget.kind == "breakdown":
        return _breakdown_data(result)
    if widget.kind == "funnel":
        return _funnel_data(widget, result)
    return {
        "columns": list(query.columns),
        "rows": [[_cell(v) for v in row] for row in result.rows],
    }


def _number(value: Any) -> float | None:
    """A metric value as float; NULL/NaN (avg or percentile of nothing) as None."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _cell(value: Any) -> Any:
    return value if isinstance(value, str) else _number(value)


def _kpi_data(widget: WidgetSpec, result: Result) -> dict[str, Any]:
    value, previous = result.rows[0][:2] if result.rows else (None, None)
    empty = _fill(widget)
    data: dict[str, Any] = {
        "value": _number(value) if value is not None else empty,
        "previous": _number(previous) if previous is not None else empty,
    }
    if widget.chart == "progress":
        data["target"] = widget.target
    return data


def _timeseries_data(
    widget: WidgetSpec, result: Result, bucket: str, request: DataRequest
) -> dict[str, Any]:
    """Rows are [bucket, value] or, split, [bucket, series, value, top keys]: series i >= 1 is
    top[i - 1], series 0 is "other" (last). Every bucket of the window is present."""
    values: dict[int, dict[int, float | None]] = {}
    names = ["all"]
    if not widget.group_by:
        values[1] = {int(row[0]): _number(row[1]) for row in result.rows}
    else:
        names = list(result.rows[0][3]) if result.rows else []
        for bucket_ts, series, value, _top in result.rows:
            values.setdefault(int(series), {})[int(bucket_ts)] = _number(value)
    order = list(range(1, len(names) + 1)) + ([0] if 0 in values else [])
    fill = _fill(widget)
    return {
        "bucket": bucket,
        "series": [
            {
                "name": names[index - 1] if index else OTHER,
                "points": _points(values.get(index, {}), fill, bucket, request),
            }
            for index in order
        ],
    }


def _fill(widget: WidgetSpec) -> float | None:
    """A bucket without events: 0 for additive metrics, no value for the others."""
    return 0.0 if widget.metric in ADDITIVE_METRICS else None


def _points(
    by_start: Mapping[int, float | None], fill: float | None, bucket: str, request: DataRequest
) -> list[list[Any]]:
    """[start, value] for every bucket start of the window, oldest first."""
    starts = bucket_starts(bucket, request.start, request.end, ZoneInfo(request.tz))
    return [[iso_utc(s), by_start.get(int(s.timestamp()), fill)] for s in starts]


def _kpi_points(
    widget: WidgetSpec, result: Result, bucket: str, request: DataRequest
) -> list[list[Any]]:
    """The row's third column: (bucket, value) pairs of this period (and empty ones of the
    previous window, which no start of this period names)."""
    pairs = result.rows[0][2] if result.rows else []
    return _points({int(b): _number(v) for b, v in pairs}, _fill(widget), bucket, request)


def _compared_data(
    widget: WidgetSpec, result: Result, bucket: str, request: DataRequest
) -> dict[str, Any]:
    """Rows are [bucket, value, previous]: the previous period's value of each bucket is over
    the same span one period earlier. `previous` names its window."""
    fill = _fill(widget)
    span = request.end - request.start
    return {
        "bucket": bucket,
        "series": [
            {
                "name": "all",
                "points": _points(
                    {int(r[0]): _number(r[1]) for r in result.rows}, fill, bucket, request
                ),
            }
        ],
        "previous": {
            "from": iso_utc(request.start - span),
            "to": iso_utc(request.start),
            "points": _points(
                {int(r[0]): _number(r[2]) for r in result.rows}, fill, bucket, request
            ),
        },
    }


def _funnel_data(widget: WidgetSpec, result: Result) -> dict[str, Any]:
    """Rows are [level, users]: a user at level k did steps 1..k in order. Each step: the
    users who reached it, its share of the first step and of the step before (null after 0)."""
    at_level = {int(level): int(users) for level, users in result.rows}
    reached = [
        sum(n for level, n in at_level.items() if level >= k)
        for k in range(1, len(widget.steps) + 1)
    ]
    return {
        "steps": [
            {
                "event": step,
                "users": users,
                "conversion": users / reached[0] if reached[0] else None,
                "step_conversion": (users / reached[i - 1] if reached[i - 1] else None)
                if i
                else (1.0 if users else None),
            }
            for i, (step, users) in enumerate(zip(widget.steps, reached, strict=True))
        ]
    }


def _breakdown_data(result: Result) -> dict[str, Any]:
    """Rows are [rank, key, value]: ranks 1..N in order, then rank 0, "other", last."""
    rows = sorted(result.rows, key=lambda row: (int(row[0]) == 0, int(row[0])))
    return {
        "rows": [
            {"key": key if int(rank) else OTHER, "value": _number(value)}
            for rank, key, value in rows
        ]
    }
