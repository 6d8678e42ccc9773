"""What an embed session may read: every widget's data, one widget's matching events
(drill-down) and one widget's data as CSV. Each goes through `dashboards.data` or the
compiler with the token's tenant scope; the token's permissions are enforced here."""

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from accounts.selectors import organization_retention_start
from core.errors import ApiError, InvalidInput, NotFound
from dashboards.data import DataRequest, dashboard_data, parse_data_request
from dashboards.filter_values import filter_values
from dashboards.spec import DashboardSpec, WidgetSpec
from embeds.permissions import (
    check_drill_down,
    check_export,
    check_period,
    default_period,
    earliest_readable,
    is_pickable,
    viewer_filters,
    visible_widgets,
)
from embeds.selectors import VerifiedEmbed
from embeds.variants import session_view
from warehouse.backends import WarehouseError
from warehouse.compiler import compile_drill
from warehouse.query import LockedFilters
from warehouse.reads import run
from warehouse.scope import Scope

DATA_PARAMS = frozenset({"period", "from", "to", "tz", "filters"})
DRILL_PARAMS = DATA_PARAMS | {"widget", "dimension", "value", "point_from", "point_to"}
EXPORT_PARAMS = DATA_PARAMS | {"widget"}
DRILL_LIMIT = 100


@dataclass(frozen=True)
class EmbedContext:
    """A verified session and what it allows, ready for one request."""

    verified: VerifiedEmbed
    spec: DashboardSpec  # the published spec, with the session's variant laid over it
    scope: Scope
    request: DataRequest
    cache_namespace: str  # the version, and the variant's revision and grant when it has one

    @property
    def locked_filters(self) -> LockedFilters:
        return self.verified.claims.permissions.locked_filters

    def hidden_widget_ids(self) -> list[str]:
        visible = {w.id for w in visible_widgets(self.verified.claims.permissions, self.spec)}
        return [w.id for w in self.spec.widgets if w.id not in visible]

    def version_key(self) -> str:
        return self.cache_namespace


def embed_context(
    *, verified: VerifiedEmbed, params: Mapping[str, str], allowed: frozenset[str]
) -> EmbedContext:
    """Parses the data parameters (period, from, to, tz, filters) and checks the period and
    range against the token. 400 for unknown parameters, 403 for what the token forbids."""
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InvalidInput(
            "The request is invalid.",
            details=[{"field": key, "message": "Unknown query parameter."} for key in unknown],
        )
    claims, view = verified.claims, session_view(verified)
    spec = view.spec
    data_params = {key: params[key] for key in DATA_PARAMS if key in params}
    request = parse_data_request(
        data_params,
        default_period=default_period(claims.permissions, spec),
        default_tz=claims.timezone or verified.dashboard.organization.default_timezone,
    )
    check_period(claims.permissions, period=request.period, length=request.end - request.start)
    # A locked filter cannot be widened: see embeds.permissions.viewer_filters.
    request = replace(request, filters=viewer_filters(claims.permissions, request.filters))
    # Nothing older than the session may open is read, not even a KPI's previous period.
    since = organization_retention_start(organization=verified.dashboard.organization)
    earliest = earliest_readable(claims.permissions, end=request.end)
    scope = Scope(
        org_id=claims.org_id,
        tenant_id=claims.tenant_id,
        since=since if earliest is None else max(since, earliest),
    )
    return EmbedContext(
        verified=verified,
        spec=spec,
        scope=scope,
        request=request,
        cache_namespace=view.version_key,
    )


def embed_dashboard_data(*, verified: VerifiedEmbed, params: Mapping[str, str]) -> dict[str, Any]:
    context = embed_context(verified=verified, params=params, allowed=DATA_PARAMS)
    return _data(context, hidden=context.hidden_widget_ids())


def _data(context: EmbedContext, *, hidden: list[str]) -> dict[str, Any]:
    return dashboard_data(
        spec=context.spec,
        scope=context.scope,
        request=context.request,
        locked_filters=context.locked_filters,
        hidden_widgets=hidden,
        version_key=context.version_key(),
    )


def _visible_widget(context: EmbedContext, widget_id: str | None) -> WidgetSpec:
    if not widget_id:
        raise InvalidInput(
            "The request is invalid.", details=[{"field": "widget", "message": "Required."}]
        )
    widget = context.spec.widget(widget_id)
    if widget is None or widget_id in context.hidden_widget_ids():
        raise NotFound("Not found.")
    return widget


