"""A two-shard ClickHouse cluster of real servers (tools/clickhouse_cluster.py), started by this
module on its own so that a shard can be stopped: `events` is Distributed over each shard's
`events_local`, one tenant's rows live on one shard, a read that cannot reach a shard fails
(a 503 from the dashboards, never part of the answer), and a batch the cluster could not take
stays in the ingest stream until the shard is back, then lands once.

A server that cannot start fails these tests (ServerError): never skipped. `make test-cluster`
runs the warehouse and dashboards suites against a cluster besides; this module is left out
of that pass and of `make test-server` (it brings its own servers)."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from core.ids import new_id
from ingest.drain import CONSUMER_GROUP, DrainConfig, stream_drain
from ingest.stream import redis_client, stream_append
from tests.factories import event, spec, widget
from tools.clickhouse_cluster import ClickHouseCluster
from tools.clickhouse_server import ClickHouseServer
from warehouse.backends import (
    CLUSTER_SETTINGS,
    Backend,
    ServerBackend,
    WarehouseUnavailable,
    backend_from_settings,
    set_backend,
)
from warehouse.backup import events_export, events_import
from warehouse.events import EventRow, insert_events
from warehouse.schema import (
    EVENTS_LOCAL_TABLE,
    EVENTS_TABLE,
    cluster_servers,
    create_events_distributed_table,
    create_events_table,
    migrate,
)

pytestmark = [pytest.mark.django_db, pytest.mark.cluster]

NAME = "sightline_test"


# --- The DDL, on any machine ---------------------------------------------------------------


def test_on_one_server_there_is_one_table_and_no_distributed_one(settings) -> None:
    settings.CLICKHOUSE_CLUSTER = ""
    assert f"CREATE TABLE IF NOT EXISTS {EVENTS_TABLE} (" in create_events_table()
    assert "ENGINE = ReplacingMergeTree(ingested_at)" in create_events_table()
    assert create_events_distributed_table() is None


def test_on_a_cluster_events_is_distributed_by_tenant_over_events_local(settings) -> None:
    settings.CLICKHOUSE_CLUSTER = "prod"
    local = create_events_table()
    assert f"CREATE TABLE IF NOT EXISTS {EVENTS_LOCAL_TABLE} (" in local
    assert "ENGINE = ReplacingMergeTree(ingested_at)" in local
    assert "ORDER BY (org_id, tenant_id, event_name, timestamp, insert_id)" in local
    assert create_events_distributed_table() == (
        "CREATE TABLE IF NOT EXISTS events AS events_local\n"
        "ENGINE = Distributed('prod', currentDatabase(), 'events_local', "
        "cityHash64(org_id, tenant_id))"
    )


def test_replicated_local_tables_share_a_keeper_path_per_shard(settings) -> None:
    settings.CLICKHOUSE_CLUSTER, settings.CLICKHOUSE_REPLICATED = "prod", True
    assert (
        "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/"
        "events_local', '{replica}', ingested_at)"
    ) in create_events_table()
    settings.CLICKHOUSE_CLUSTER = ""
    with pytest.raises(ValueError, match="CLICKHOUSE_CLUSTER"):
        create_events_table()


@pytest.mark.parametrize("name", ["a-b", "x'); DROP TABLE events; --", "1st", "a b"])
def test_a_cluster_name_that_is_not_an_identifier_is_refused(settings, name: str) -> None:
    settings.CLICKHOUSE_CLUSTER = name
    with pytest.raises(ValueError, match="not a plain cluster name"):
        create_events_distributed_table()


def test_a_cluster_without_a_server_url_is_refused(settings) -> None:
    settings.CLICKHOUSE_URL, settings.CLICKHOUSE_CLUSTER = "", "prod"
    with pytest.raises(ValueError, match="needs CLICKHOUSE_URL"):
        backend_from_settings()


# --- Two real servers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[ClickHouseCluster]:
    with ClickHouseCluster(base_dir=tmp_path_factory.mktemp("cluster"), name=NAME) as running:
        with override_settings(CLICKHOUSE_URL=running.url, CLICKHOUSE_CLUSTER=NAME):
            backend = backend_from_settings()
            migrate(backend)
            backend.close()
            yield running


@pytest.fixture
def on_cluster(cluster) -> Iterator[Backend]:
    """The process-wide backend is the cluster's (CLICKHOUSE_URL = shard 1) for one test."""
    with override_settings(CLICKHOUSE_URL=cluster.url, CLICKHOUSE_CLUSTER=NAME):
        backend = backend_from_settings()
        previous = set_backend(backend)
        try:
            yield backend
        finally:
            set_backend(previous)
            backend.close()


