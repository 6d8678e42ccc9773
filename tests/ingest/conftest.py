"""Helpers for the ingest tests: a valid event, posting a batch, reading back what was stored."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from django.test import override_settings

from core.ids import new_id
from warehouse.backends import (
    Backend,
    WarehouseError,
    WarehouseUnavailable,
    get_backend,
    set_backend,
)


def an_event(**overrides: Any) -> dict[str, Any]:
    """A valid event one minute old; pass key=None to drop a key."""
    event = {
        "tenant_id": "tenant_a",
        "event_name": "api.call",
        "timestamp": (datetime.now(UTC) - timedelta(minutes=1))
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "user_id": "user_1",
        "string_props": {"model": "gpt-4", "status": "success"},
        "numeric_props": {"tokens": 120, "latency_ms": 85.5},
    }
    event.update(overrides)
    return {key: value for key, value in event.items() if value is not None}


def post_events(
    client, events: list[dict[str, Any]] | None = None, *, body: Any = None, **extra: Any
):
    """POST /v1/events with an orjson body (`events`, or any `body` object / raw bytes)."""
    payload = body if body is not None else {"events": events}
    data = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return client.generic(
        "POST",
        "/v1/events",
        data,
        content_type=extra.pop("content_type", "application/json"),
        **extra,
    )


def stored_count(org_id: str, *, final: bool = True) -> int:
    """Events stored for the organization, read back through real SQL."""
    table = "events FINAL" if final else "events"
    return (
        get_backend()
        .query(f"SELECT count() FROM {table} WHERE org_id = {{o:String}}", {"o": org_id})
        .scalar()
    )


def stored_rows(org_id: str) -> list[dict[str, Any]]:
    sql = (
        "SELECT org_id, tenant_id, event_name, toString(timestamp) AS timestamp, user_id,"
        " insert_id, string_props, numeric_props FROM events FINAL WHERE org_id = {o:String}"
        " ORDER BY timestamp, insert_id"
    )
    return get_backend().query(sql, {"o": org_id}).dicts()


@pytest.fixture
def ingest_client(client_for, org):
    return client_for(org.ingest_key.secret)


@pytest.fixture
def redis_buffer(redis_url) -> Iterator[str]:
    """INGEST_BUFFER="redis" on a stream of its own; the stream and its keys are removed after."""
    from ingest.stream import redis_client

    stream = f"test:{new_id('stream')}"
    with override_settings(INGEST_BUFFER="redis", INGEST_STREAM=stream):
        yield stream
    client = redis_client()
    client.delete(stream, f"{stream}:backoff", f"{stream}:failures", f"{stream}:dead")


class FlakyWarehouse(Backend):
    """Failure injection around the REAL backend: the first `failures` inserts raise `error`
    (WarehouseUnavailable unless told); everything else goes to the real backend."""

    name = "flaky"

    def __init__(
        self, real: Backend, failures: int, error: type[WarehouseError] = WarehouseUnavailable
    ) -> None:
        self.real = real
        self.failures_left = failures
        self.error = error
        self.insert_calls = 0
        self.rows_per_insert: list[int] = []

    def query(self, sql, params=None):
        return self.real.query(sql, params)

    def command(self, sql, params=None):
        return self.real.command(sql, params)

    def insert(self, table, columns, rows):
        self.insert_calls += 1
        if self.failures_left > 0:
            self.failures_left -= 1
            raise self.error("injected: the warehouse is down")
        count = self.real.insert(table, columns, rows)
        self.rows_per_insert.append(count)
        return count


@pytest.fixture
def flaky_warehouse():
    """flaky_warehouse(n) installs a FlakyWarehouse failing n inserts; restored after the test."""
    real = get_backend()
    installed = []

    def install(
        failures: int, error: type[WarehouseError] = WarehouseUnavailable
    ) -> FlakyWarehouse:
        flaky = FlakyWarehouse(real, failures, error)
        installed.append(set_backend(flaky))
        return flaky

    yield install
    if installed:
        set_backend(real)
