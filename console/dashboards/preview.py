"""The builder's live preview: the draft's real data as one tenant sees it (the same
`dashboard_data` as embeds), and its viewer filters' pickers, which offer that tenant's own top
values (the same `filter_values` as the embed's pickers)."""

import json
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Organization, Role
from accounts.selectors import organization_retention_start
from console.access import console_view, has_role, throttle_queries
from console.choices import dashboard_schema
from core.errors import ApiError, InvalidInput
from core.limits import MAX_WIDGET_ROWS
from dashboards import selectors
from dashboards.data import DataRequest, dashboard_data, parse_data_request
from dashboards.filter_values import filter_values
from dashboards.layout import in_reading_order
from dashboards.spec import DashboardSpec, parse_spec
from interface.requests import ConsoleRequest
from warehouse.backends import WarehouseError
from warehouse.scope import Scope


@console_view
def preview(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    """The draft's real data for one tenant and period: the same `dashboard_data` as embeds."""
    throttle_queries(request)
    dashboard = selectors.dashboard_get(
        organization=request.organization, dashboard_id=dashboard_id
    )
    schema = dashboard_schema(request.organization.pk)
    spec = parse_spec(dashboard.draft_spec)
    tenant_id = request.GET.get("tenant_id") or (schema.tenants[0] if schema.tenants else "")
    filters = {
        f.dimension: request.GET[f"filter.{f.dimension}"]
        for f in spec.filters
        if request.GET.get(f"filter.{f.dimension}")
    }
    context: dict[str, Any] = {
        "dashboard": dashboard,
        "spec": dashboard.draft_spec,
        "tenant_id": tenant_id,
        "can_edit": has_role(request, Role.ADMIN),
        "max_rows": MAX_WIDGET_ROWS,
        "filter_choices": [(f, filters.get(f.dimension, "")) for f in spec.filters],
    }
    if tenant_id and spec.widgets:
        try:
            data_request = _data_request(request, spec, filters)
        except InvalidInput as error:
            return render(
                request,
                "console/dashboards/partials/preview.html",
                {**context, "error": error},
                status=400,
            )
        context["data"] = dashboard_data(
            spec=spec,
            scope=_scope(request.organization, tenant_id),
            request=data_request,
            version_key=selectors.dashboard_version_key(dashboard=dashboard, version=None),
        )
        context["tiles"] = _tiles(dashboard.draft_spec["widgets"], context["data"]["widgets"])
    return render(request, "console/dashboards/partials/preview.html", context)


@console_view
@require_GET
def preview_values(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    """The options of a preview filter's picker (a <datalist>): the previewed tenant's own top
    values of `dimension` in the previewed period, containing what the picker holds (its
    `filter.<dimension>` field, sent as the builder user types)."""
    throttle_queries(request)
    dashboard = selectors.dashboard_get(
        organization=request.organization, dashboard_id=dashboard_id
    )
    spec = parse_spec(dashboard.draft_spec)
    dimension = request.GET.get("dimension", "")
    tenant_id = request.GET.get("tenant_id", "")
    if not tenant_id:
        raise InvalidInput(
            "Pick a tenant to preview.",
            details=[{"field": "tenant_id", "message": "Pick a tenant to preview."}],
        )
    data_request = _data_request(request, spec, {})
    try:
        values = filter_values(
            spec=spec,
            scope=_scope(request.organization, tenant_id),
            dimension=dimension,
            start=data_request.start,
            end=data_request.end,
            search=request.GET.get(f"filter.{dimension}", "").strip(),
        )
    except WarehouseError as exc:
        raise ApiError(
            "The values could not be read; try again.", code="query_failed", status=503
        ) from exc
    return render(request, "console/dashboards/partials/preview_values.html", values)


def _data_request(
    request: ConsoleRequest, spec: DashboardSpec, filters: dict[str, str]
) -> DataRequest:
    return parse_data_request(
        {"period": request.GET.get("period", ""), "filters": json.dumps(filters)},
        default_period=spec.default_period,
        default_tz=request.organization.default_timezone,
    )


def _scope(organization: Organization, tenant_id: str) -> Scope:
    """The previewed tenant of the console user's own organization."""
    return Scope(
        org_id=organization.pk,
        tenant_id=tenant_id,
        since=organization_retention_start(organization=organization),
    )


def _tiles(widgets: list[dict[str, Any]], results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """In reading order, as the embed lays them out on a narrow screen."""
    by_id = {result["id"]: result for result in results}
    return [
        {"widget": widget, "result": by_id.get(widget["id"], {})}
        for widget in in_reading_order(widgets)
    ]
