"""The one data code path of a dashboard: used by the admin data endpoint, the embed page's data
endpoint and the console preview alike, so what the builder previews is what a tenant sees.

`parse_data_request` turns query parameters into a validated window; `dashboard_data` runs the
visible widgets' compiled queries (warehouse.compiler), shapes the rows into the data shapes
(dashboards.shapes) and caches each widget's result. `dashboards_data_of_tenants` answers the
same for many tenants of one organization at once (digests): the uncached widgets of up to
GROUPED_TENANTS tenants are read in one grouped round trip (a TenantsScope) and split per tenant.

The window of a request (`DataRequest`, `parse_data_request`) is dashboards.data_request's.
"""

import hashlib
import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache

from core.errors import ApiError
from core.isotime import iso_utc
from dashboards.data_request import DataRequest, invalid_field, parse_data_request
from dashboards.shapes import shaped
from dashboards.spec import DashboardSpec, WidgetSpec, widget_to_dict
from dashboards.spec.kinds import has_trend
from warehouse.backends import Result, WarehouseError, WarehouseUnavailable
from warehouse.buckets import resolve_bucket
from warehouse.coalesce import coalescer
from warehouse.compiler import compile_kpis, compile_widget
from warehouse.reads import CompiledQuery, run, run_many_of_tenants
from warehouse.scope import Scope, TenantsScope
from warehouse.sql import effective_filters

__all__ = [
    "DataRequest",
    "dashboard_data",
    "dashboards_data_of_tenants",
    "parse_data_request",
    "widget_data",
]

logger = logging.getLogger(__name__)

WAREHOUSE_RETRY_AFTER_SECONDS = 5


class WarehouseDown(ApiError):
    status, code = 503, "warehouse_unavailable"


CACHE_PREFIX = "sightline:widget:v1:"
GROUPED_TENANTS = 50  # tenants of one grouped statement: the renders of digests start sooner


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
    keys = _cache_keys(widgets, scope, request, locked, version_key)
    cached = _cache_get(list(keys.values()))
    missing = [w for w in widgets if keys[w.id] not in cached]
    computed = _computed_together(missing, scope=scope, request=request, locked=locked)
    fresh: dict[str, Any] = {}
    out = _assembled(widgets, keys, cached, computed, fresh)
    _cache_set(fresh)
    return {"period": _period_dict(request), "widgets": out}


def dashboards_data_of_tenants(
    *,
    spec: DashboardSpec,
    scopes: Sequence[Scope],
    request: DataRequest,
    locked_filters: Mapping[str, str] | None = None,
    hidden_widgets: Collection[str] = (),
    version_key: str,
) -> list[dict[str, Any]]:
    """`dashboard_data` of each scope, in order (the same data, cache entries and errors),
    for many tenants of one organization under the same window, filters and widgets: the
    widgets none of the cache holds are read for up to GROUPED_TENANTS tenants in one grouped
    round trip and split per tenant (a statement costs mostly its parsing and planning, not
    its rows). A failing grouped read falls back to each tenant's own reads."""
    if not scopes or not all(isinstance(scope, Scope) for scope in scopes):
        raise TypeError("dashboards_data_of_tenants needs tenant Scopes.")
    locked = dict(locked_filters or {})
    _check_viewer_filters(spec, request.filters)
    hidden = set(hidden_widgets)
    widgets = [w for w in spec.widgets if w.id not in hidden]
    keys = {s: _cache_keys(widgets, s, request, locked, version_key) for s in dict.fromkeys(scopes)}
    cached = _cache_get([key for per_scope in keys.values() for key in per_scope.values()])
    alike: dict[tuple[object, ...], list[Scope]] = {}  # the same widgets to read, one org/since
    for scope, per_scope in keys.items():
        missing = tuple(w.id for w in widgets if per_scope[w.id] not in cached)
        alike.setdefault((scope.org_id, scope.since, missing), []).append(scope)
    computed: dict[Scope, dict[str, dict[str, Any]]] = {}
    for (_, _, missing_ids), members in alike.items():
        missing = [w for w in widgets if w.id in missing_ids]
        for first in range(0, len(members), GROUPED_TENANTS):
            chunk = members[first : first + GROUPED_TENANTS]
            computed.update(_computed_for_tenants(missing, chunk, request=request, locked=locked))
    fresh: dict[str, Any] = {}
    answers = {
        scope: {
            "period": _period_dict(request),
            "widgets": _assembled(widgets, keys[scope], cached, computed[scope], fresh),
        }
        for scope in keys
    }
    _cache_set(fresh)
    return [answers[scope] for scope in scopes]


