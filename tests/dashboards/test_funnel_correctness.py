"""Funnels against a plain-Python computation (issue 14, item 5): ordered steps per user within
a conversion window, over random users and times, for every period, with filters, and never
counting another tenant's or organization's users."""

import logging
import random
from datetime import UTC, datetime, timedelta

import pytest

from core.ids import new_id
from dashboards.data import dashboard_data, dashboards_data_of_tenants, parse_data_request
from dashboards.spec import parse_spec
from warehouse.events import EventRow, insert_events
from warehouse.scope import Scope

STEPS = ("visit", "signup", "activate", "pay")


def build(window_minutes: int, filters: dict[str, str] | None = None):
    widget = {"id": "w_f", "kind": "funnel", "steps": list(STEPS), "window_minutes": window_minutes}
    return parse_spec({"name": "F", "widgets": [{**widget, "filters": filters or {}}]})


def funnel_level(events: list[tuple[int, int]], window_ms: int, steps: int) -> int:
    """ClickHouse's windowFunnel (default mode): events (ms, step) sorted by time then step; a
    first-step event (re)starts a chain, a step k event extends a chain at k - 1 still within
    the window of that chain's start. The deepest step reached."""
    starts: list[int | None] = [None] * steps
    for at, step in sorted(events):
        if step == 0:
            starts[0] = at
        elif starts[step - 1] is not None and at <= starts[step - 1] + window_ms:
            starts[step] = starts[step - 1]
            if step == steps - 1:
                return steps
    return max((i + 1 for i, s in enumerate(starts) if s is not None), default=0)


@pytest.fixture(scope="module")
def world():
    rng = random.Random(1414)
    org, other = new_id("org"), new_id("org")
    now = datetime.now(UTC).replace(microsecond=0)
    rows = []
    for tenant_org, tenant, users in ((org, "t", 300), (org, "t2", 80), (other, "t", 80)):
        for u in range(users):
            at = now - timedelta(seconds=rng.uniform(0, 95 * 86400))
            for step, name in enumerate(STEPS):
                if rng.random() < 0.3 and step:
                    break
                at += timedelta(seconds=rng.uniform(1, 3 * 3600))
                if rng.random() < 0.1:  # an out-of-order or repeated step now and then
                    name = rng.choice(STEPS)
                plan = rng.choice(["free", "pro"])
                rows.append(
                    EventRow(tenant_org, tenant, name, at, f"u{u}", new_id("i"), {"plan": plan}, {})
                )
        rows += [  # events without a user never count
            EventRow(tenant_org, tenant, "visit", now - timedelta(hours=1), "", new_id("i"), {}, {})
        ]
    insert_events(rows)
    return org, now, rows


def expected(rows, org, start, end, window_minutes, filters):
    per_user: dict[str, list[tuple[int, int]]] = {}
    for r in rows:
        if (r.org_id, r.tenant_id) != (org, "t") or not r.user_id or r.event_name not in STEPS:
            continue
        if not start <= r.timestamp < end:
            continue
        if any(r.string_props.get(k, "") != v for k, v in filters.items()):
            continue
        at = int(r.timestamp.timestamp() * 1000)
        per_user.setdefault(r.user_id, []).append((at, STEPS.index(r.event_name)))
    levels = [funnel_level(ev, window_minutes * 60_000, len(STEPS)) for ev in per_user.values()]
    reached = [sum(1 for level in levels if level >= k) for k in range(1, len(STEPS) + 1)]
    return reached


@pytest.mark.parametrize("period", ["24h", "7d", "30d", "90d"])
@pytest.mark.parametrize(("window", "filters"), [(60, {}), (24 * 60, {}), (600, {"plan": "pro"})])
def test_funnel_matches_python(world, period, window, filters) -> None:
    org, now, rows = world
    request = parse_data_request({"period": period}, default_period="7d", now=now)
    data = dashboard_data(
        spec=build(window, filters),
        scope=Scope(org, "t"),
        request=request,
        version_key=new_id("v"),
    )["widgets"][0]["data"]
    reached = expected(rows, org, request.start, request.end, window, filters)
    assert [s["users"] for s in data["steps"]] == reached
    assert [s["event"] for s in data["steps"]] == list(STEPS)
    first = reached[0]
    for i, step in enumerate(data["steps"]):
        assert step["conversion"] == (reached[i] / first if first else None)
        if i:
            assert step["step_conversion"] == (
                reached[i] / reached[i - 1] if reached[i - 1] else None
            )
    if period == "90d":
        assert reached[0] > 50 and reached[1] > 0  # the data exercises the steps
        assert reached[-1] > 0 or window < 24 * 60


def test_a_tenant_without_events_gets_zero_users(world) -> None:
    org, now, _ = world
    request = parse_data_request({"period": "90d"}, default_period="7d", now=now)
    data = dashboard_data(
        spec=build(60), scope=Scope(org, "nobody"), request=request, version_key=new_id("v")
    )["widgets"][0]["data"]
    assert [(s["users"], s["conversion"]) for s in data["steps"]] == [(0, None)] * 4


@pytest.mark.parametrize("period", ["24h", "90d"])
@pytest.mark.parametrize(("window", "filters"), [(60, {}), (600, {"plan": "pro"})])
def test_grouped_funnels_equal_each_tenants_own(world, caplog, period, window, filters) -> None:
    """The funnel read for several tenants in one grouped statement, split per tenant, is each
    tenant's own funnel (a tenant without events: zeros; the other org's "t": never)."""
    org, now, _ = world
    request = parse_data_request({"period": period}, default_period="7d", now=now)
    scopes = [Scope(org, tenant) for tenant in ("t", "t2", "nobody")]
    with caplog.at_level(logging.INFO, logger="dashboards.data"):
        grouped = dashboards_data_of_tenants(
            spec=build(window, filters), scopes=scopes, request=request, version_key=new_id("v")
        )
    assert "grouped read" not in caplog.text  # no fallback to the tenants' own reads
    for scope, answer in zip(scopes, grouped, strict=True):
        alone = dashboard_data(
            spec=build(window, filters), scope=scope, request=request, version_key=new_id("v")
        )
        assert answer == alone, scope.tenant_id
    assert grouped[2]["widgets"][0]["data"]["steps"][0]["users"] == 0
    assert period != "90d" or grouped[0] != grouped[1]
