"""The demo dashboard (published) and an alert on it, created once and then left alone: the
user may have edited them."""

from dataclasses import dataclass
from typing import Any

from accounts.models import Organization, User
from alerts.selectors import alert_rule_oldest
from alerts.services import alert_rule_create
from core.errors import ApiError
from dashboards.selectors import dashboard_oldest
from dashboards.services import dashboard_create, dashboard_publish
from ops.demo.organization import DEMO_OWNER_EMAIL


def _w(
    widget_id: str,
    title: str,
    kind: str,
    chart: str,
    layout: tuple[int, int, int, int],
    **fields: Any,
) -> dict:
    x, y, w, h = layout
    return {
        "id": widget_id, "title": title, "kind": kind, "chart": chart, "event_name": "api.call",
        "metric": "count", "property": None, "group_by": [], "filters": {}, "limit": None,
        "layout": {"x": x, "y": y, "w": w, "h": h}, **fields,
    }  # fmt: skip


DEMO_DASHBOARD: dict[str, Any] = {
    "name": "API usage",
    "default_period": "30d",
    "filters": [
        {"dimension": "model", "label": "Model"},
        {"dimension": "endpoint", "label": "Endpoint"},
        {"dimension": "region", "label": "Region"},
    ],
    "theme": {
        "primaryColor": "#0f9d58",
        "fontFamily": "Inter, system-ui, sans-serif",
        "mode": "light",
    },
    "widgets": [
        _w("w_calls", "API calls", "kpi", "stat", (0, 0, 3, 2)),
        _w("w_tokens", "Tokens", "kpi", "stat", (3, 0, 3, 2), metric="sum", property="tokens"),
        _w("w_cost", "Cost (USD)", "kpi", "stat", (6, 0, 3, 2), metric="sum", property="cost_usd"),
        _w(
            "w_p95",
            "p95 latency (ms)",
            "kpi",
            "stat",
            (9, 0, 3, 2),
            metric="p95",
            property="latency_ms",
        ),
        _w(
            "w_calls_by_status",
            "Calls by status",
            "timeseries",
            "area",
            (0, 2, 8, 4),
            group_by=["status"],
        ),
        _w(
            "w_models",
            "Calls by model",
            "breakdown",
            "bar",
            (8, 2, 4, 4),
            group_by=["model"],
            limit=8,
        ),
        _w(
            "w_latency",
            "p95 latency over time",
            "timeseries",
            "line",
            (0, 6, 6, 4),
            metric="p95",
            property="latency_ms",
            bucket="day",
        ),
        _w(
            "w_cost_by_endpoint",
            "Cost by endpoint",
            "breakdown",
            "list",
            (6, 6, 6, 4),
            metric="sum",
            property="cost_usd",
            group_by=["endpoint"],
            limit=10,
        ),
        _w(
            "w_users",
            "Active users",
            "kpi",
            "stat",
            (0, 10, 3, 2),
            event_name="user.login",
            metric="count_unique",
        ),
        _w("w_errors", "Errors", "kpi", "stat", (3, 10, 3, 2), filters={"status": "error"}),
        _w(
            "w_exports",
            "Report exports",
            "breakdown",
            "bar",
            (6, 10, 6, 2),
            event_name="report.export",
            group_by=["format"],
            limit=5,
        ),
        _w(
            "w_model_table",
            "Models and endpoints",
            "table",
            "table",
            (0, 12, 12, 5),
            group_by=["model", "endpoint"],
            limit=50,
            metrics=[
                {"metric": "count", "property": None},
                {"metric": "sum", "property": "tokens"},
                {"metric": "avg", "property": "latency_ms"},
                {"metric": "sum", "property": "cost_usd"},
            ],
        ),
    ],
}


@dataclass(frozen=True)
class DemoDashboard:
    dashboard_id: str
    name: str
    created: bool


def demo_dashboard_ensure(*, organization: Organization, owner: User) -> DemoDashboard:
    """The published demo dashboard: created and published once, left alone afterwards (the
    user may have edited it)."""
    existing = dashboard_oldest(organization=organization)
    if existing is not None:
        return DemoDashboard(existing.pk, existing.name, created=False)
    dashboard = dashboard_create(organization=organization, spec=DEMO_DASHBOARD, created_by=owner)
    dashboard_publish(dashboard=dashboard, published_by=owner)
    return DemoDashboard(dashboard.pk, dashboard.name, created=True)


DEMO_ALERT = {
    "name": "Error spike",
    "widget_id": "w_errors",
    "operator": "gt",
    "threshold_value": 25.0,
    "window": "1h",
    "email_to": [DEMO_OWNER_EMAIL],
}


def demo_alert_ensure(*, organization: Organization, dashboard_id: str) -> str | None:
    """An alert on the demo dashboard's Errors widget (per tenant, the last hour), created once.
    Quiet on the seeded data (a few errors an hour); sending a burst of `"status": "error"`
    events makes it fire, and the embedded default prints its e-mail in the serve terminal.
    Returns the rule's name, or None when the dashboard has no such widget (it was edited)."""
    existing = alert_rule_oldest(organization=organization)
    if existing is not None:
        return existing.name
    try:
        rule = alert_rule_create(organization=organization, dashboard_id=dashboard_id, **DEMO_ALERT)
    except ApiError:  # the user edited or unpublished the demo dashboard: no demo alert then
        return None
    return rule.name
