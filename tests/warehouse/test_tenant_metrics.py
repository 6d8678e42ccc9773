"""The shared alert scan (many widgets' metrics per tenant in one query) against the raw-event
oracle: for every metric, filter set and window, each widget's per-tenant values equal a
plain-Python computation over the same events (re-sent duplicates counted once), and equal what
the one-widget query `compile_metric_by_tenant` returns, tenant for tenant (a tenant without
events of a widget has no value for it in both)."""

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from core.ids import new_id
from warehouse.compiler import compile_metric_by_tenant
from warehouse.events import EventRow, insert_events
from warehouse.query import Metric, WidgetQuery
from warehouse.reads import run
from warehouse.scope import DangerousOrgWideScope
from warehouse.tenant_metrics import compile_metrics_by_tenant, metrics_by_tenant

METRICS = [
    Metric("count", None),
    Metric("count_unique", None),
    Metric("count_unique", "model"),
    Metric("sum", "latency_ms"),
    Metric("avg", "latency_ms"),
    Metric("p95", "latency_ms"),
    Metric("p99", "latency_ms"),
]
FILTERS = [{}, {"region": "eu"}, {"region": "eu", "endpoint": "/chat"}, {"model": "nowhere"}]
WIDGETS = [
    WidgetQuery(kind="kpi", event_name=event_name, metric=metric, filters=filters)
    for event_name in ("api.call", "signup")
    for metric in METRICS
    for filters in FILTERS
]


@pytest.fixture(scope="module")
def world():
    rng = random.Random(7)
    org, other = new_id("org"), new_id("org")
    now = datetime.now(UTC).replace(microsecond=0)
    rows = []
    for row_org, tenants in ((org, ["a", "b", "c", "quiet"]), (other, ["a"])):
        for tenant in tenants:
            count = 5 if tenant == "quiet" else 400
            for _ in range(count):
                strings = {
                    "region": rng.choice(["eu", "us"]),
                    "endpoint": rng.choice(["/chat", "/x"]),
                }
                if rng.random() < 0.8:
                    strings["model"] = rng.choice(["gpt-4", "claude", "llama"])
                numbers = (
                    {"latency_ms": round(rng.lognormvariate(4, 1), 3)}
                    if rng.random() < 0.85
                    else {}
                )
                rows.append(
                    EventRow(
                        row_org,
                        tenant,
                        rng.choices(["api.call", "signup"], weights=[5, 1])[0],
                        now - timedelta(seconds=rng.uniform(0, 30 * 3600)),
                        f"u{rng.randrange(40)}" if rng.random() < 0.9 else "",
                        new_id("i"),
                        strings,
                        numbers,
                    )
                )
    insert_events(rows)
    insert_events(rng.sample(rows, 60))  # re-sent: FINAL counts them once
    return org, now, rows


def oracle(widget: WidgetQuery, rows: list[EventRow]) -> dict[str, float | None]:
    by_tenant: dict[str, list[EventRow]] = {}
    for row in rows:
        if row.event_name == widget.event_name and all(
            row.string_props.get(k) == v for k, v in widget.filters.items()
        ):
            by_tenant.setdefault(row.tenant_id, []).append(row)
    return {tenant: compute(widget.metric, events) for tenant, events in by_tenant.items()}


def compute(metric: Metric, rows: list[EventRow]) -> float | None:
    if metric.metric == "count":
        return float(len(rows))
    if metric.metric == "count_unique":
        if metric.property is None:
            return float(len({r.user_id for r in rows if r.user_id}))
        return float(
            len(
                {r.string_props[metric.property] for r in rows if metric.property in r.string_props}
            )
        )
    values = sorted(
        r.numeric_props[metric.property] for r in rows if metric.property in r.numeric_props
    )
    if metric.metric == "sum":
        return math.fsum(values)
    if not values:
        return None
    if metric.metric == "avg":
        return math.fsum(values) / len(values)
    level = {"p95": 0.95, "p99": 0.99}[metric.metric]
    return values[min(int(level * len(values)), len(values) - 1)]


def number(value: object) -> float | None:
    result = None if value is None else float(value)
    return None if result is None or math.isnan(result) else result


def same(got: dict, expected: dict) -> bool:
    if set(got) != set(expected):
        return False
    for tenant, want in expected.items():
        value = number(got[tenant])
        if want is None or value is None:
            if want is not value:
                return False
        elif not math.isclose(value, want, rel_tol=1e-9, abs_tol=1e-9):
            return False
    return True


@pytest.mark.parametrize("hours", [1, 24])
def test_every_widget_of_the_shared_scan_equals_the_oracle(world, hours):
    org, now, rows = world
    start, end = now - timedelta(hours=hours), now + timedelta(seconds=1)
    window = [r for r in rows if r.org_id == org and start <= r.timestamp < end]
    results = metrics_by_tenant(WIDGETS, scope=DangerousOrgWideScope(org), start=start, end=end)
    wrong = [
        (w, got, oracle(w, window))
        for w, got in zip(WIDGETS, results, strict=True)
        if not same(got, oracle(w, window))
    ]
    assert not wrong, wrong[:2]


def test_the_shared_scan_equals_one_query_per_widget(world):
    org, now, _ = world
    scope = DangerousOrgWideScope(org)
    start, end = now - timedelta(hours=24), now + timedelta(seconds=1)
    shared = metrics_by_tenant(WIDGETS, scope=scope, start=start, end=end)
    for widget, values in zip(WIDGETS, shared, strict=True):
        alone = run(compile_metric_by_tenant(widget, scope=scope, start=start, end=end)).rows
        assert same(values, {t: number(v) for t, v in alone}), widget


def test_one_tenant_narrowing_reads_only_that_tenant(world):
    org, now, rows = world
    start, end = now - timedelta(hours=24), now + timedelta(seconds=1)
    scope = DangerousOrgWideScope(org_id=org, tenant_id="b")
    results = metrics_by_tenant(WIDGETS[:4], scope=scope, start=start, end=end)
    assert all(set(values) <= {"b"} for values in results)
    assert results[0] == {
        "b": pytest.approx(
            oracle(
                WIDGETS[0],
                [
                    r
                    for r in rows
                    if r.org_id == org and r.tenant_id == "b" and start <= r.timestamp < end
                ],
            )["b"]
        )
    }


def test_a_scan_reads_one_event_and_needs_an_org_wide_scope():
    with pytest.raises(ValueError):
        compile_metrics_by_tenant(
            WIDGETS[:1] + WIDGETS[-1:],
            scope=DangerousOrgWideScope("o"),
            start=datetime.now(UTC),
            end=datetime.now(UTC),
        )
    with pytest.raises(TypeError):
        compile_metrics_by_tenant(
            WIDGETS[:1], scope=object(), start=datetime.now(UTC), end=datetime.now(UTC)
        )  # type: ignore[arg-type]


def test_the_scan_reads_the_events_once_with_every_value_a_parameter():
    scan = compile_metrics_by_tenant(
        WIDGETS[:28],
        scope=DangerousOrgWideScope("o"),
        start=datetime.now(UTC),
        end=datetime.now(UTC),
    )
    assert scan.query.sql.count("FROM events") == 1
    assert (
        "eu" not in scan.query.sql
        and "/chat" not in scan.query.sql
        and "latency_ms" not in scan.query.sql
    )
