"""A local ClickHouse cluster: N servers of tools/clickhouse_server.py, one shard each, that
know each other through <remote_servers>. For tests and local development only.

Every server gets the same cluster definition (one replica per shard, loopback ports) and a
background pool for the Distributed tables' own queue. Sightline itself inserts synchronously
(`distributed_foreground_insert`, see warehouse.backends.CLUSTER_SETTINGS) and keeps a batch in
its ingest stream until every shard has it; the pool matters for inserts made by hand.
In this build `system.server_settings` reports `background_distributed_schedule_pool_size` as
0 whatever the config says, but the pool is sized from config.xml: without the element, queued
Distributed inserts are never sent (only `SYSTEM FLUSH DISTRIBUTED` sends them); with it they
are delivered in the background once the shard is back (tests/warehouse/test_cluster.py).

Around a command (CLICKHOUSE_URL = the first server, CLICKHOUSE_CLUSTER set; all servers
stop when it ends; its exit code):

    .venv/bin/python tools/clickhouse_cluster.py --shards 2 -- .venv/bin/python -m pytest tests

From Python:

    with ClickHouseCluster(base_dir=path) as cluster:
        cluster.url, cluster.name, cluster.servers[1].stop(), cluster.restart(1)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from types import TracebackType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.clickhouse_server import (  # noqa: E402
    HOST,
    ClickHouseServer,
    free_ports,
    run_around,
    split_command,
)

DEFAULT_NAME = "sightline"
DISTRIBUTED_POOL_SIZE = 4


def cluster_config_xml(*, name: str, tcp_ports: list[int]) -> str:
    """The <remote_servers> fragment (one shard per port) and the Distributed queue's pool."""
    shards = "".join(
        f"<shard><replica><host>{HOST}</host><port>{int(port)}</port></replica></shard>"
        for port in tcp_ports
    )
    return (
        f"<remote_servers><{name}>{shards}</{name}></remote_servers>\n"
        "<background_distributed_schedule_pool_size>"
        f"{DISTRIBUTED_POOL_SIZE}</background_distributed_schedule_pool_size>"
    )


class ClickHouseCluster:
    """`shards` servers, data under base_dir/shard<N>. `start()` returns once every server is
    ready; `stop()` stops them all (idempotent); `restart(i)` starts shard i again on its
    ports and data after a `servers[i].stop()`."""

    def __init__(
        self,
        *,
        base_dir: str | os.PathLike[str],
        shards: int = 2,
        name: str = DEFAULT_NAME,
        ready_timeout: float = 60.0,
    ) -> None:
        if shards < 1:
            raise ValueError("A cluster needs at least one shard.")
        self.base_dir = Path(base_dir).resolve()
        self.name = name
        ports = free_ports(2 * shards)
        self.config_extra = cluster_config_xml(name=name, tcp_ports=ports[::2])
        self.servers = [
            ClickHouseServer(
                data_dir=self.base_dir / f"shard{index + 1}",
                tcp_port=ports[2 * index],
                http_port=ports[2 * index + 1],
                config_extra=self.config_extra,
                ready_timeout=ready_timeout,
            )
            for index in range(shards)
        ]

    @property
    def url(self) -> str:
        """CLICKHOUSE_URL: any server will do; the first one."""
        return self.servers[0].url

    def start(self) -> ClickHouseCluster:
        try:
            for server in self.servers:
                server.start()
        except BaseException:
            self.stop()
            raise
        return self

    def restart(self, index: int) -> ClickHouseServer:
        server = self.servers[index]
        server.stop()
        return server.start()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def __enter__(self) -> ClickHouseCluster:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    argv, command = split_command(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        description="Run a local ClickHouse cluster (one server per shard) from the pinned wheel.",
        epilog="With `-- COMMAND...`: run COMMAND with CLICKHOUSE_URL and CLICKHOUSE_CLUSTER set, "
        "then stop the servers and exit with COMMAND's code. Without: serve until Ctrl-C.",
    )
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--name", default=DEFAULT_NAME)
    parser.add_argument("--data", type=Path, help="data directory (default: temporary, removed)")
    args = parser.parse_args(argv)
    temporary = None if args.data else tempfile.mkdtemp(prefix="sightline-cluster-")
    cluster = ClickHouseCluster(base_dir=args.data or temporary, shards=args.shards, name=args.name)
    return run_around(
        cluster,
        what="ClickHouse cluster",
        command=command,
        env={"CLICKHOUSE_URL": cluster.url, "CLICKHOUSE_CLUSTER": cluster.name},
        ready=lambda: (
            f"ClickHouse cluster {cluster.name!r} ready ({len(cluster.servers)} "
            f"shards): CLICKHOUSE_URL={cluster.url} CLICKHOUSE_CLUSTER={cluster.name}"
        ),
        temporary=temporary,
    )


if __name__ == "__main__":
    sys.exit(main())