def _shards(backend: Backend) -> list[Backend]:
    with override_settings(CLICKHOUSE_CLUSTER=NAME):
        return cluster_servers(backend)


def _tenants_on(shard: Backend, org_id: str) -> set[str]:
    rows = shard.query(
        f"SELECT DISTINCT tenant_id FROM {EVENTS_LOCAL_TABLE} WHERE org_id = {{o:String}}",
        {"o": org_id},
    ).rows
    return {row[0] for row in rows}


def _count(backend: Backend, org_id: str, tenant_id: str | None = None) -> int:
    where = "org_id = {o:String}" + (" AND tenant_id = {t:String}" if tenant_id else "")
    return backend.query(
        f"SELECT count() FROM {EVENTS_TABLE} FINAL WHERE {where}",
        {"o": org_id, "t": tenant_id or ""},
    ).scalar()


def _rows(org_id: str, tenant_id: str, count: int) -> list[EventRow]:
    moment = datetime.now(UTC) - timedelta(minutes=5)
    return [
        event(org_id=org_id, tenant_id=tenant_id, timestamp=moment, user_id=f"u{n}")
        for n in range(count)
    ]


def test_migrate_creates_both_tables_on_every_server_once(on_cluster) -> None:
    shards = _shards(on_cluster)
    assert len(shards) == 2
    for shard in shards:
        engines = dict(
            shard.query(
                "SELECT name, engine FROM system.tables WHERE database = currentDatabase() "
                "AND name IN ('events', 'events_local')"
            ).rows
        )
        assert engines == {"events": "Distributed", "events_local": "ReplacingMergeTree"}
        shard.close()
    with override_settings(CLICKHOUSE_CLUSTER=NAME):
        assert migrate(on_cluster) == []


def test_every_row_of_a_tenant_lands_on_one_shard_and_counts_once(on_cluster) -> None:
    org_id = new_id("org")
    tenants = [f"tenant-{n}" for n in range(24)]
    rows = [row for tenant in tenants for row in _rows(org_id, tenant, 3)]
    insert_events(rows)
    insert_events(rows[::2])  # re-sent events (same insert_id) collapse under FINAL
    placed = [_tenants_on(shard, org_id) for shard in _shards(on_cluster)]
    assert placed[0] and placed[1], "24 tenants, and one shard holds none of them"
    assert not placed[0] & placed[1]
    assert placed[0] | placed[1] == set(tenants)
    assert _count(on_cluster, org_id) == len(rows)
    assert all(_count(on_cluster, org_id, tenant) == 3 for tenant in tenants)


def _tenant_on_each_shard(backend: Backend, org_id: str) -> tuple[str, str]:
    """(a tenant on shard 1, a tenant on shard 2), placed by the cluster itself."""
    insert_events([row for n in range(12) for row in _rows(org_id, f"probe-{n}", 1)])
    first, second = (sorted(_tenants_on(shard, org_id)) for shard in _shards(backend))
    return first[0], second[0]


@pytest.fixture
def stream() -> Iterator[str]:
    name = f"sightline:test:cluster:{new_id('s')}"
    yield name
    redis_client().delete(name, f"{name}:dead", f"{name}:backoff", f"{name}:failures")


