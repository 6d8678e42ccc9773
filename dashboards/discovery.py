"""Schema discovery for an organization, and a first draft dashboard built from it.

The scan covers the last DISCOVERY_WINDOW_DAYS days (30 by default): recent enough to describe
what is sent today, and bounded so discovery stays fast on years of data. Property statistics
read about DISCOVERY_MAX_PROP_ROWS (200,000) events at most: those of the busiest tenants; the
response's `prop_tenants` names them (null: all). See warehouse/discovery.py for why.
"""

import re
from collections.abc import Collection
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings

from accounts.models import Organization, User
from accounts.selectors import organization_retention_start
from core.errors import Conflict
from core.isotime import iso_utc
from core.labels import key_label
from core.limits import GRID_COLUMNS
from dashboards.models import Dashboard
from dashboards.services import dashboard_create
from dashboards.spec import DEFAULT_FUNNEL_WINDOW_MINUTES, KEY_RE, MAX_FUNNEL_STEPS
from warehouse.discovery import (
    EventSummary,
    NumericPropSummary,
    SchemaSummary,
    StringPropSummary,
    schema_summary,
)
from warehouse.query import LockedFilters
from warehouse.scope import DangerousOrgWideScope, Scope

# A dimension worth a breakdown has a few values: two at least, not so many the chart is noise.
DIMENSION_CARDINALITY = range(2, 101)
MAX_BREAKDOWNS = 2
MAX_DEFAULT_FILTERS = 3
MAX_LATENCY_WIDGETS = 2
LATENCY_WORDS = frozenset({"latency", "duration", "elapsed", "time", "ms", "seconds", "secs"})
COST_WORDS = frozenset(
    {"cost", "price", "amount", "revenue", "spend", "usd", "charge", "fee", "billing"}
)
ID_WORDS = frozenset({"id", "uuid", "guid", "key", "token", "hash", "url", "email"})
# An error rate (a ratio KPI): a dimension of the busiest event named like a status whose
# values include one of these failures: count where it has that value / count.
STATUS_WORDS = frozenset({"status", "outcome", "result", "state", "level", "severity"})
FAILURE_VALUES = frozenset(
    {"error", "errors", "failed", "failure", "fail", "fatal", "timeout", "exception", "rejected"}
)
# A breakdown of this many values or fewer reads as a donut; more slices than that, as bars.
MAX_DONUT_SLICES = 6
# A funnel: events named <flow>.<step> of one flow, at least one step like a start and one like
# an end (words of the step's name). Start first, end last, the others between by count.
START_WORDS = frozenset(
    {"start", "started", "begin", "began", "open", "opened", "view", "viewed", "visit", "visited"}
    | {"land", "landed", "init", "initiated", "signup"}
)
END_WORDS = frozenset(
    {"complete", "completed", "finish", "finished", "done", "success", "succeeded", "paid"}
    | {"purchase", "purchased", "submit", "submitted", "confirm", "confirmed", "convert"}
    | {"converted", "activate", "activated"}
)


def window_days() -> int:
    return int(getattr(settings, "DISCOVERY_WINDOW_DAYS", 30))


def max_prop_rows() -> int:
    """Property statistics read about this many events at most (the map columns are the
    expensive read; see warehouse/discovery.py)."""
    return int(getattr(settings, "DISCOVERY_MAX_PROP_ROWS", 200_000))


def _summary(org_id: str, tenant_id: str | None) -> tuple[SchemaSummary, datetime, datetime]:
    now = datetime.now(UTC)
    since = now - timedelta(days=window_days())
    scope = DangerousOrgWideScope(
        org_id=org_id,
        tenant_id=tenant_id or None,
        since=organization_retention_start(organization=org_id, now=now),
    )
    return schema_summary(scope=scope, since=since, max_prop_rows=max_prop_rows()), since, now


