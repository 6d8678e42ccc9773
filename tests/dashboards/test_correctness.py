"""Every kind x metric x period equals an independent plain-Python computation over the same
generated events: exact for counts and quantiles, 1e-9 relative for float sums and averages.

The data: a seeded random set over 100 days with several tenants (one tenant id also used by
another organization), event names, string and numeric props (sometimes missing), users
(sometimes none), events exactly on the window edges, and re-sent duplicates (FINAL must count
them once). The Python side never calls the compiler or warehouse.buckets.
"""

import json
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.ids import new_id
from dashboards.data import DataRequest, dashboard_data, parse_data_request
from dashboards.spec import (
    METRICS,
    RATIO,
    DashboardSpec,
    MetricSpec,
    RatioSpec,
    WidgetSpec,
    parse_spec,
)
from warehouse.events import EventRow, insert_events
from warehouse.query import locked_value
from warehouse.scope import Scope

NUMERIC = {"sum", "avg", "p95", "p99"}
ZONES = ["UTC", "America/New_York", "Asia/Kolkata"]
MODELS = ["gpt-4", "claude", "llama", "mistral", "x') OR 1=1 --", "ünïcode"]
ENDPOINTS = ["/chat", "/embed", "/complete"]
REGIONS = ["eu", "us", "apac"]


@dataclass(frozen=True)
class World:
    org_id: str
    tenant_id: str
    now: datetime
    rows: list[EventRow]  # every distinct row inserted, all orgs and tenants


def metric_props(metric: str) -> dict[str, Any]:
    """Numeric metrics over latency_ms; count_unique over user_id (its default)."""
    return {"metric": metric, "property": "latency_ms"} if metric in NUMERIC else {"metric": metric}


# Ratios: a share of events, a cost per user, a quantile over an average of another slice,
# and one whose denominator is always 0 (NULL everywhere, never inf).
RATIOS = {
    "share": {"numerator": {"metric": "count", "filters": {"endpoint": "/chat"}},
              "denominator": {"metric": "count"}},
    "per_user": {"numerator": {"metric": "sum", "property": "cost"},
                 "denominator": {"metric": "count_unique"}},
    "p95_over_avg": {
        "numerator": {"metric": "p95", "property": "latency_ms", "filters": {"region": "eu"}},
        "denominator": {"metric": "avg", "property": "latency_ms"},
    },
    "zero": {"numerator": {"metric": "count"},
             "denominator": {"metric": "count", "filters": {"model": "no-such-model"}}},
}  # fmt: skip


def kinds_of(metric: str, props: dict[str, Any]) -> list[dict[str, Any]]:
    """A KPI, a time series, a split time series and a breakdown of one metric."""
    base = {"event_name": "api.call", **props}
    return [
        {"id": f"w_kpi_{metric}", "kind": "kpi", **base},
        {"id": f"w_ts_{metric}", "kind": "timeseries", **base},
        {
            "id": f"w_split_{metric}",
            "kind": "timeseries",
            "group_by": ["model"],
            "limit": 2,
            **base,
        },
        {"id": f"w_bd_{metric}", "kind": "breakdown", "group_by": ["model"], "limit": 3, **base},
    ]


def compared_kinds(metric: str, props: dict[str, Any]) -> list[dict[str, Any]]:
    """A time series with its previous period and a KPI with its sparkline."""
    base = {"event_name": "api.call", **props}
    return [
        {"id": f"w_cmp_{metric}", "kind": "timeseries", "compare": "previous_period", **base},
        {"id": f"w_spark_{metric}", "kind": "kpi", "chart": "sparkline", **base},
    ]