def embed_drill(*, verified: VerifiedEmbed, params: Mapping[str, str]) -> dict[str, Any]:
    """The newest events behind one data point: the widget's events in the period, narrowed by
    the clicked dimension value and/or the clicked bucket (clamped to the period)."""
    check_drill_down(verified.claims.permissions)
    context = embed_context(verified=verified, params=params, allowed=DRILL_PARAMS)
    widget = _visible_widget(context, params.get("widget"))
    filters = {**context.request.filters, **_clicked_filter(widget, params)}
    start, end = _clicked_window(context.request, params)
    query = compile_drill(
        widget.query,
        scope=context.scope,
        start=start,
        end=end,
        filters=filters,
        locked_filters=context.locked_filters,
        limit=DRILL_LIMIT,
    )
    try:
        result = run(query)
    except WarehouseError as exc:
        raise _query_failed() from exc
    return {
        "widget": widget.id,
        "columns": result.columns,
        "rows": result.dicts(),
        "limit": DRILL_LIMIT,
    }


def _query_failed() -> ApiError:
    return ApiError("The query failed; try again.", code="query_failed", status=503)


def _clicked_filter(widget: WidgetSpec, params: Mapping[str, str]) -> dict[str, str]:
    dimension, value = params.get("dimension"), params.get("value")
    if dimension is None and value is None:
        return {}
    if dimension not in widget.group_by or value is None:
        raise InvalidInput(
            "The request is invalid.",
            details=[
                {
                    "field": "dimension",
                    "message": "Name one of the widget's group_by dimensions, with a value.",
                }
            ],
        )
    return {dimension: value}


def _clicked_window(request: DataRequest, params: Mapping[str, str]) -> tuple[datetime, datetime]:
    start = max(request.start, _instant(params, "point_from") or request.start)
    end = min(request.end, _instant(params, "point_to") or request.end)
    if end <= start:
        raise InvalidInput(
            "The request is invalid.",
            details=[{"field": "point_from", "message": "Outside the period."}],
        )
    return start, end


def _instant(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            "The request is invalid.", details=[{"field": name, "message": "Use ISO 8601."}]
        ) from exc
    if value.tzinfo is None:
        raise InvalidInput(
            "The request is invalid.", details=[{"field": name, "message": "Include a UTC offset."}]
        )
    return value


# --- CSV export ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvExport:
    filename: str
    content: str


def embed_export(*, verified: VerifiedEmbed, params: Mapping[str, str]) -> CsvExport:
    check_export(verified.claims.allow_export)
    context = embed_context(verified=verified, params=params, allowed=EXPORT_PARAMS)
    widget = _visible_widget(context, params.get("widget"))
    others = [w.id for w in context.spec.widgets if w.id != widget.id]
    data = _data(context, hidden=others)["widgets"][0]["data"]
    if data is None:  # dashboard_data logged the warehouse error
        raise _query_failed()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _csv_rows(widget, data):
        writer.writerow([_safe_cell(cell) for cell in row])
    return CsvExport(
        filename=f"{widget.id}-{context.request.period}.csv", content=buffer.getvalue()
    )


def _csv_rows(widget: WidgetSpec, data: dict[str, Any]) -> list[list[Any]]:
    if widget.kind == "kpi":
        return [
            ["widget", "value", "previous"],
            [widget.title, data.get("value"), data.get("previous")],
        ]
    if widget.kind == "timeseries":
        rows = [["series", "bucket_start", "value"]]
        for series in data.get("series", []):
            rows.extend([series["name"], at, value] for at, value in series["points"])
        return rows
    if widget.kind == "breakdown":
        return [[widget.group_by[0] if widget.group_by else "key", "value"]] + [
            [row["key"], row["value"]] for row in data.get("rows", [])
        ]
    return [list(data.get("columns", []))] + [list(row) for row in data.get("rows", [])]


def _safe_cell(cell: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula is quoted (CSV injection)."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


VALUES_PARAMS = DATA_PARAMS | {"dimension", "q"}


def embed_filter_values(*, verified: VerifiedEmbed, params: Mapping[str, str]) -> dict[str, Any]:
    """A viewer filter's picker (dashboards.filter_values): the token's tenant's own top values
    of one of the dashboard's filter dimensions, over the widgets the token may see, under its
    locked filters. A dimension locked to one value has nothing to pick (403), one locked to a
    list offers only the listed values (the lock narrows the query); a dimension that is not a
    filter of the dashboard is a 400."""
    context = embed_context(verified=verified, params=params, allowed=VALUES_PARAMS)
    dimension = params.get("dimension", "")
    locked = context.locked_filters
    if not is_pickable(verified.claims.permissions, dimension):
        raise ApiError("This filter is set by the application.", code="filter_locked", status=403)
    try:
        return filter_values(
            spec=context.spec,
            scope=context.scope,
            dimension=dimension,
            start=context.request.start,
            end=context.request.end,
            search=params.get("q", ""),
            event_names=[
                w.event_name for w in visible_widgets(verified.claims.permissions, context.spec)
            ],
            locked_filters=locked,
        )
    except WarehouseError as exc:
        raise _query_failed() from exc
