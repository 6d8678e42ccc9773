"""THE oracle of grouped reads: `dashboards_data_of_tenants`, which reads the uncached widgets
of many tenants in one statement (a TenantsScope) and splits the rows per tenant, answers for
each tenant exactly what `dashboard_data` answers for that tenant alone, for every kind, metric,
period, time zone, viewer filter and lock of test_correctness (whose oracle proves the
single-tenant answers right): a tenant with events, one with few, one with none at all, while
the same tenant id of another organization holds other events that must never count. Runs on
every backend (chDB, the server, the cluster: `make test-server` / `test-cluster`)."""

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from core.ids import new_id
from dashboards.data import dashboard_data, dashboards_data_of_tenants, parse_data_request
from tests.dashboards.test_correctness import (  # noqa: F401
    SPECS,
    assert_close,
    world,
)
from tests.warehouse.test_grouped_scope import EVERY_KIND
from warehouse.backends import get_backend, set_backend
from warehouse.events import EventRow, insert_events
from warehouse.query import locked_value
from warehouse.scope import Scope

TENANTS = ("t_main", "t_other", "t_nobody")


class Recording:
    """The real backend, keeping every statement it is given."""

    def __init__(self, inner) -> None:
        self.inner, self.statements, self.params = inner, [], []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def query(self, sql, params=None):
        self.statements.append(sql)
        self.params.append(params or {})
        return self.inner.query(sql, params)

    def query_many(self, statements):
        for sql, params in statements:
            self.statements.append(sql)
            self.params.append(params or {})
        return self.inner.query_many(statements)


@pytest.fixture
def recording():
    real = get_backend()
    backend = Recording(real)
    set_backend(backend)
    yield backend
    set_backend(real)


def check_grouped(world, request, recording, caplog, locked=None) -> int:  # noqa: F811
    """Every spec: the grouped answer of each tenant == its own dashboard_data, and the
    grouped read really ran grouped (no fallback to per-tenant reads)."""
    locks = {key: locked_value(lock) for key, lock in (locked or {}).items()}
    scopes = [Scope(world.org_id, tenant) for tenant in TENANTS]
    checked = 0
    for spec in SPECS:
        del recording.statements[:], recording.params[:]
        with caplog.at_level(logging.INFO, logger="dashboards.data"):
            grouped = dashboards_data_of_tenants(
                spec=spec,
                scopes=scopes,
                request=request,
                locked_filters=locks,
                version_key=new_id("v"),
            )
        assert "grouped read" not in caplog.text, caplog.text
        assert all("tenant_id IN {scope_tenant_ids" in sql for sql in recording.statements)
        for scope, answer in zip(scopes, grouped, strict=True):
            alone = dashboard_data(
                spec=spec, scope=scope, request=request, locked_filters=locks, version_key="x"
            )
            assert [w["id"] for w in answer["widgets"]] == [w.id for w in spec.widgets]
            assert answer["period"] == alone["period"]
            for mine, own in zip(answer["widgets"], alone["widgets"], strict=True):
                assert_close(mine, own, f"{scope.tenant_id}.{own['id']}")
                checked += 1
    return checked


@pytest.fixture
def fresh_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": new_id("c"),
        }
    }


@pytest.mark.parametrize("tz", ["UTC", "America/New_York", "Asia/Kolkata"])
@pytest.mark.parametrize("period", ["24h", "7d", "30d", "90d"])
def test_rolling_periods(world, recording, caplog, fresh_cache, period, tz):  # noqa: F811
    request = parse_data_request({"period": period, "tz": tz}, default_period="7d", now=world.now)
    widgets = sum(len(spec.widgets) for spec in SPECS)
    assert check_grouped(world, request, recording, caplog) == widgets * len(TENANTS)


def test_custom_period(world, recording, caplog, fresh_cache):  # noqa: F811
    start = (world.now - timedelta(days=61, hours=5, minutes=17)).isoformat()
    end = (world.now - timedelta(days=9, hours=2)).isoformat()
    request = parse_data_request(
        {"period": "custom", "from": start, "to": end, "tz": "Asia/Kolkata"}, default_period="7d"
    )
    check_grouped(world, request, recording, caplog)


@pytest.mark.parametrize(
    ("viewer", "locked"),
    [
        ({"region": "eu"}, {"endpoint": "/chat"}),
        ({"region": "eu"}, {"region": "us"}),
        ({"region": "eu"}, {"region": ["eu", "apac"]}),
        ({}, {"model": ["claude", "x') OR 1=1 --", "ünïcode"]}),
        ({}, {"latency_ms": {"gte": 100, "lt": 500}}),
        ({"region": "us"}, {"cost": {"gte": 0.1}, "endpoint": ["/chat", "/embed"]}),
        ({}, {"latency_ms": {"gte": 1e9}}),
    ],
)
def test_viewer_filters_and_locks(world, recording, caplog, fresh_cache, viewer, locked):  # noqa: F811
    request = parse_data_request(
        {"period": "90d", "tz": "America/New_York", "filters": json.dumps(viewer)},
        default_period="7d",
        now=world.now,
    )
    check_grouped(world, request, recording, caplog, locked=locked)


