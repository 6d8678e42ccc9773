"""Shared builders for tests: warehouse events and dashboard specs.

Events go straight into the warehouse through `warehouse.events.insert_events` (the same writer
ingest uses), so every test reads real rows back through real SQL.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from core.ids import new_id
from warehouse.events import EventRow, insert_events


def event(
    *,
    org_id: str,
    tenant_id: str,
    event_name: str = "api.call",
    timestamp: datetime | None = None,
    user_id: str = "",
    string_props: Mapping[str, str] | None = None,
    numeric_props: Mapping[str, float] | None = None,
) -> EventRow:
    """One event row; `timestamp` defaults to one minute ago (inside every period)."""
    return EventRow(
        org_id=org_id,
        tenant_id=tenant_id,
        event_name=event_name,
        timestamp=(timestamp or datetime.now(UTC) - timedelta(minutes=1)).astimezone(UTC),
        user_id=user_id,
        insert_id=new_id("ins"),
        string_props=dict(string_props or {}),
        numeric_props={key: float(value) for key, value in (numeric_props or {}).items()},
    )


def insert(rows: Iterable[EventRow]) -> list[EventRow]:
    """Insert the rows and return them (for computing the expected answer in plain Python)."""
    materialised = list(rows)
    insert_events(materialised)
    return materialised


def widget(
    widget_id: str = "w_calls",
    *,
    kind: str = "kpi",
    chart: str = "stat",
    event_name: str = "api.call",
    metric: str = "count",
    prop: str | None = None,
    group_by: Sequence[str] = (),
    filters: Mapping[str, str] | None = None,
    limit: int | None = None,
    layout: Mapping[str, int] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A widget in DESIGN.md's wire shape (every field spelled out)."""
    return {
        "id": widget_id,
        "title": extra.pop("title", widget_id),
        "kind": kind,
        "chart": chart,
        "event_name": event_name,
        "metric": metric,
        "property": prop,
        "group_by": list(group_by),
        "filters": dict(filters or {}),
        "limit": limit,
        "layout": dict(layout or {"x": 0, "y": 0, "w": 3, "h": 2}),
        **extra,
    }


def spec(
    name: str = "API usage", *, widgets: Sequence[Mapping[str, Any]] | None = None, **extra: Any
) -> dict:
    """A dashboard spec in DESIGN.md's wire shape; one KPI widget unless told otherwise."""
    return {
        "name": name,
        "widgets": [dict(w) for w in (widgets if widgets is not None else [widget()])],
        **extra,
    }