def build_spec() -> DashboardSpec:
    widgets: list[dict[str, Any]] = []
    for name, ratio in RATIOS.items():
        widgets += kinds_of(name, {"metric": RATIO, "ratio": ratio})
    widgets.append(
        {
            "id": "w_table_ratios",
            "kind": "table",
            "event_name": "api.call",
            "group_by": ["region"],
            "metrics": [{"metric": RATIO, "ratio": r} for r in RATIOS.values()]
            + [{"metric": "count"}],
            "sort": {"by": "count[endpoint=/chat]/count", "direction": "desc"},
        }
    )
    for metric in METRICS:
        if metric == RATIO:
            continue
        props = metric_props(metric)
        base = {"event_name": "api.call", **props}
        widgets += [
            {"id": f"w_kpi_{metric}", "kind": "kpi", **base},
            {"id": f"w_ts_{metric}", "kind": "timeseries", **base},
            {
                "id": f"w_split_{metric}",
                "kind": "timeseries",
                "group_by": ["model"],
                "limit": 2,
                **base,
            },
            {
                "id": f"w_bd_{metric}",
                "kind": "breakdown",
                "group_by": ["model"],
                "limit": 3,
                **base,
            },
        ]
    for bucket in ("hour", "day", "week", "month"):
        widgets.append(
            {
                "id": f"w_bucket_{bucket}",
                "kind": "timeseries",
                "event_name": "api.call",
                "bucket": bucket,
            }
        )
    widgets += [
        {
            "id": "w_table",
            "kind": "table",
            "event_name": "api.call",
            "group_by": ["model", "endpoint"],
            "metrics": [metric_props(m) for m in METRICS if m != RATIO],
            "sort": {"by": "avg(latency_ms)", "direction": "asc"},
            "limit": 7,
        },
        {
            "id": "w_table_unique_prop",
            "kind": "table",
            "event_name": "api.call",
            "group_by": ["region"],
            "metrics": [{"metric": "count_unique", "property": "session"}, {"metric": "count"}],
        },
        {
            "id": "w_kpi_filtered",
            "kind": "kpi",
            "event_name": "api.call",
            "filters": {"endpoint": "/chat"},
            "metric": "sum",
            "property": "cost",
        },
        {"id": "w_kpi_signup", "kind": "kpi", "event_name": "signup", "metric": "count_unique"},
        {
            "id": "w_kpi_progress",
            "kind": "kpi",
            "chart": "progress",
            "target": 250,
            "event_name": "api.call",
            "metric": "count",
        },
    ]
    return parse_spec(
        {
            "name": "Correctness",
            "filters": [{"dimension": "region", "label": "Region"}],
            "widgets": widgets,
        }
    )


def build_compared_spec() -> DashboardSpec:
    """Time series with their previous period and sparkline KPIs, of every metric (a spec holds
    at most 50 widgets, so they have one of their own)."""
    widgets: list[dict[str, Any]] = []
    for name, ratio in RATIOS.items():
        widgets += compared_kinds(name, {"metric": RATIO, "ratio": ratio})
    for metric in METRICS:
        if metric != RATIO:
            widgets += compared_kinds(metric, metric_props(metric))
    for bucket in ("hour", "week", "month"):  # previous points under every bucket size
        widgets.append(
            {
                "id": f"w_cmp_bucket_{bucket}",
                "kind": "timeseries",
                "chart": "bar",
                "event_name": "api.call",
                "metric": "sum",
                "property": "cost",
                "bucket": bucket,
                "compare": "previous_period",
            }
        )
    widgets.append(
        {
            "id": "w_cmp_filtered",
            "kind": "timeseries",
            "event_name": "api.call",
            "filters": {"endpoint": "/chat"},
            "compare": "previous_period",
        }
    )
    return parse_spec(
        {
            "name": "Compared",
            "filters": [{"dimension": "region", "label": "Region"}],
            "widgets": widgets,
        }
    )


SPEC = build_spec()
SPECS = (SPEC, build_compared_spec())


def random_row(rng: random.Random, org: str, tenant: str, ts: datetime) -> EventRow:
    strings = {
        "endpoint": rng.choice(ENDPOINTS),
        "region": rng.choice(REGIONS),
        "session": f"s{rng.randrange(30)}",
    }
    if rng.random() < 0.85:
        strings["model"] = rng.choice(MODELS)
    numbers = {}
    if rng.random() < 0.8:
        numbers["latency_ms"] = round(rng.lognormvariate(5, 1), 3)
    if rng.random() < 0.9:
        numbers["cost"] = rng.random() / 7
    user = f"u{rng.randrange(60)}" if rng.random() < 0.9 else ""
    name = rng.choices(["api.call", "page.view", "signup"], weights=[8, 2, 1])[0]
    return EventRow(org, tenant, name, ts, user, new_id("i"), strings, numbers)