def test_the_world_has_what_the_comparison_needs(world):  # noqa: F811
    """t_other has events, t_nobody none, and t_main's id exists in another organization."""
    mine = {(r.org_id, r.tenant_id) for r in world.rows}
    assert (world.org_id, "t_other") in mine and (world.org_id, "t_nobody") not in mine
    assert any(org != world.org_id and tenant == "t_main" for org, tenant in mine)


def test_cached_tenants_are_not_read_again_and_fresh_ones_are_cached_per_tenant(
    world,  # noqa: F811
    recording,
    fresh_cache,
):
    """A tenant whose widgets are all cached costs no read; the others are read grouped and
    each gets its own cache entries (the next call reads nothing)."""
    spec = SPECS[0]
    request = parse_data_request({"period": "30d"}, default_period="7d", now=world.now)
    version = new_id("v")
    dashboard_data(
        spec=spec, scope=Scope(world.org_id, "t_main"), request=request, version_key=version
    )
    del recording.statements[:], recording.params[:]
    scopes = [Scope(world.org_id, tenant) for tenant in TENANTS]
    first = dashboards_data_of_tenants(
        spec=spec, scopes=scopes, request=request, version_key=version
    )
    assert recording.statements
    assert all(p["scope_tenant_ids"] == ["t_other", "t_nobody"] for p in recording.params)
    del recording.statements[:], recording.params[:]
    again = dashboards_data_of_tenants(
        spec=spec, scopes=scopes, request=request, version_key=version
    )
    assert recording.statements == [] and again == first


def test_scopes_of_two_organizations_are_never_one_read(world, recording, fresh_cache):  # noqa: F811
    """Each organization's tenants are read apart: a grouped statement has one org_id."""
    spec = SPECS[0]
    request = parse_data_request({"period": "90d"}, default_period="7d", now=world.now)
    other_org = next(r.org_id for r in world.rows if r.org_id != world.org_id)
    scopes = [
        Scope(world.org_id, "t_main"),
        Scope(other_org, "t_main"),
        Scope(world.org_id, "t_other"),
    ]
    answers = dashboards_data_of_tenants(
        spec=spec, scopes=scopes, request=request, version_key=new_id("v")
    )
    for scope, answer in zip(scopes, answers, strict=True):
        alone = dashboard_data(spec=spec, scope=scope, request=request, version_key=new_id("v"))
        assert_close(answer["widgets"], alone["widgets"], scope.org_id)
    assert answers[0]["widgets"] != answers[1]["widgets"]


def test_each_tenant_gets_only_its_own_distinctive_data(db, fresh_cache):
    """Tenant isolation of the split: each tenant's events carry its own model names and its own
    number of events and users; every widget of every tenant shows only its own."""
    org, now = new_id("org"), datetime.now(UTC)
    sizes = {"t_a": 12, "t_b": 7, "t_unlisted": 9}
    rows = []
    for tenant, size in sizes.items():
        for i in range(size):
            strings = {"model": f"m_{tenant}_{i % 3}"}
            ts = now - timedelta(hours=i * 7)
            for name in ("signup", "api.call"):
                rows.append(
                    EventRow(org, tenant, name, ts, f"u_{tenant}_{i}", new_id("i"), strings, {})
                )
    insert_events(rows)
    request = parse_data_request({"period": "7d"}, default_period="7d")
    scopes = [Scope(org, tenant) for tenant in ("t_a", "t_b", "t_none")]
    answers = dashboards_data_of_tenants(
        spec=EVERY_KIND, scopes=scopes, request=request, version_key=new_id("v")
    )
    for scope, answer in zip(scopes, answers, strict=True):
        size = sizes.get(scope.tenant_id, 0)
        own = {f"m_{scope.tenant_id}_{i}" for i in range(3)} if size else set()
        data = {w["id"]: w["data"] for w in answer["widgets"]}
        assert data["w_k"]["value"] == data["w_k2"]["value"] == data["w_spark"]["value"] == size
        assert sum(p[1] for p in data["w_ts"]["series"][0]["points"]) == size
        assert sum(p[1] for p in data["w_cmp"]["series"][0]["points"]) == size
        assert {s["name"] for s in data["w_split"]["series"]} <= own | {"other"}
        assert {r["key"] for r in data["w_bd"]["rows"]} == own
        assert sum(r["value"] for r in data["w_bd"]["rows"]) == size
        assert {r[0] for r in data["w_table"]["rows"]} == own
        assert [s["users"] for s in data["w_funnel"]["steps"]] == [size, size]
        assert "t_unlisted" not in json.dumps(answer)
        other = "t_b" if scope.tenant_id == "t_a" else "t_a"
        assert f"m_{other}_" not in json.dumps(answer)
        alone = dashboard_data(spec=EVERY_KIND, scope=scope, request=request, version_key="x")
        assert_close(answer["widgets"], alone["widgets"], scope.tenant_id)