def test_a_stopped_shard_fails_reads_clearly_and_its_inserts_land_when_it_returns(
    cluster, on_cluster, api, org, stream, redis_url
) -> None:
    org_id = org.organization.pk
    healthy, stopped = _tenant_on_each_shard(on_cluster, org_id)
    dashboard = api.post("/v1/dashboards", spec(widgets=[widget("w_calls")]), format="json")
    assert dashboard.status_code == 201, dashboard.json()
    data_url = f"/v1/dashboards/{dashboard.json()['id']}/data"  # nothing cached yet
    health = api.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.json()["warehouse_shards"] == {"total": 2, "answering": 2}

    cluster.servers[1].stop()
    try:
        # /healthz says so in numbers, without a 503: the other shard's tenants are served.
        health = api.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "shards_down"
        assert health.json()["warehouse_shards"] == {"total": 2, "answering": 1}
        # Reads: the stopped shard's tenant gets a clear 503, and an org-wide read fails rather
        # than count half the tenants; the other shard's tenant is answered in full.
        answer = api.get(data_url, {"tenant_id": stopped, "period": "24h"})
        assert answer.status_code == 503, answer.json()
        assert answer.json()["error"]["code"] == "warehouse_unavailable"
        assert answer.has_header("Retry-After")
        with pytest.raises(WarehouseUnavailable):
            _count(on_cluster, org_id, stopped)
        with pytest.raises(WarehouseUnavailable):
            _count(on_cluster, org_id)
        assert _count(on_cluster, org_id, healthy) == 1
        kpi = api.get(data_url, {"tenant_id": healthy, "period": "24h"}).json()["widgets"][0]
        assert kpi["data"]["value"] == 1

        # Writes: a batch for both shards cannot be written; it stays in the stream.
        batch = _rows(org_id, healthy, 4) + _rows(org_id, stopped, 5)
        stream_append(batch, client=redis_client(), stream=stream)
        config = DrainConfig(stream=stream, consumer="w1", backoff_base_ms=1, backoff_cap_ms=5)
        assert stream_drain(client=redis_client(), config=config).backing_off
        assert redis_client().xpending(stream, CONSUMER_GROUP)["pending"] == 1
        # A Distributed insert left to the server's own queue (not what Sightline does) is
        # accepted now and sent later by the background pool that config.xml sizes.
        _insert_to_server_queue(cluster, _rows(org_id, stopped, 2))
    finally:
        cluster.restart(1)

    for _ in range(200):  # the drain backs off a few ms between rounds
        time.sleep(0.05)
        stream_drain(client=redis_client(), config=config)
        if redis_client().xlen(stream) == 0:
            break
    assert redis_client().xlen(stream) == 0
    assert _count(on_cluster, org_id, healthy) == 1 + 4
    deadline = time.monotonic() + 20
    while _count(on_cluster, org_id, stopped) < 1 + 5 + 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _count(on_cluster, org_id, stopped) == 1 + 5 + 2
    kpi = api.get(data_url, {"tenant_id": stopped, "period": "24h"}).json()["widgets"][0]
    assert kpi["data"]["value"] == 1 + 5 + 2


def _insert_to_server_queue(cluster: ClickHouseCluster, rows: list[EventRow]) -> None:
    queueing = ServerBackend(
        cluster.url, session_settings={**CLUSTER_SETTINGS, "distributed_foreground_insert": 0}
    )
    try:
        insert_events(rows, backend=queueing)
    finally:
        queueing.close()


def test_a_single_servers_events_move_to_the_cluster_by_export_and_import(
    on_cluster, tmp_path
) -> None:
    """README "From one server to a cluster": the backup's event export from one server,
    imported through the cluster's Distributed table, lands each tenant on its shard."""
    org_id = new_id("org")
    tenants = [f"moved-{n}" for n in range(10)]
    rows = [row for tenant in tenants for row in _rows(org_id, tenant, 2)]
    with override_settings(CLICKHOUSE_CLUSTER=""):
        with ClickHouseServer(data_dir=tmp_path / "old") as old_server:
            old = ServerBackend(old_server.url)
            migrate(old)
            insert_events(rows, backend=old)
            insert_events(rows[:5], backend=old)  # re-sent: one row each under FINAL
            assert events_export(path=tmp_path / "events.jsonl.gz", backend=old) == len(rows)
            old.close()
    assert events_import(path=tmp_path / "events.jsonl.gz", backend=on_cluster) == len(rows)
    assert {tenant: _count(on_cluster, org_id, tenant) for tenant in tenants} == dict.fromkeys(
        tenants, 2
    )
    placed = [_tenants_on(shard, org_id) for shard in _shards(on_cluster)]
    assert placed[0] | placed[1] == set(tenants) and not placed[0] & placed[1]


def test_a_server_migrated_alone_is_refused_as_a_shard(tmp_path) -> None:
    """Its `events` holds rows and its migrations table says "applied": migrating it as part
    of a cluster must stop, not leave a MergeTree where the Distributed table should be."""
    with ClickHouseCluster(base_dir=tmp_path, shards=1, name=NAME) as lone:
        with override_settings(CLICKHOUSE_URL=lone.url, CLICKHOUSE_CLUSTER=""):
            single = backend_from_settings()
            migrate(single)
            single.close()
        with override_settings(CLICKHOUSE_URL=lone.url, CLICKHOUSE_CLUSTER=NAME):
            backend = backend_from_settings()
            with pytest.raises(ValueError, match="migrated as a single server"):
                migrate(backend)
            backend.close()
