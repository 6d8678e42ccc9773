"""/healthz is public: it says whether the warehouse answers, never why not (an error text can
name hosts, ports, users and databases); the reason goes to the server's log."""

import logging

import orjson
import pytest

from warehouse.backends import ServerBackend, set_backend

pytestmark = pytest.mark.django_db

UNREACHABLE = "clickhouse://sightline_reader:s3cret@127.0.0.1:8391/tenant_events"  # nothing listens


def test_up(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert orjson.loads(response.content) == {"status": "ok"}


def test_down_says_only_down_and_logs_the_reason(client, caplog) -> None:
    previous = set_backend(ServerBackend(UNREACHABLE))
    try:
        with caplog.at_level(logging.WARNING, logger="ops.views"):
            response = client.get("/healthz")
    finally:
        set_backend(previous).close()

    assert response.status_code == 503
    assert orjson.loads(response.content) == {"status": "degraded", "warehouse": "down"}
    assert b"8391" not in response.content and b"127.0.0.1" not in response.content
    logged = [r for r in caplog.records if r.name == "ops.views" and r.exc_info]
    assert logged and "8391" in str(logged[0].exc_info[1])  # the operator still learns why