def _cache_keys(
    widgets: list[WidgetSpec],
    scope: Scope,
    request: DataRequest,
    locked: Mapping[str, str],
    version_key: str,
) -> dict[str, str]:
    return {
        w.id: _cache_key(w, scope=scope, request=request, locked=locked, version_key=version_key)
        for w in widgets
    }


def _assembled(
    widgets: list[WidgetSpec],
    keys: Mapping[str, str],
    cached: Mapping[str, Any],
    computed: Mapping[str, dict[str, Any]],
    fresh: dict[str, Any],
) -> list[dict[str, Any]]:
    """Each widget's entry from the cache or as computed; what was computed without an error
    goes into `fresh`, to be cached."""
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
    return out


def _computed_for_tenants(
    widgets: list[WidgetSpec],
    scopes: list[Scope],
    *,
    request: DataRequest,
    locked: Mapping[str, str],
) -> dict[Scope, dict[str, dict[str, Any]]]:
    """The same uncached widgets of several tenants: one grouped round trip split per tenant,
    or (one tenant, or the grouped read failed) each tenant's own `_computed_together`."""
    if widgets and len(scopes) > 1:
        groups = _scan_groups(widgets, request=request, locked=locked)
        tenants = TenantsScope.of(scopes)
        compiled = [
            _compile_group(group, scope=tenants, request=request, locked=locked) for group in groups
        ]
        try:
            results = run_many_of_tenants([q for q, _ in compiled], tenants)
        except WarehouseError as exc:
            logger.info("grouped read of %d tenants failed, retrying each: %s", len(scopes), exc)
        else:
            return {
                scope: _shaped_groups(groups, compiled, results[scope.tenant_id], request)
                for scope in scopes
            }
    return {
        scope: _computed_together(widgets, scope=scope, request=request, locked=locked)
        for scope in scopes
    }


def _shaped_groups(
    groups: list[list[WidgetSpec]],
    compiled: list[tuple[CompiledQuery, str | None]],
    results: list[Result],
    request: DataRequest,
) -> dict[str, dict[str, Any]]:
    """Each widget's {"data": ...} from its scan group's result."""
    return {
        widget.id: {"data": shaped(widget, query, bucket, result, request)}
        for group, (query, bucket), group_result in zip(groups, compiled, results, strict=True)
        for widget, result in zip(group, _split(group, group_result), strict=True)
    }


def _computed_together(
    widgets: list[WidgetSpec], *, scope: Scope, request: DataRequest, locked: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """The uncached widgets in one round trip (`warehouse.reads.run_many`: one statement on
    chDB, concurrent queries on a server), coalesced on chDB with the same reads of other
    tenants that arrive while it is busy (`warehouse.coalesce`: one grouped statement). If that
    fails, each widget alone, so one failing widget does not take the others down."""
    if len(widgets) > 1:
        groups = _scan_groups(widgets, request=request, locked=locked)
        compiled = [_compile_group(g, scope=scope, request=request, locked=locked) for g in groups]

        def grouped(tenants: TenantsScope) -> list[CompiledQuery]:
            return [
                _compile_group(g, scope=tenants, request=request, locked=locked)[0] for g in groups
            ]

        try:
            results = coalescer.run_many([query for query, _ in compiled], grouped)
        except WarehouseError as exc:
            logger.info("one-round-trip dashboard failed, retrying widget by widget: %s", exc)
        else:
            return _shaped_groups(groups, compiled, results, request)
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
    group: list[WidgetSpec],
    *,
    scope: Scope | TenantsScope,
    request: DataRequest,
    locked: Mapping[str, str],
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
    return shaped(widget, query, bucket, run(query), request)


def _compile(
    widget: WidgetSpec,
    *,
    scope: Scope | TenantsScope,
    request: DataRequest,
    locked: Mapping[str, str],
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