def edge_times(now: datetime) -> list[datetime]:
    """Instants on and around every rolling window's edges (end is the next whole minute)."""
    end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    out = []
    for span in (timedelta(hours=24), timedelta(days=7), timedelta(days=30), timedelta(days=90)):
        for edge in (end - span, end - 2 * span):
            out += [edge, edge - timedelta(milliseconds=1), edge + timedelta(milliseconds=1)]
    return out + [end, end - timedelta(milliseconds=1), now]


@pytest.fixture(scope="module")
def world() -> World:
    rng = random.Random(20260414)
    org, other_org = new_id("org"), new_id("org")
    now = datetime.now(UTC).replace(microsecond=123000)
    rows: list[EventRow] = []
    for tenant_org, tenant, count in [
        (org, "t_main", 2500),
        (org, "t_other", 600),
        (other_org, "t_main", 600),
    ]:
        for _ in range(count):
            ts = now - timedelta(seconds=rng.uniform(0, 100 * 86400))
            rows.append(
                random_row(
                    rng, tenant_org, tenant, ts.replace(microsecond=ts.microsecond // 1000 * 1000)
                )
            )
    for ts in edge_times(now):
        for tenant_org in (org, other_org):
            row = random_row(rng, tenant_org, "t_main", ts)
            rows.append(row._replace(event_name="api.call"))
    duplicates = rng.sample(rows, 50)  # re-sent: same key columns, FINAL keeps one
    insert_events(rows)
    insert_events(duplicates)
    return World(org_id=org, tenant_id="t_main", now=now, rows=rows)


# --- The independent computation ------------------------------------------------------------


def compute_metric(metric: MetricSpec | RatioSpec, rows: list[EventRow]) -> float | None:
    """A metric of the spec over rows; a ratio part over its own filters' rows."""
    if isinstance(metric, RatioSpec):
        numerator = compute_metric(metric.numerator, rows)
        denominator = compute_metric(metric.denominator, rows)
        if numerator is None or not denominator:
            return None
        return numerator / denominator
    mine = [r for r in rows if all(r.string_props.get(k, "") == v for k, v in metric.filters)]
    return compute(metric.metric, metric.property, mine)


def compute(metric: str, prop: str | None, rows: list[EventRow]) -> float | None:
    if metric == "count":
        return float(len(rows))
    if metric == "count_unique":
        if prop is None:
            return float(len({r.user_id for r in rows if r.user_id}))
        return float(len({r.string_props[prop] for r in rows if prop in r.string_props}))
    assert prop is not None
    values = sorted(r.numeric_props[prop] for r in rows if prop in r.numeric_props)
    if metric == "sum":
        return math.fsum(values)
    if not values:
        return None
    if metric == "avg":
        return math.fsum(values) / len(values)
    level = {"p95": 0.95, "p99": 0.99}[metric]
    return values[min(int(level * len(values)), len(values) - 1)]  # ClickHouse quantileExact


Lock = str | list[str] | dict[str, float]  # the JSON form of a locked filter
BOUNDS: dict[str, Callable[[float, float], bool]] = {
    "gt": lambda x, b: x > b,
    "gte": lambda x, b: x >= b,
    "lt": lambda x, b: x < b,
    "lte": lambda x, b: x <= b,
}


def within_lock(row: EventRow, key: str, lock: Lock) -> bool:
    if isinstance(lock, dict):  # a range on the numeric property: it must be there
        value = row.numeric_props.get(key)
        return value is not None and all(BOUNDS[op](value, b) for op, b in lock.items())
    allowed = lock if isinstance(lock, list) else [lock]
    return row.string_props.get(key, "") in allowed


def select(
    world: World,
    widget: WidgetSpec,
    start: datetime,
    end: datetime,
    viewer: dict[str, str],
    locked: dict[str, Lock],
) -> list[EventRow]:
    """The widget's and the viewer's conditions (ANDed), those on a string or list lock's key
    only when the lock allows the value (else the lock stands), then every lock."""

    def kept(key: str, value: str) -> bool:
        lock = locked.get(key)
        return (
            lock is None
            or isinstance(lock, dict)
            or value == lock
            or (isinstance(lock, list) and value in lock)
        )

    conditions = [(k, v) for source in (widget.filters, viewer) for k, v in source.items()]
    conditions = [(k, v) for k, v in conditions if kept(k, v)]
    return [
        r
        for r in world.rows
        if r.org_id == world.org_id
        and r.tenant_id == world.tenant_id
        and r.event_name == widget.event_name
        and start <= r.timestamp < end
        and all(r.string_props.get(k, "") == v for k, v in conditions)
        and all(within_lock(r, k, lock) for k, lock in locked.items())
    ]


def local_bucket(ts: datetime, size: str, zone: ZoneInfo) -> datetime:
    local = ts.astimezone(zone)
    if size == "hour":
        return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    day: date = local.date()
    if size == "week":
        day = day - timedelta(days=day.weekday())
    if size == "month":
        day = day.replace(day=1)
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def expected_bucket_starts(
    size: str, start: datetime, end: datetime, zone: ZoneInfo
) -> list[datetime]:
    samples = [
        start + timedelta(hours=k) for k in range(int((end - start) / timedelta(hours=1)) + 1)
    ]
    samples = [s for s in samples if s < end] + [end - timedelta(milliseconds=1)]
    return sorted({local_bucket(s, size, zone) for s in samples})


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def group(rows: Iterable[EventRow], key: Callable[[EventRow], Any]) -> dict[Any, list[EventRow]]:
    out: dict[Any, list[EventRow]] = {}
    for row in rows:
        out.setdefault(key(row), []).append(row)
    return out


def top_keys(widget: WidgetSpec, rows: list[EventRow], dimension: str) -> list[str]:
    groups = group(rows, lambda r: r.string_props.get(dimension, ""))
    scored = [(compute_metric(widget.metric_spec, g), k) for k, g in groups.items()]
    scored.sort(key=lambda item: (item[0] is None, -(item[0] or 0), item[1]))
    return [k for _, k in scored[: widget.limit]]


def expected_data(
    world: World, widget: WidgetSpec, request: DataRequest, locked: dict[str, Lock], bucket: str
) -> Any:
    start, end = request.start, request.end
    rows = select(world, widget, start, end, request.filters, locked)
    if widget.kind == "kpi":
        previous = select(world, widget, start - (end - start), start, request.filters, locked)
        kpi = {
            "value": compute_metric(widget.metric_spec, rows),
            "previous": compute_metric(widget.metric_spec, previous),
        }
    zone = ZoneInfo(request.tz)
    starts = expected_bucket_starts(bucket, start, end, zone) if bucket else []
    fill = 0.0 if widget.metric in ("count", "count_unique", "sum") else None  # not ratios

    def points(subset: list[EventRow], shift: timedelta = timedelta(0)) -> list[list[Any]]:
        """Per bucket of this period; `shift` moves earlier events under it (previous period)."""
        by_bucket = group(subset, lambda r: local_bucket(r.timestamp + shift, bucket, zone))
        return [
            [z(s), compute_metric(widget.metric_spec, by_bucket[s]) if s in by_bucket else fill]
            for s in starts
        ]

    if widget.kind == "kpi":
        if widget.chart == "sparkline":
            return {**kpi, "bucket": bucket, "points": points(rows)}
        return {**kpi, "target": widget.target} if widget.chart == "progress" else kpi
    if widget.kind == "timeseries":
        if widget.compare:
            span = end - start
            before = select(world, widget, start - span, start, request.filters, locked)
            return {
                "bucket": bucket,
                "series": [{"name": "all", "points": points(rows)}],
                "previous": {
                    "from": z(start - span),
                    "to": z(start),
                    "points": points(before, span),
                },
            }
        if not widget.group_by:
            return {"bucket": bucket, "series": [{"name": "all", "points": points(rows)}]}
        dim = widget.group_by[0]
        top = top_keys(widget, rows, dim)
        series = [
            {"name": k, "points": points([r for r in rows if r.string_props.get(dim, "") == k])}
            for k in top
        ]
        rest = [r for r in rows if r.string_props.get(dim, "") not in top]
        if rest:
            series.append({"name": "other", "points": points(rest)})
        return {"bucket": bucket, "series": series}
    if widget.kind == "breakdown":
        dim = widget.group_by[0]
        top = top_keys(widget, rows, dim)
        out = [
            {
                "key": k,
                "value": compute_metric(
                    widget.metric_spec,
                    [r for r in rows if r.string_props.get(dim, "") == k],
                ),
            }
            for k in top
        ]
        rest = [r for r in rows if r.string_props.get(dim, "") not in top]
        if rest:
            out.append({"key": "other", "value": compute_metric(widget.metric_spec, rest)})
        return {"rows": out}
    groups = group(rows, lambda r: tuple(r.string_props.get(d, "") for d in widget.group_by))
    table = [[*key, *(compute_metric(m, g) for m in widget.metrics)] for key, g in groups.items()]
    columns = [*widget.group_by, *(m.label for m in widget.metrics)]
    assert widget.sort is not None
    at = columns.index(widget.sort.by)
    sign = 1 if widget.sort.direction == "asc" else -1
    dims = len(widget.group_by)

    def order(row: list[Any]) -> tuple[Any, ...]:
        value = row[at]
        if at < dims:  # a dimension: strings, no NULLs
            return (value if sign == 1 else _Reverse(value), *row[:dims])
        return (value is None, sign * (value or 0.0), *row[:dims])

    table.sort(key=order)
    return {"columns": columns, "rows": table[: widget.limit]}


@dataclass(frozen=True)
class _Reverse:
    value: str

    def __lt__(self, other: "_Reverse") -> bool:
        return self.value > other.value


def assert_close(actual: Any, expected: Any, path: str = "") -> None:
    if isinstance(expected, float) and isinstance(actual, (int, float)):
        assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12), (
            f"{path}: {actual} != {expected}"
        )
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), (
            f"{path}: keys {actual} != {expected}"
        )
        for key in expected:
            assert_close(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), (
            f"{path}: {actual} != {expected}"
        )
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def check_dashboard(
    world: World, request: DataRequest, locked: dict[str, Lock] | None = None
) -> int:
    locked = locked or {}
    checked = 0
    for spec in SPECS:
        data = dashboard_data(
            spec=spec,
            scope=Scope(world.org_id, world.tenant_id),
            request=request,
            locked_filters={key: locked_value(lock) for key, lock in locked.items()},
            version_key=new_id("v"),  # a fresh key: computed, never from the cache
        )
        by_id = {w["id"]: w for w in data["widgets"]}
        assert list(by_id) == [w.id for w in spec.widgets]
        for widget in spec.widgets:
            actual = by_id[widget.id]["data"]
            bucket = actual.get("bucket", "") if widget.kind in ("timeseries", "kpi") else ""
            assert_close(actual, expected_data(world, widget, request, locked, bucket), widget.id)
            checked += 1
    return checked