def discover(org_id: str, tenant_id: str | None = None) -> dict[str, Any]:
    """Event names, string and numeric property keys and tenants seen recently, for the
    organization or one of its tenants. The shape of GET /v1/discover."""
    summary, since, now = _summary(org_id, tenant_id)
    return {
        "window": {
            "from": iso_utc(since, timespec="milliseconds"),
            "to": iso_utc(now, timespec="milliseconds"),
            "days": window_days(),
        },
        # Property statistics come from these (busiest) tenants only; null: from every tenant.
        "prop_tenants": summary.prop_tenants,
        "events": [asdict(event) for event in summary.events],
        "string_props": [
            {
                **asdict(prop),
                "top_values": [
                    {"value": value, "count": count} for value, count in prop.top_values
                ],
            }
            for prop in summary.string_props
        ],
        "numeric_props": [asdict(prop) for prop in summary.numeric_props],
        "tenants": [asdict(tenant) for tenant in summary.tenants],
    }


def auto_create(
    *,
    organization: Organization,
    name: str | None = None,
    tenant_id: str | None = None,
    created_by: User | None = None,
) -> Dashboard:
    """A draft built from discovery: headline KPIs (an error rate where a status-like dimension
    has failures), the busiest event over time, breakdowns by its most useful dimensions (a
    donut for a few values), percentiles of latency-like and sums of cost-like properties, a
    table, and a funnel where events look like the steps of one flow. Conflict when there are
    no recent events to build from."""
    summary, _, _ = _summary(organization.pk, tenant_id)
    if not summary.events:
        where = f"tenant {tenant_id!r}" if tenant_id else "this organization"
        raise Conflict(
            f"No events in the last {window_days()} days for {where}: "
            "send events first, then auto-create.",
            code="no_events",
        )
    spec = auto_spec(summary, name=name or "Overview")
    return dashboard_create(organization=organization, spec=spec, created_by=created_by)


def auto_spec(summary: SchemaSummary, *, name: str) -> dict[str, Any]:
    """The spec `auto_create` saves (validated there by parse_spec like any other)."""
    busiest = summary.events[0]
    dimensions = _useful_dimensions(summary.string_props, busiest.name)
    grid = _GridLayout()
    widgets = _kpis(summary, busiest, grid) + _failure_rate(summary, busiest, grid)
    widgets.append(_timeseries(busiest, grid))
    widgets += [_breakdown(busiest, dimension, grid) for dimension in dimensions[:MAX_BREAKDOWNS]]
    if dimensions:
        widgets.append(_table(busiest, dimensions[:2], grid))
    widgets += _funnel(summary.events, grid)
    return {
        "name": name,
        "default_period": "7d",
        "filters": [
            {"dimension": d.key, "label": key_label(d.key)}
            for d in dimensions[:MAX_DEFAULT_FILTERS]
        ],
        "widgets": _unique_ids(widgets),
    }


def _kpis(summary: SchemaSummary, busiest: EventSummary, grid: "_GridLayout") -> list[dict]:
    event = busiest.name
    kpis = [
        _widget("w_events", f"{event} events", event=event, metric="count", box=grid.place(3, 2))
    ]
    if busiest.users:
        kpis.append(
            _widget(
                "w_users",
                "Unique users",
                event=event,
                metric="count_unique",
                prop="user_id",
                box=grid.place(3, 2),
            )
        )
    for prop in _numeric_like(summary.numeric_props, LATENCY_WORDS)[:MAX_LATENCY_WIDGETS]:
        kpis.append(
            _widget(
                f"w_p95_{prop.key}",
                f"p95 {key_label(prop.key).lower()}",
                event=_home_event(prop),
                metric="p95",
                prop=prop.key,
                box=grid.place(3, 2),
            )
        )
    for prop in _numeric_like(summary.numeric_props, COST_WORDS)[:1]:
        kpis.append(
            _widget(
                f"w_total_{prop.key}",
                f"Total {key_label(prop.key).lower()}",
                event=_home_event(prop),
                metric="sum",
                prop=prop.key,
                box=grid.place(3, 2),
            )
        )
    return kpis


