"""The widget cache: keyed by everything a result depends on, so it can only ever return the
same tenant's, same filters', same version's data. Run on the in-process cache and on Redis."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.cache import caches

import dashboards.data
from core.ids import new_id
from dashboards.data import DataRequest, dashboard_data, parse_data_request
from dashboards.spec import DashboardSpec, parse_spec
from warehouse.events import EventRow, insert_events
from warehouse.scope import Scope


@pytest.fixture(params=["locmem", "redis"])
def widget_cache(request, settings) -> str:
    """The default cache: locmem as in the embedded mode, or the real Redis (a private prefix)."""
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": new_id("test"),
            }
        }
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": new_id("test"),
            }
        }
    settings.WIDGET_CACHE_TTL = 300
    expected = {"redis": "RedisCache", "locmem": "LocMemCache"}[request.param]
    assert type(caches["default"]).__name__ == expected
    return request.param


def spec(**widget_fields: Any) -> DashboardSpec:
    kpi = {"id": "w_n", "kind": "kpi", "event_name": "e", **widget_fields}
    return parse_spec(
        {"name": "d", "filters": [{"dimension": "team", "label": "Team"}], "widgets": [kpi]}
    )


def add_events(org: str, tenant: str, count: int, team: str = "red") -> None:
    now = datetime.now(UTC)
    insert_events(
        [
            EventRow(org, tenant, "e", now, "u", new_id("i"), {"team": team}, {})
            for _ in range(count)
        ]
    )


def count_of(
    org: str,
    tenant: str,
    *,
    dashboard: DashboardSpec | None = None,
    request: DataRequest | None = None,
    locked: dict[str, str] | None = None,
    version_key: str = "v1",
) -> float:
    data = dashboard_data(
        spec=dashboard or spec(),
        scope=Scope(org, tenant),
        request=request or parse_data_request({"period": "24h"}, default_period="24h"),
        locked_filters=locked or {},
        version_key=version_key,
    )
    return data["widgets"][0]["data"]["value"]


def test_results_are_cached(widget_cache: str) -> None:
    org = new_id("org")
    add_events(org, "a", 3)
    assert count_of(org, "a") == 3.0
    add_events(org, "a", 2)
    assert count_of(org, "a") == 3.0  # served from the cache until the TTL or the window moves
    assert count_of(org, "a", version_key="v2") == 5.0


def test_tenant_b_never_gets_tenant_a_cached_result(widget_cache: str) -> None:
    org = new_id("org")
    add_events(org, "a", 3)
    add_events(org, "b", 5)
    assert count_of(org, "a") == 3.0
    assert count_of(org, "b") == 5.0
    assert count_of(org, "nobody") == 0.0


def test_the_same_tenant_id_in_another_org_has_its_own_entry(widget_cache: str) -> None:
    org, other = new_id("org"), new_id("org")
    add_events(org, "shared", 3)
    add_events(other, "shared", 7)
    assert count_of(org, "shared") == 3.0
    assert count_of(other, "shared") == 7.0


def test_a_changed_locked_filter_never_hits_another_entry(widget_cache: str) -> None:
    org = new_id("org")
    add_events(org, "a", 2, team="red")
    add_events(org, "a", 4, team="blue")
    assert count_of(org, "a", locked={"team": "red"}) == 2.0
    assert count_of(org, "a", locked={"team": "blue"}) == 4.0
    assert count_of(org, "a") == 6.0


def test_viewer_filters_and_periods_are_part_of_the_key(widget_cache: str) -> None:
    org = new_id("org")
    add_events(org, "a", 2, team="red")
    add_events(org, "a", 4, team="blue")
    red = parse_data_request({"period": "24h", "filters": '{"team": "red"}'}, default_period="24h")
    assert count_of(org, "a", request=red) == 2.0
    assert count_of(org, "a") == 6.0
    week = parse_data_request({"period": "7d"}, default_period="24h")
    insert_events(
        [EventRow(org, "a", "e", datetime.now(UTC) - timedelta(days=3), "u", new_id("i"), {}, {})]
    )
    assert count_of(org, "a", request=week) == 7.0


def test_an_edited_widget_is_not_served_from_the_old_entry(widget_cache: str) -> None:
    org = new_id("org")
    add_events(org, "a", 2, team="red")
    add_events(org, "a", 4, team="blue")
    assert count_of(org, "a", dashboard=spec()) == 6.0
    assert count_of(org, "a", dashboard=spec(filters={"team": "blue"})) == 4.0  # same version key


def test_hidden_widgets_are_never_queried_nor_returned(widget_cache: str, monkeypatch) -> None:
    org = new_id("org")
    add_events(org, "a", 1)
    two = parse_spec(
        {
            "name": "d",
            "widgets": [
                {"id": "w_shown", "kind": "kpi", "event_name": "e"},
                {"id": "w_secret", "kind": "kpi", "event_name": "e"},
            ],
        }
    )
    queries: list[str] = []
    real_run = dashboards.data.run
    monkeypatch.setattr(
        dashboards.data, "run", lambda query: queries.append(query.sql) or real_run(query)
    )
    data = dashboard_data(
        spec=two,
        scope=Scope(org, "a"),
        request=parse_data_request({}, default_period="24h"),
        hidden_widgets=["w_secret"],
        version_key="v1",
    )
    assert [w["id"] for w in data["widgets"]] == ["w_shown"]
    assert len(queries) == 1


def test_a_failed_query_is_reported_per_widget_and_not_cached(widget_cache: str, settings) -> None:
    """Also proves the execution limits reach ClickHouse: one row to read is too few."""
    org = new_id("org")
    add_events(org, "a", 3)
    settings.WAREHOUSE_MAX_ROWS_TO_READ = 1
    data = dashboard_data(
        spec=spec(),
        scope=Scope(org, "a"),
        request=parse_data_request({}, default_period="24h"),
        version_key="v1",
    )
    assert data["widgets"][0]["data"] is None
    assert data["widgets"][0]["error"]["code"] == "query_failed"
    settings.WAREHOUSE_MAX_ROWS_TO_READ = 1_000_000
    assert count_of(org, "a") == 3.0


def test_a_cache_that_is_down_only_costs_the_queries(settings) -> None:
    """A Redis that refuses connections: every request is computed, none fails."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    org = new_id("org")
    add_events(org, "a", 2)
    assert count_of(org, "a") == 2.0
    add_events(org, "a", 1)
    assert count_of(org, "a") == 3.0