# --- The tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("period", ["24h", "7d", "30d", "90d"])
def test_rolling_periods(world: World, period: str, tz: str) -> None:
    request = parse_data_request({"period": period, "tz": tz}, default_period="7d", now=world.now)
    assert check_dashboard(world, request) == sum(len(spec.widgets) for spec in SPECS)


@pytest.mark.parametrize("tz", ZONES)
def test_custom_period(world: World, tz: str) -> None:
    start = (world.now - timedelta(days=61, hours=5, minutes=17)).isoformat()
    end = (world.now - timedelta(days=9, hours=2)).isoformat()
    request = parse_data_request(
        {"period": "custom", "from": start, "to": end, "tz": tz}, default_period="7d"
    )
    check_dashboard(world, request)


def test_custom_period_of_local_whole_days(world: World) -> None:
    first = (world.now - timedelta(days=40)).date().isoformat()
    last = (world.now - timedelta(days=3)).date().isoformat()
    request = parse_data_request(
        {"period": "custom", "from": first, "to": last, "tz": "Asia/Kolkata"}, default_period="7d"
    )
    assert request.start == datetime.fromisoformat(first).replace(tzinfo=ZoneInfo("Asia/Kolkata"))
    check_dashboard(world, request)


def test_viewer_and_locked_filters(world: World) -> None:
    request = parse_data_request(
        {"period": "90d", "tz": "America/New_York", "filters": '{"region": "eu"}'},
        default_period="7d",
        now=world.now,
    )
    check_dashboard(world, request, locked={"endpoint": "/chat"})


