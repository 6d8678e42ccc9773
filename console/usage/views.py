"""The Usage page: how the organization's embeds are used — views, distinct viewers, p50 / p95
load time per tenant and per dashboard over a period, top errors, exports.

Every member may read it (console_view's default read role, like dashboards and alerts): it
shows counts and times per tenant and dashboard, never a viewer's identity. The charts are the
console's own (preview.js: @sightline/charts, from widget-<id> / data-<id> JSON beside them).
"""

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from console.access import console_view, throttle_queries
from core.isotime import iso_utc
from core.periods import PERIOD_LABELS
from interface.requests import ConsoleRequest
from usage.selectors import DEFAULT_USAGE_PERIOD, USAGE_PERIODS, organization_usage

CHARTS = (  # id, title, chart, measures, format
    ("views", "Views and distinct viewers", "line", ("views", "viewers"), None),
    ("requests", "Data requests and errors", "line", ("data_requests", "errors"), None),
    # Bars, one series each (the renderer stacks several): a bucket without a reported load
    # has no value, not 0, and a line shows no lone value between two gaps.
    ("load_p50", "Load time, p50", "bar", ("load_p50",), {"unit": "duration"}),
    ("load_p95", "Load time, p95", "bar", ("load_p95",), {"unit": "duration"}),
)
SERIES_NAMES = {
    "views": "views",
    "viewers": "distinct viewers",
    "load_p50": "p50",
    "load_p95": "p95",
    "data_requests": "data requests",
    "errors": "errors",
}


@console_view
def usage_page(request: ConsoleRequest) -> HttpResponse:
    throttle_queries(request)
    period = request.GET.get("period") or DEFAULT_USAGE_PERIOD
    if period not in USAGE_PERIODS:
        period = DEFAULT_USAGE_PERIOD
    usage = organization_usage(
        organization=request.organization,
        period=period,
        tenant_id=request.GET.get("tenant", "")[:200],
        dashboard_id=request.GET.get("dashboard", "")[:64],
    )
    context = {
        "usage": usage,
        "periods": [(p, PERIOD_LABELS[p]) for p in USAGE_PERIODS],
        "charts": [] if usage.empty else _charts(usage),
        "tenant_rows": usage.report.tenants,
        "dashboard_rows": [
            {**row, "name": usage.names.get(row["dashboard_id"], "(deleted dashboard)")}
            for row in usage.report.dashboards
        ],
        "export_rows": [
            {**row, "name": usage.names.get(row["dashboard_id"], "(deleted dashboard)")}
            for row in usage.report.exports
        ],
    }
    return render(request, "console/usage.html", context)


def _charts(usage: Any) -> list[dict[str, Any]]:
    charts = []
    for chart_id, title, chart, measures, number_format in CHARTS:
        widget = {
            "id": f"usage_{chart_id}",
            "title": title,
            "kind": "timeseries",
            "chart": chart,
            "metric": "count",
            "group_by": ["series"],
            "format": number_format,
        }
        data = {
            "bucket": usage.bucket,
            "series": [
                {
                    "name": SERIES_NAMES[measure],
                    "points": [[iso_utc(p["t"]), p[measure]] for p in usage.report.series],
                }
                for measure in measures
            ],
        }
        charts.append({"widget": widget, "data": data})
    return charts
