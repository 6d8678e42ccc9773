"""Warehouse DDL and its versioned migrations.

DDL lives in functions here; MIGRATIONS only lists operations, in order. Changing the engine,
partition or sort key of a table means a new table and a copy, never an edit of an applied step.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from warehouse.backends import Backend

MIGRATIONS_TABLE = "sightline_schema_migrations"
EVENTS_TABLE = "events"


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
    retention_days = int(settings.WAREHOUSE_RETENTION_DAYS)
    return f"""
CREATE TABLE IF NOT EXISTS {EVENTS_TABLE} (
    org_id LowCardinality(String),
    tenant_id String,
    event_name LowCardinality(String),
    timestamp DateTime64(3, 'UTC'),
    user_id String DEFAULT '',
    insert_id String,
    string_props Map(LowCardinality(String), String),
    numeric_props Map(LowCardinality(String), Float64),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (org_id, tenant_id, event_name, timestamp, insert_id)
TTL toDateTime(timestamp) + INTERVAL {retention_days} DAY
SETTINGS index_granularity = 8192"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    operations: tuple[Callable[[], str], ...]


MIGRATIONS: tuple[Migration, ...] = (Migration(1, "events", (create_events_table,)),)


def applied_versions(backend: Backend) -> set[int]:
    backend.command(create_migrations_table())
    return {row[0] for row in backend.query(f"SELECT version FROM {MIGRATIONS_TABLE}").rows}


def migrate(backend: Backend) -> list[Migration]:
    """Apply every migration not yet applied, in order. Idempotent; returns what it applied."""
    done = applied_versions(backend)
    applied = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        for operation in migration.operations:
            backend.command(operation())
        backend.insert(MIGRATIONS_TABLE, ["version", "name"], [(migration.version, migration.name)])
        applied.append(migration)
    return applied
