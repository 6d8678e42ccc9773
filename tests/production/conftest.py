"""The production topology of compose.yaml (ops.topology) as REAL processes on private ports:
a ClickHouse server, PostgreSQL and Redis of its own, two web processes, a Celery worker and
beat. Marked `production`. A topology that cannot start fails the test (never a skip) under
CI=true; elsewhere a machine without redis-server or PostgreSQL's binaries skips loudly.

Every topology gets free ports of its own (`free_ports`), so a module's teardown never races
the next and a second run on the same machine cannot collide.
"""

import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest

from ops.local_stores import PG_BIN
from ops.topology import Ports, Topology
from tests.production.http import call

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def free_ports() -> Ports:
    """Ports the kernel hands out now (bound to 0, then released), so two runs on one machine,
    or a stray process from an earlier one, never make a topology collide."""
    sockets = [socket.socket() for _ in range(6)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        web1, web2, tcp, http, redis, postgres = (sock.getsockname()[1] for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()
    return Ports(
        web=(web1, web2), clickhouse_tcp=tcp, clickhouse_http=http, redis=redis, postgres=postgres
    )


# Short enough for tests, the same code paths: a dead worker's batches are taken over after
# 3 s (compose: 30 s), and alert webhooks may go to the test's receiver on loopback.
TEST_ENV = {"INGEST_CLAIM_IDLE_SECONDS": "3", "WEBHOOK_ALLOW_PRIVATE": "true"}


def start_topology(name: str, run_dir: Path, **kwargs) -> Topology:
    missing = [b for b in ("redis-server",) if shutil.which(b) is None]
    if not (PG_BIN / "initdb").exists():
        missing.append(str(PG_BIN / "initdb"))
    if missing and not IN_CI:
        pytest.skip(f"the production topology needs {missing} (never skipped under CI=true)")
    # PostgreSQL runs as the `postgres` user: its directory must not be under pytest's private
    # (0700, root's) temporary tree, which any pytest run of the machine may lock down again.
    postgres_dir = Path(tempfile.mkdtemp(prefix=f"sightline-prod-pg-{name}-"))
    postgres_dir.chmod(0o711)
    topology = Topology(
        run_dir=run_dir, ports=free_ports(), extra_env={**TEST_ENV, **kwargs.pop("env", {})},
        postgres_dir=postgres_dir / "data", **kwargs,
    )  # fmt: skip
    stop = topology.stop

    def stop_and_clean() -> None:
        try:
            stop()
        finally:
            shutil.rmtree(postgres_dir, ignore_errors=True)

    topology.stop = stop_and_clean
    return topology.start()


class Receiver:
    """A REAL HTTP server on loopback recording every webhook POST."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.bodies.append(orjson.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def new_org(topology: Topology, name: str = "Acme") -> dict:
    """`manage.py createorg` (the scripted registration): {org_id, admin_key, ingest_key}."""
    out = topology.run(
        "manage", "createorg", name, "--owner-email", f"owner-{os.urandom(4).hex()}@example.com"
    )
    return orjson.loads(out.strip().splitlines()[-1])


KPI_SPEC = {
    "name": "API usage",
    "widgets": [{
        "id": "w_calls", "title": "Calls", "kind": "kpi", "chart": "stat",
        "event_name": "api.call", "metric": "count", "property": None, "group_by": [],
        "filters": {}, "limit": None, "layout": {"x": 0, "y": 0, "w": 3, "h": 2},
    }],
}  # fmt: skip


def dashboard_create(url: str, admin_key: str) -> str:
    status, _, body = call("POST", f"{url}/v1/dashboards", KPI_SPEC, key=admin_key)
    assert status == 201, body
    return body["id"]


def kpi_value(url: str, admin_key: str, dashboard_id: str, tenant: str) -> float | None:
    status, _, body = call(
        "GET", f"{url}/v1/dashboards/{dashboard_id}/data?tenant_id={tenant}&version=draft"
        "&period=7d", key=admin_key,
    )  # fmt: skip
    if status != 200:
        return None
    return body["widgets"][0]["data"]["value"]


def stored_count(topology: Topology, org_id: str) -> int:
    """Events of the organization in the ClickHouse server, as every read counts them (FINAL)."""
    from clickhouse_driver import Client

    client = Client("127.0.0.1", port=topology.clickhouse.tcp_port, connect_timeout=2)
    try:
        return client.execute(
            "SELECT count() FROM events FINAL WHERE org_id = %(o)s", {"o": org_id}
        )[0][0]
    finally:
        client.disconnect()