def test_locked_filter_overrides_the_viewer_on_the_same_key(world: World) -> None:
    request = parse_data_request(
        {"period": "30d", "filters": '{"region": "eu"}'}, default_period="7d", now=world.now
    )
    check_dashboard(world, request, locked={"region": "us"})


@pytest.mark.parametrize(
    ("viewer", "locked"),
    [
        ({}, {"region": ["eu", "apac"]}),
        ({"region": "eu"}, {"region": ["eu", "apac"]}),  # one of the list: narrows to it
        ({"region": "us"}, {"region": ["eu", "apac"]}),  # outside the list: the lock stands
        ({"region": "eu"}, {"model": ["claude", "x') OR 1=1 --", "ünïcode"]}),
        ({}, {"latency_ms": {"gte": 100, "lt": 500}}),
        ({}, {"latency_ms": {"gt": 148.413}, "cost": {"lte": 0.05}}),
        ({"region": "us"}, {"cost": {"gte": 0.1}, "endpoint": ["/chat", "/embed"]}),
        ({}, {"latency_ms": {"gte": 1e9}}),  # nothing within: no rows, not every row
    ],
)
def test_list_and_range_locks(world: World, viewer: dict[str, str], locked) -> None:
    request = parse_data_request(
        {"period": "90d", "tz": "Asia/Kolkata", "filters": json.dumps(viewer)},
        default_period="7d",
        now=world.now,
    )
    assert check_dashboard(world, request, locked=locked) == sum(len(s.widgets) for s in SPECS)


