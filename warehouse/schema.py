"""Warehouse DDL and its versioned migrations.

DDL lives in functions here; MIGRATIONS only lists operations, in order. Changing the engine,
partition or sort key of a table means a new table and a copy, never an edit of an applied step.

On a cluster (settings.CLICKHOUSE_CLUSTER names one of the servers' <remote_servers>), every
server holds the same tables: `events_local`, the ReplacingMergeTree with this shard's rows,
and `events`, a Distributed table over every shard's `events_local`, sharded by
cityHash64(org_id, tenant_id). So everything of one tenant lives on one shard: FINAL, which
de-duplicates within a shard, stays exact, and the SQL that reads and writes `events` is the
same on one server and on a cluster. `ON CLUSTER` DDL is not used (it needs Keeper, and the
test servers refuse it): `migrate` connects to every server of the cluster in turn, as listed
by the server's system.clusters. With CLICKHOUSE_REPLICATED the local tables are
ReplicatedReplacingMergeTree (Keeper, and {shard}/{replica} <macros> on every server).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from warehouse.backends import Backend, ServerBackend

MIGRATIONS_TABLE = "sightline_schema_migrations"
EVENTS_TABLE = "events"
EVENTS_LOCAL_TABLE = "events_local"  # a cluster's per-shard table under the Distributed `events`
USAGE_TABLE = "usage_events"  # the internal embed-usage stream (warehouse.usage), never `events`
USAGE_LOCAL_TABLE = "usage_events_local"
SHARDING_KEY = "cityHash64(org_id, tenant_id)"
_CLUSTER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


def cluster_name() -> str:
    """settings.CLICKHOUSE_CLUSTER, checked: it is written into DDL."""
    name = settings.CLICKHOUSE_CLUSTER
    if name and not _CLUSTER_NAME.fullmatch(name):
        raise ValueError(f"CLICKHOUSE_CLUSTER={name!r} is not a plain cluster name.")
    return name


def create_migrations_table() -> str:
    return f"""
CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (
    version UInt32,
    name String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree ORDER BY version"""


def create_events_table() -> str:
    # ReplacingMergeTree on a sort key that ends with insert_id: a re-sent event (same tenant,
    # name, timestamp and insert_id) collapses to one row, and queries read with FINAL so it is
    # counted once even before the background merge. Events sent without insert_id get a random
    # one at ingest. The sort key starts with the tenant columns: every scoped read is a range.
    # On a cluster this is each shard's local table; `events` is then the Distributed one.
    retention_days = int(settings.WAREHOUSE_RETENTION_DAYS)
    table = EVENTS_LOCAL_TABLE if cluster_name() else EVENTS_TABLE
    return f"""
CREATE TABLE IF NOT EXISTS {table} (
    org_id LowCardinality(String),
    tenant_id String,
    event_name LowCardinality(String),
    timestamp DateTime64(3, 'UTC'),
    user_id String DEFAULT '',
    insert_id String,
    string_props Map(LowCardinality(String), String),
    numeric_props Map(LowCardinality(String), Float64),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = {_replacing_engine(table)}
PARTITION BY toYYYYMM(timestamp)
ORDER BY (org_id, tenant_id, event_name, timestamp, insert_id)
TTL toDateTime(timestamp) + INTERVAL {retention_days} DAY
SETTINGS index_granularity = 8192"""


def _replacing_engine(table: str) -> str:
    if not settings.CLICKHOUSE_REPLICATED:
        return "ReplacingMergeTree(ingested_at)"
    if not cluster_name():
        raise ValueError("CLICKHOUSE_REPLICATED needs CLICKHOUSE_CLUSTER.")
    # {shard} and {replica} are each server's <macros>: the replicas of one shard share a path.
    return (
        f"ReplicatedReplacingMergeTree('/clickhouse/tables/{{shard}}/{{database}}/{table}', "
        "'{replica}', ingested_at)"
    )


def create_events_distributed_table() -> str | None:
    """`events` over every shard's `events_local` (nothing on a single server). Inserts go to
    the shard of cityHash64(org_id, tenant_id); reads ask every shard, or only the tenant's
    when the query names one (optimize_skip_unused_shards, set by the backend)."""
    return _distributed_table(EVENTS_TABLE, EVENTS_LOCAL_TABLE)


def _distributed_table(table: str, local_table: str) -> str | None:
    cluster = cluster_name()
    if not cluster:
        return None
    return (
        f"CREATE TABLE IF NOT EXISTS {table} AS {local_table}\n"
        f"ENGINE = Distributed('{cluster}', currentDatabase(), '{local_table}', "
        f"{SHARDING_KEY})"
    )


def create_usage_table() -> str:
    # The operator's own record of how embeds are used (warehouse.usage): one row per embed
    # page view, data / drill / values request, export, error and reported load time. Its own
    # table, so nothing that reads `events` (widgets, discovery, exports, alerts, backups) can
    # see it. The sort key starts with org_id then time: the Usage page reads one
    # organization's period across its tenants. insert_id makes a re-sent flush count once
    # (FINAL); `extras` takes later fields without a migration. Same TTL as the events.
    retention_days = int(settings.WAREHOUSE_RETENTION_DAYS)
    table = USAGE_LOCAL_TABLE if cluster_name() else USAGE_TABLE
    return f"""
CREATE TABLE IF NOT EXISTS {table} (
    org_id LowCardinality(String),
    timestamp DateTime64(3, 'UTC'),
    tenant_id String,
    kind LowCardinality(String),
    dashboard_id String,
    version UInt32,
    session_id String,
    user String,
    load_ms Nullable(Float64),
    error_code LowCardinality(String),
    insert_id String,
    extras Map(LowCardinality(String), String),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = {_replacing_engine(table)}
PARTITION BY toYYYYMM(timestamp)
ORDER BY (org_id, timestamp, insert_id)
TTL toDateTime(timestamp) + INTERVAL {retention_days} DAY
SETTINGS index_granularity = 8192"""


def create_usage_distributed_table() -> str | None:
    """`usage_events` over every shard's `usage_events_local`, sharded like the events."""
    return _distributed_table(USAGE_TABLE, USAGE_LOCAL_TABLE)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    operations: tuple[Callable[[], str | None], ...]  # None: nothing to do on this topology


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "events", (create_events_table, create_events_distributed_table)),
    Migration(2, "usage_events", (create_usage_table, create_usage_distributed_table)),
)


def applied_versions(backend: Backend) -> set[int]:
    backend.command(create_migrations_table())
    return {row[0] for row in backend.query(f"SELECT version FROM {MIGRATIONS_TABLE}").rows}


def migrate(backend: Backend) -> list[Migration]:
    """Apply every migration not yet applied, in order. Idempotent; returns what it applied
    (on a cluster: on any of its servers, each of which records its own versions)."""
    if not cluster_name():
        return _migrate_one(backend)
    applied: dict[int, Migration] = {}
    for server in cluster_servers(backend):
        try:
            for migration in _migrate_one(server):
                applied[migration.version] = migration
            _check_distributed(server)
        finally:
            server.close()
    return sorted(applied.values(), key=lambda migration: migration.version)


def _check_distributed(server: Backend) -> None:
    """A server migrated as a single server keeps its own `events` table and records the
    migration as applied: on a cluster that would be read and written as if it were all."""
    engine = server.query(
        "SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = {t:String}",
        {"t": EVENTS_TABLE},
    ).scalar()
    if engine != "Distributed":
        raise ValueError(
            f"A server of cluster {cluster_name()!r} has an `{EVENTS_TABLE}` table of engine "
            f"{engine}, not Distributed: it was migrated as a single server. Move its events "
            "to a freshly migrated cluster (README, 'From one server to a cluster')."
        )


def cluster_servers(backend: Backend, *, one_per_shard: bool = False) -> list[Backend]:
    """A backend for every server of the cluster (every replica of every shard, or the first
    replica of each: a replicated table passes a mutation on to its other replicas), with
    the credentials and database of `backend`, in system.clusters order. Raises ValueError
    when the server does not define the cluster."""
    if not isinstance(backend, ServerBackend):
        raise ValueError("CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL: a server of the cluster.")
    first_replicas = " AND replica_num = 1" if one_per_shard else ""
    rows = backend.query(
        "SELECT host_name, port FROM system.clusters WHERE cluster = {cluster:String}"
        f"{first_replicas} ORDER BY shard_num, replica_num",
        {"cluster": cluster_name()},
    ).rows
    if not rows:
        raise ValueError(
            f"The server at CLICKHOUSE_URL defines no cluster {cluster_name()!r} "
            "(<remote_servers> in its configuration)."
        )
    return [backend.at(host=host, port=int(port)) for host, port in rows]


def cluster_shards_answering(backend: Backend) -> tuple[int, int]:
    """(shards that answer, shards) of the cluster, as the server at `backend` sees them: one
    replica of each shard is asked for a row (skipping, for this probe only, those that do
    not answer; a down shard costs the server's short connect timeout, not ours)."""
    answering = backend.query(
        "SELECT count() FROM cluster({cluster:String}, system.one) "
        "SETTINGS skip_unavailable_shards = 1",
        {"cluster": cluster_name()},
    ).scalar()
    shards = backend.query(
        "SELECT uniqExact(shard_num) FROM system.clusters WHERE cluster = {cluster:String}",
        {"cluster": cluster_name()},
    ).scalar()
    return int(answering), int(shards)


def _migrate_one(backend: Backend) -> list[Migration]:
    done = applied_versions(backend)
    applied = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        for operation in migration.operations:
            statement = operation()
            if statement:
                backend.command(statement)
        backend.insert(MIGRATIONS_TABLE, ["version", "name"], [(migration.version, migration.name)])
        applied.append(migration)
    return applied