def _failure_rate(summary: SchemaSummary, busiest: EventSummary, grid: "_GridLayout") -> list:
    """The first status-like dimension of the busiest event with a failure among its values
    gives a ratio KPI, as a percentage: events with that value / all events."""
    for prop in summary.string_props:
        if busiest.name not in prop.event_names or not KEY_RE.fullmatch(prop.key):
            continue
        if not _words(prop.key) & STATUS_WORDS:
            continue
        failure = next((v for v, _ in prop.top_values if v.lower() in FAILURE_VALUES), None)
        if failure is None:
            continue
        widget = _widget(
            f"w_{failure}_rate",
            f"{failure.capitalize()} rate",
            event=busiest.name,
            metric="ratio",
            box=grid.place(3, 2),
        )
        widget["ratio"] = {
            "numerator": {"metric": "count", "filters": {prop.key: failure}},
            "denominator": {"metric": "count"},
        }
        widget["format"] = {"unit": "percent", "decimals": 1}
        return [widget]
    return []


def _funnel(events: list[EventSummary], grid: "_GridLayout") -> list[dict[str, Any]]:
    """One funnel of unique users through the steps of the busiest flow (see START_WORDS)."""
    flows: dict[str, list[EventSummary]] = {}
    for event in events:
        flow, dot, _ = event.name.rpartition(".")
        if dot and event.users:
            flows.setdefault(flow, []).append(event)
    candidates = []
    for flow, steps in flows.items():
        starts = [e for e in steps if _words(e.name.rpartition(".")[2]) & START_WORDS]
        ends = [e for e in steps if _words(e.name.rpartition(".")[2]) & END_WORDS]
        if starts and ends and starts[0] is not ends[0] and len(steps) <= MAX_FUNNEL_STEPS:
            middle = [e for e in steps if e is not starts[0] and e is not ends[0]]
            ordered = [starts[0], *sorted(middle, key=lambda e: (-e.count, e.name)), ends[0]]
            candidates.append((sum(e.count for e in steps), flow, ordered))
    if not candidates:
        return []
    _, flow, ordered = max(candidates, key=lambda candidate: (candidate[0], candidate[1]))
    widget = _widget(
        f"w_funnel_{flow}",
        f"{flow} funnel",
        kind="funnel",
        chart="funnel",
        event=ordered[0].name,
        metric="count_unique",
        box=grid.place(GRID_COLUMNS // 2, 5),
    )
    widget["steps"] = [e.name for e in ordered]
    widget["window_minutes"] = DEFAULT_FUNNEL_WINDOW_MINUTES
    return [widget]


def _timeseries(busiest: EventSummary, grid: "_GridLayout") -> dict[str, Any]:
    return _widget(
        "w_trend",
        f"{busiest.name} over time",
        kind="timeseries",
        chart="area",
        event=busiest.name,
        metric="count",
        box=grid.place(GRID_COLUMNS, 4),
    )


def _breakdown(busiest: EventSummary, dimension: StringPropSummary, grid: "_GridLayout") -> dict:
    return _widget(
        f"w_by_{dimension.key}",
        f"{busiest.name} by {key_label(dimension.key).lower()}",
        kind="breakdown",
        chart="donut" if dimension.cardinality <= MAX_DONUT_SLICES else "bar",
        event=busiest.name,
        metric="count",
        group_by=[dimension.key],
        limit=10,
        box=grid.place(GRID_COLUMNS // 2, 4),
    )


def _table(busiest: EventSummary, dimensions: list[StringPropSummary], grid: "_GridLayout") -> dict:
    keys = [d.key for d in dimensions]
    title = f"{busiest.name} by " + " and ".join(key_label(key).lower() for key in keys)
    return _widget(
        "w_table",
        title,
        kind="table",
        chart="table",
        event=busiest.name,
        metric="count",
        group_by=keys,
        limit=20,
        box=grid.place(GRID_COLUMNS, 5),
    )


def _widget(
    widget_id: str,
    title: str,
    *,
    event: str,
    metric: str,
    box: dict[str, int],
    kind: str = "kpi",
    chart: str = "stat",
    prop: str | None = None,
    group_by: list[str] | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    return {
        "id": widget_id,
        "title": title[:200],
        "kind": kind,
        "chart": chart,
        "event_name": event,
        "metric": metric,
        "property": prop,
        "group_by": group_by or [],
        "filters": {},
        "limit": limit,
        "layout": box,
    }


def _useful_dimensions(props: list[StringPropSummary], event_name: str) -> list[StringPropSummary]:
    """String props the busiest event carries, with a handful of values and not id-like,
    the most widely present first."""
    fitting = [
        prop
        for prop in props
        if event_name in prop.event_names
        and KEY_RE.fullmatch(prop.key)
        and prop.cardinality in DIMENSION_CARDINALITY
        and not _words(prop.key) & ID_WORDS
    ]
    return sorted(fitting, key=lambda prop: (-prop.count, prop.cardinality, prop.key))


def _numeric_like(
    props: list[NumericPropSummary], words: frozenset[str]
) -> list[NumericPropSummary]:
    return [prop for prop in props if KEY_RE.fullmatch(prop.key) and _words(prop.key) & words]


def _home_event(prop: NumericPropSummary) -> str:
    """The event that carries the property most often (topK orders by frequency)."""
    return prop.event_names[0]


def _words(key: str) -> set[str]:
    """'responseTimeMs' / 'latency_ms' / 'cost.usd' -> lower-case words."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key)
    return {word for word in re.split(r"[^a-zA-Z0-9]+", spaced.lower()) if word}


def _unique_ids(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Widget ids from property keys: lower-case word characters, made unique with a suffix."""
    seen: set[str] = set()
    for widget in widgets:
        # Widget ids are at most 42 characters: room for a suffix.
        base = re.sub(r"[^a-z0-9_]+", "_", widget["id"].lower()).strip("_")[:36]
        candidate, n = base, 2
        while candidate in seen:
            candidate, n = f"{base}_{n}", n + 1
        seen.add(candidate)
        widget["id"] = candidate
    return widgets


class _GridLayout:
    """Places widgets left to right on a GRID_COLUMNS-wide grid, wrapping to a new row when full."""

    def __init__(self) -> None:
        self.x = self.y = self.row_height = 0

    def place(self, w: int, h: int) -> dict[str, int]:
        if self.x + w > GRID_COLUMNS:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        box = {"x": self.x, "y": self.y, "w": w, "h": h}
        self.x += w
        self.row_height = max(self.row_height, h)
        return box


def tenant_schema(
    *, scope: Scope, event_names: Collection[str], locked_filters: LockedFilters | None = None
) -> dict[str, Any]:
    """What one tenant's own recent events of `event_names` carry, for the embed's edit mode:
    the events (those seen first, busiest first; every named one is offered), the string and
    numeric property keys seen on them, and the top values of each string key that no other
    event carries. Read with the tenant's `Scope` (warehouse/reads.py) and the session's
    locked filters, so no other tenant's keys or values, and none of rows outside the lock,
    can appear."""
    now = datetime.now(UTC)
    summary = schema_summary(
        scope=scope,
        since=now - timedelta(days=window_days()),
        max_prop_rows=max_prop_rows(),
        locked_filters=locked_filters,
    )
    wanted = set(event_names)
    seen = [event.name for event in summary.events if event.name in wanted]
    strings = [
        prop
        for prop in summary.string_props
        if wanted & set(prop.event_names) and KEY_RE.fullmatch(prop.key)
    ]
    numbers = [
        prop
        for prop in summary.numeric_props
        if wanted & set(prop.event_names) and KEY_RE.fullmatch(prop.key)
    ]
    return {
        "events": seen + sorted(wanted - set(seen)),
        "string_keys": sorted(prop.key for prop in strings),
        "numeric_keys": sorted(prop.key for prop in numbers),
        # A key's top values are counted over every event carrying it: offered only when
        # all of those are wanted, so no value seen only on another event shows.
        "top_values": {
            prop.key: [value for value, _ in prop.top_values]
            for prop in strings
            if set(prop.event_names) <= wanted
        },
    }