def test_the_range_lock_selects_a_real_share_of_the_rows(world: World) -> None:
    """The data exercises the bounds: some rows in, some out, some without the property."""
    rows = [r for r in world.rows if (r.org_id, r.tenant_id) == (world.org_id, "t_main")]
    inside = [r for r in rows if within_lock(r, "latency_ms", {"gte": 100, "lt": 500})]
    missing = [r for r in rows if "latency_ms" not in r.numeric_props]
    assert 0.2 * len(rows) < len(inside) < 0.8 * len(rows) and missing


def test_hourly_buckets_across_a_dst_change() -> None:
    """Hour and day buckets over the latest New York DST change (a 23- or 25-hour local day)."""
    zone = ZoneInfo("America/New_York")
    now = datetime.now(UTC).replace(microsecond=0)
    change = next(
        now - timedelta(hours=h)
        for h in range(1, 24 * 366)
        if (now - timedelta(hours=h)).astimezone(zone).utcoffset()
        != (now - timedelta(hours=h - 1)).astimezone(zone).utcoffset()
    )
    org = new_id("org")
    rng = random.Random(7)
    start, end = change - timedelta(hours=30), change + timedelta(hours=30)
    rows = [
        random_row(rng, org, "t", start + timedelta(minutes=17 * i))._replace(event_name="api.call")
        for i in range(210)
    ]
    insert_events(rows)
    world = World(org_id=org, tenant_id="t", now=now, rows=rows)
    for tz in ("America/New_York", "Asia/Kolkata"):
        request = parse_data_request(
            {"period": "custom", "from": start.isoformat(), "to": end.isoformat(), "tz": tz},
            default_period="7d",
        )
        check_dashboard(world, request)


def test_other_tenants_and_orgs_never_count(world: World) -> None:
    """The same tenant id in another organization has its own, different, events."""
    request = parse_data_request({"period": "90d"}, default_period="7d", now=world.now)
    mine = dashboard_data(
        spec=SPEC, scope=Scope(world.org_id, "t_main"), request=request, version_key=new_id("v")
    )
    kpi = next(w for w in mine["widgets"] if w["id"] == "w_kpi_count")["data"]["value"]
    own = [
        r
        for r in world.rows
        if (r.org_id, r.tenant_id, r.event_name) == (world.org_id, "t_main", "api.call")
    ]
    assert kpi == float(len([r for r in own if request.start <= r.timestamp < request.end]))
    nobody = dashboard_data(
        spec=SPEC, scope=Scope(world.org_id, "t_nobody"), request=request, version_key=new_id("v")
    )
    empty = {w["id"]: w["data"] for w in nobody["widgets"]}
    assert empty["w_kpi_count"] == {"value": 0.0, "previous": 0.0}
    assert empty["w_kpi_avg"] == {"value": None, "previous": None}
    assert empty["w_bd_count"] == {"rows": []}
    assert empty["w_table"]["rows"] == []
    assert all(p[1] == 0.0 for p in empty["w_ts_count"]["series"][0]["points"])
