"""Rows -> widget data: each kind's data shape (docs/spec.md "Widget data") from the rows of its
compiled query, every bucket of a window present.

Where there are no events, count, count_unique and sum are 0 (KPI values and timeseries buckets
alike), while avg and percentiles are null: "no latency measured" is not a latency of 0 ms.
"""

import math
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from core.isotime import iso_utc
from dashboards.data_request import DataRequest
from dashboards.spec import WidgetSpec
from warehouse.backends import Result
from warehouse.buckets import bucket_starts
from warehouse.compiler import OTHER
from warehouse.reads import CompiledQuery

# Metrics that are 0 over no events; the others (avg, percentiles) have no value there.
ADDITIVE_METRICS = frozenset({"count", "count_unique", "sum"})


def shaped(
    widget: WidgetSpec,
    query: CompiledQuery,
    bucket: str | None,
    result: Result,
    request: DataRequest,
) -> dict[str, Any]:
    if widget.kind == "kpi":
        data = _kpi_data(widget, result)
        if not _comparable(query, request):
            data["previous"] = None
        if bucket is not None:  # a sparkline: the value per bucket of the period
            data.update(bucket=bucket, points=_kpi_points(widget, result, bucket, request))
        return data
    if widget.kind == "timeseries":
        assert bucket is not None
        if widget.compare:
            data = _compared_data(widget, result, bucket, request)
            if not _comparable(query, request):
                data["previous"] = None
            return data
        return _timeseries_data(widget, result, bucket, request)
    if widget.kind == "breakdown":
        return _breakdown_data(result)
    if widget.kind == "funnel":
        return _funnel_data(widget, result)
    return {
        "columns": list(query.columns),
        "rows": [[_cell(v) for v in row] for row in result.rows],
    }


def _comparable(query: CompiledQuery, request: DataRequest) -> bool:
    """Whether the previous period lies within what the read's scope may see: before its
    `since` (the organization's retention, an embed session's oldest period) nothing is read,
    so a previous period reaching there would be a partial number; it is none instead."""
    since = query.scope.since
    return since is None or request.start - (request.end - request.start) >= since


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
