"""A viewer filter's picker: one tenant's own most frequent values of one of a dashboard's
filter dimensions, optionally containing a search text. The one reader behind both pickers:
the embed's GET /embed/<id>/values (the token's tenant, under its locked filters, over the
widgets it may see) and the builder preview's (the previewed tenant, every widget of the draft).
The tenant is the scope's, whatever the caller took it from; never another tenant's values."""

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from core.errors import InvalidInput
from dashboards.spec import DashboardSpec
from warehouse.compiler import compile_filter_values
from warehouse.reads import run
from warehouse.scope import Scope

VALUES_LIMIT = 20
MAX_SEARCH_CHARS = 100


def filter_values(
    *,
    spec: DashboardSpec,
    scope: Scope,
    dimension: str,
    start: datetime,
    end: datetime,
    search: str = "",
    event_names: Collection[str] | None = None,
    locked_filters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """{"dimension", "values": [{"value", "events"}]}, most frequent first, over the events of
    `event_names` (default: every widget's) in [start, end). A dimension that is not one of the
    dashboard's filters is InvalidInput. A failed read raises the warehouse's error: each
    front door answers it its own way."""
    if dimension not in {f.dimension for f in spec.filters}:
        raise InvalidInput(
            "Not a filter of this dashboard.",
            details=[{"field": "dimension", "message": "Not a filter of this dashboard."}],
        )
    events = tuple(sorted(set(event_names) if event_names is not None else _events(spec)))
    if not events:
        return {"dimension": dimension, "values": []}
    query = compile_filter_values(
        scope=scope,
        event_names=events,
        dimension=dimension,
        start=start,
        end=end,
        search=search[:MAX_SEARCH_CHARS],
        locked_filters=locked_filters,
        limit=VALUES_LIMIT,
    )
    rows = run(query).rows
    return {
        "dimension": dimension,
        "values": [{"value": value, "events": int(count)} for value, count in rows],
    }


def _events(spec: DashboardSpec) -> set[str]:
    return {widget.event_name for widget in spec.widgets}
