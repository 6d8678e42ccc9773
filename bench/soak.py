"""Soak on the production topology (ops.topology: ClickHouse server, PostgreSQL, Redis, two web
processes, a Celery worker, beat): ingest at half the measured capacity plus N concurrent embed
viewers for D minutes. Prints, every minute: RSS of every process (its children included:
the worker's pool), p50/p99 of ingest and of embed data, requests and errors, the backlog.

    .venv/bin/python bench/soak.py --minutes 10 --viewers 50
    .venv/bin/python bench/soak.py --minutes 1 --viewers 10 --capacity-seconds 10   # a quick look

Ports default to one engineer's private range (--web-ports …); the run directory is
temporary. Figures, never assertions: on a shared machine the load average is printed too.
"""

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops.topology import Ports, Topology  # noqa: E402
from tests.production.http import call  # noqa: E402

BATCH = 100
INGEST_CLIENTS = 8  # as many as measured the capacity: latency does not cap the rate


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
            with open(f"/proc/{current}/task/{current}/children") as children:
                todo.extend(int(child) for child in children.read().split())
        except (OSError, StopIteration):
            continue
    return total / 1024


def p(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


class Window:
    """Latencies and outcomes of the current minute (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> tuple[dict, Counter]:
        with getattr(self, "lock", threading.Lock()):
            old = (getattr(self, "latency", {}), getattr(self, "outcomes", Counter()))
            self.latency: dict[str, list[float]] = {"ingest": [], "embed": []}
            self.outcomes: Counter = Counter()
        return old

    def record(self, kind: str, seconds: float, status: object) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.outcomes[(kind, status)] += 1


def batch(tenants: list[str]) -> dict:
    tenant = random.choice(tenants)
    return {
        "events": [
            {
                "tenant_id": tenant,
                "event_name": "api.call",
                "user_id": f"u{random.randint(1, 500)}",
                "string_props": {"model": random.choice(["a", "b", "c"])},
                "numeric_props": {"latency_ms": random.random() * 500},
            }
            for _ in range(BATCH)
        ]
    }


def post(url: str, key: str, tenants: list[str]) -> tuple[float, object]:
    started = time.perf_counter()
    try:
        status = call("POST", f"{url}/v1/events", batch(tenants), key=key, timeout=30)[0]
    except OSError:
        status = "error"
    return time.perf_counter() - started, status


def measure_capacity(topology: Topology, key: str, tenants: list[str], seconds: float) -> float:
    accepted, stop = Counter(), time.monotonic() + seconds

    def run(index: int) -> None:
        while time.monotonic() < stop:
            _, status = post(topology.web_urls[index % 2], key, tenants)
            accepted[status] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return accepted[202] * BATCH / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--capacity-seconds", type=float, default=20)
    parser.add_argument(
        "--org-concurrency",
        type=int,
        default=8,
        help="EMBED_ORG_CONCURRENT_QUERIES (default 8, the setting's default: beyond it, 429)",
    )
    parser.add_argument("--web-ports", default="8850,8851")
    parser.add_argument("--clickhouse-ports", default="19350,19351")
    parser.add_argument("--redis-port", type=int, default=6414)
    parser.add_argument("--postgres-port", type=int, default=5444)
    args = parser.parse_args()
    tcp, http = (int(port) for port in args.clickhouse_ports.split(","))
    run_dir = Path(tempfile.mkdtemp(prefix="sightline-soak-"))
    os.chmod(run_dir, 0o711)
    topology = Topology(
        run_dir=run_dir,
        ports=Ports(
            web=tuple(int(p) for p in args.web_ports.split(",")),
            clickhouse_tcp=tcp,
            clickhouse_http=http,
            redis=args.redis_port,
            postgres=args.postgres_port,
        ),
        extra_env={
            "EMBED_ORG_CONCURRENT_QUERIES": str(args.org_concurrency),
            "INGEST_RATE_LIMIT": "1000000/m",
            "EMBED_SESSION_RATE_LIMIT": "100000/m",
            "EMBED_TENANT_RATE_LIMIT": "100000/m",
        },
    )
    with topology:
        return soak(topology, args)


def soak(topology: Topology, args: argparse.Namespace) -> int:
    import orjson

    org = orjson.loads(
        topology.run("manage", "createorg", "Soak", "--owner-email", "soak@example.com")
        .strip()
        .splitlines()[-1]
    )
    tenants = [f"tenant_{i}" for i in range(10)]
    spec = {
        "name": "Soak",
        "widgets": [
            {
                "id": "w_calls",
                "title": "Calls",
                "kind": "kpi",
                "chart": "stat",
                "event_name": "api.call",
                "metric": "count",
                "property": None,
                "group_by": [],
                "filters": {},
                "limit": None,
                "layout": {"x": 0, "y": 0, "w": 3, "h": 2},
            },
            {
                "id": "w_models",
                "title": "Models",
                "kind": "breakdown",
                "chart": "bar",
                "event_name": "api.call",
                "metric": "avg",
                "property": "latency_ms",
                "group_by": ["model"],
                "filters": {},
                "limit": 5,
                "layout": {"x": 3, "y": 0, "w": 3, "h": 2},
            },
        ],
    }
    web = topology.web_urls[0]
    dashboard = call("POST", f"{web}/v1/dashboards", spec, key=org["admin_key"])[2]["id"]
    call("POST", f"{web}/v1/dashboards/{dashboard}/publish", {}, key=org["admin_key"])

    capacity = measure_capacity(topology, org["ingest_key"], tenants, args.capacity_seconds)
    target = capacity / 2
    print(
        f"capacity {capacity:,.0f} events/s accepted (8 clients, {BATCH}-event batches);"
        f" soak ingest at {target:,.0f} events/s, {args.viewers} embed viewers,"
        f" {args.minutes:g} min; load average {os.getloadavg()}",
        flush=True,
    )

    window, stop = Window(), threading.Event()
    interval = BATCH / target if target else 1.0

    def ingest(index: int) -> None:  # INGEST_CLIENTS paced clients, each its share
        next_at = time.monotonic()
        while not stop.is_set():
            seconds, status = post(topology.web_urls[index % 2], org["ingest_key"], tenants)
            window.record("ingest", seconds, status)
            # Never catch up after a slow spell: a burst is not the steady rate under test.
            next_at = max(next_at + interval * INGEST_CLIENTS, time.monotonic())
            time.sleep(max(0.0, next_at - time.monotonic()))

    def viewer(index: int) -> None:
        tenant = tenants[index % len(tenants)]
        session = call(
            "POST",
            f"{web}/v1/embed-sessions",
            {"tenant_id": tenant, "dashboard_id": dashboard, "expires_in": 3600},
            key=org["admin_key"],
        )[2]
        url = topology.web_urls[index % 2]
        while not stop.is_set():
            period = random.choice(["24h", "7d", "30d"])
            started = time.perf_counter()
            try:
                status = call(
                    "GET",
                    f"{url}/embed/{dashboard}/data?period={period}",
                    key=session["token"],
                    timeout=30,
                )[0]
            except OSError:
                status = "error"
            window.record("embed", time.perf_counter() - started, status)
            time.sleep(random.uniform(1.0, 3.0))  # a viewer changing period / refreshing

    threads = [
        threading.Thread(target=ingest, args=(i,), daemon=True) for i in range(INGEST_CLIENTS)
    ]
    threads += [
        threading.Thread(target=viewer, args=(i,), daemon=True) for i in range(args.viewers)
    ]
    for thread in threads:
        thread.start()
    errors_total = 0
    first_p99: dict[str, float] = {}
    for minute in range(1, int(args.minutes) + 1):
        time.sleep(60)
        latency, outcomes = window.reset()
        errors = sum(n for (_, status), n in outcomes.items() if status not in (200, 202))
        errors_total += errors
        rss = "  ".join(
            f"{name} {rss_mb(proc.pid):.0f}" for name, proc in topology.processes.items()
        )
        ch = topology.clickhouse.process
        health = call("GET", f"{web}/healthz")[2]
        failed = {f"{k}:{s}": n for (k, s), n in outcomes.items() if s not in (200, 202)}
        line = (
            f"min {minute:2d}  ingest {len(latency['ingest'])} req"
            f" p50 {p(latency['ingest'], 0.5):.0f}"
            f" p99 {p(latency['ingest'], 0.99):.0f} ms  embed {len(latency['embed'])} req"
            f" p50 {p(latency['embed'], 0.5):.0f} p99 {p(latency['embed'], 0.99):.0f} ms"
            f"  errors {errors} {failed}"
            f"  backlog {health.get('ingest_backlog', {}).get('entries')}"
            f"  RSS MB: {rss}  clickhouse {rss_mb(ch.pid):.0f}"
            f"  load {os.getloadavg()[0]:.1f}"
        )
        print(line, flush=True)
        for kind in ("ingest", "embed"):
            first_p99.setdefault(kind, p(latency[kind], 0.99))
    stop.set()
    print(f"errors in total: {errors_total}; first-minute p99 {first_p99}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
