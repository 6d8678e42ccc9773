"""Ingest throughput, printed as figures (a benchmark, never a test).

    .venv/bin/python bench/ingest.py [--seconds 10] [--connections 4] [--backlog 1000000]

Measures, on loopback with real Redis and chDB (or the server of CLICKHOUSE_URL), in the
production configuration (SIGHTLINE_ENV=production, INGEST_BUFFER=redis, the rate-limit
counter in Redis):
  1. accepted: events/s one API process (`manage.py serve`: waitress, 4 threads) answers 202 for,
     sending 1,000-event batches; client-side p50/p99 latency per request; and per CPU-second
     of the API process (the figure a loaded machine moves least);
  2. ceiling: the same rows inserted straight into chDB, pre-encoded in inserts of the worker's
     size (chDB's own cost only: no Redis, no stream bookkeeping);
  3. written: events/s one worker process drains the backlog of step 1 (topped up to --backlog
     events by repeating its entries) into chDB, and its RSS before, after each round and at
     peak: flat means bounded by one read, whatever the backlog;
  4. end to end: API and worker running together; accepted events / time until all are written,
     also as a share of the ceiling.
Everything lives in a temporary directory and a stream of its own, removed at the end.
"""

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BATCH_SIZE = 1000
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


# --- The orchestrator ----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each load phase")
    parser.add_argument("--connections", type=int, default=4, help="concurrent client connections")
    parser.add_argument(
        "--backlog",
        type=int,
        default=1_000_000,
        help="events the worker drains in step 3 (at least)",
    )
    parser.add_argument(
        "--role", choices=["main", "worker", "ceiling"], default="main", help=argparse.SUPPRESS
    )
    parser.add_argument("--stop-key", default="", help=argparse.SUPPRESS)
    parser.add_argument("--entries", type=int, default=100, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "worker":
        return print(json.dumps(run_worker(args.stop_key)))
    if args.role == "ceiling":
        return print(json.dumps(run_ceiling(args.entries)))
    run_main(args.seconds, args.connections, args.backlog)


def run_main(seconds: float, connections: int, backlog: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="sightline-bench-ingest-"))
    env = _environment(work)
    redis = _redis(env["REDIS_URL"])
    port = _free_port()
    server = None
    try:
        key = _create_org(env)
        bodies = [_body(seed) for seed in range(8)]
        print(
            f"Ingest benchmark: {os.cpu_count()} cores, batches of {BATCH_SIZE} events "
            f"({len(bodies[0]) // 1024} KiB JSON), {connections} connections, "
            f"{seconds:.0f} s phases"
        )
        server = _start_server(env, port)

        cpu_before = _cpu_seconds(server.pid)
        accepted = _load(port, key, bodies, seconds, connections)
        api_cpu = _cpu_seconds(server.pid) - cpu_before
        _report_load("1. accepted by one API process", accepted)
        print(
            f"   the API process used {api_cpu:.2f} CPU-s for it: "
            f"{accepted['requests'] * BATCH_SIZE / api_cpu:,.0f} ev per CPU-second of the API "
            f"({api_cpu / accepted['requests'] * 1000:.2f} ms per batch; the bench client "
            "and Redis share the cores)"
        )

        ceiling = _role(env, work / "ceiling", "ceiling", "--entries", "300")
        print(
            f"2. raw ceiling (same rows straight into {ceiling['backend']}, pre-encoded): "
            f"{ceiling['events_per_s']:,.0f} ev/s "
            f"({ceiling['events']:,} events in {ceiling['inserts']} inserts)"
        )

        _top_up(redis, env["INGEST_STREAM"], backlog)
        stop_key = f"{env['INGEST_STREAM']}:bench-stop"
        redis.set(stop_key, 1)  # drain what is there, then stop
        written = _role(env, work / "worker", "worker", "--stop-key", stop_key)
        rounds = written["rss_after_rounds_mb"] or [written["rss_after_mb"]]
        print(
            f"3. written by one worker (backlog of {written['events']:,} events): "
            f"{written['events_per_s']:,.0f} ev/s; worker RSS "
            f"{written['rss_before_mb']:.0f} MB before, {rounds[0]:.0f} MB after the first round, "
            f"{max(rounds):.0f} MB at most after any of {len(rounds)} rounds, "
            f"{written['rss_after_mb']:.0f} MB after, {written['rss_peak_mb']:.0f} MB peak"
        )

        end_to_end = _end_to_end(env, work, redis, port, key, bodies, seconds, connections)
        share = end_to_end["events_per_s"] / ceiling["events_per_s"]
        _report_load("4. end to end, accepted while the worker runs", end_to_end["load"])
        print(
            f"   end to end: {end_to_end['events']:,} events accepted and written in "
            f"{end_to_end['seconds']:.1f} s = {end_to_end['events_per_s']:,.0f} ev/s, "
            f"{share:.0%} of the raw ceiling"
        )
        load_1m = os.getloadavg()[0]
        print(f"Load average (1 min) at the end: {load_1m:.1f} on {os.cpu_count()} cores.")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        stream = env["INGEST_STREAM"]
        suffixes = ("", ":bench-stop", ":bench-stop:ready", ":backoff", ":failures", ":dead")
        redis.delete(*(stream + suffix for suffix in suffixes))
        shutil.rmtree(work, ignore_errors=True)


def _environment(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "SIGHTLINE_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SIGHTLINE_VAR_DIR": str(work / "api"),
            "DATABASE_URL": f"sqlite:///{work / 'api' / 'bench.sqlite3'}",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
            "INGEST_BUFFER": "redis",
            "INGEST_STREAM": f"bench:ingest:{secrets.token_hex(6)}",
            "INGEST_RATE_LIMIT": "1000000/s",
            "LOG_LEVEL": "WARNING",
        }
    )
    (work / "api").mkdir(parents=True)
    return env


def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url)


def _free_port() -> int:
    """A free port, from BENCH_PORTS ("8700-8799") when a shared machine hands out ranges."""
    low, _, high = os.environ.get("BENCH_PORTS", "0-0").partition("-")
    for port in range(int(low), int(high) + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def _create_org(env: dict[str, str]) -> str:
    _manage(env, "migrate", "--noinput", "--verbosity", "0")
    created = json.loads(_manage(env, "createorg", "Bench", "--owner-email", "bench@example.com"))
    return created["ingest_key"]


def _body(seed: int) -> bytes:
    """1,000 realistic events: api calls with model/endpoint/status/region and numbers."""
    import orjson

    rng = random.Random(seed)
    now = datetime.now(UTC)
    events = []
    for i in range(BATCH_SIZE):
        events.append(
            {
                "tenant_id": f"tenant_{rng.randrange(20):02d}",
                "event_name": "api.call",
                "timestamp": _iso_ms(
                    now - timedelta(seconds=rng.randrange(86_400), milliseconds=i)
                ),
                "user_id": f"user_{rng.randrange(5000)}",
                "string_props": {
                    "model": rng.choice(["gpt-4o", "claude-3", "llama-3", "mistral"]),
                    "endpoint": rng.choice(["/v1/chat", "/v1/embed", "/v1/complete"]),
                    "status": rng.choices(["success", "error"], [0.95, 0.05])[0],
                    "region": rng.choice(["eu-west", "us-east", "ap-south"]),
                },
                "numeric_props": {
                    "tokens": rng.randrange(10, 4000),
                    "latency_ms": round(rng.lognormvariate(5, 0.6), 1),
                    "cost_usd": round(rng.random() / 10, 5),
                },
            }
        )
    return orjson.dumps({"events": events})


def _iso_ms(moment: datetime) -> str:
    """What SDKs send (JavaScript's toISOString): milliseconds and Z."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    # What compose.yaml's web service runs (there with 16 threads), minus the scheduler.
    command = [
        sys.executable,
        "manage.py",
        "serve",
        f"127.0.0.1:{port}",
        "--no-scheduler",
        "--threads",
        "4",
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(
                    f"the API server exited: {server.stderr.read().decode()}"
                ) from None
            time.sleep(0.1)
    raise SystemExit("the API server did not start in 60 s")


def _load(
    port: int, key: str, bodies: list[bytes], seconds: float, connections: int
) -> dict[str, Any]:
    """`connections` threads POSTing batches over keep-alive connections for `seconds`."""
    latencies: list[float] = []
    failures: list[int] = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    _post(port, headers, bodies[0])  # warm-up: imports, first connections
    start = time.perf_counter()
    stop_at = start + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = index
        while time.perf_counter() < stop_at:
            body = bodies[n % len(bodies)]
            n += 1
            sent = time.perf_counter()
            connection.request("POST", "/v1/events", body, headers)
            response = connection.getresponse()
            response.read()
            (latencies if response.status == 202 else failures).append(
                time.perf_counter() - sent if response.status == 202 else response.status
            )
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {
        "requests": len(latencies),
        "failures": failures,
        "seconds": elapsed,
        "latencies": latencies,
    }


def _post(port: int, headers: dict[str, str], body: bytes) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/v1/events", body, headers)
    response = connection.getresponse()
    if response.status != 202:
        raise SystemExit(f"warm-up request answered {response.status}: {response.read()[:500]!r}")
    response.read()
    connection.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _report_load(title: str, load: dict[str, Any]) -> None:
    latencies = sorted(load["latencies"])
    events_per_s = load["requests"] * BATCH_SIZE / load["seconds"]
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    failed = (
        f", {len(load['failures'])} not accepted ({sorted(set(load['failures']))})"
        if load["failures"]
        else ""
    )
    print(
        f"{title}: {events_per_s:,.0f} ev/s ({load['requests']} requests in "
        f"{load['seconds']:.1f} s{failed}); latency p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )


def _top_up(redis: Any, stream: str, events: int) -> None:
    """Grow the backlog step 1 left to `events` events by repeating its entries (repeated
    insert_ids: collapsed by FINAL, the same work for the writer)."""
    accepted = redis.xrange(stream, count=500)
    missing = events // BATCH_SIZE - redis.xlen(stream)
    pipe = redis.pipeline(transaction=False)
    for n in range(max(0, missing)):
        pipe.xadd(stream, accepted[n % len(accepted)][1])
        if n % 100 == 99:
            pipe.execute()
    pipe.execute()


def _role(env: dict[str, str], var_dir: Path, role: str, *args: str) -> dict[str, Any]:
    var_dir.mkdir(parents=True)
    role_env = {**env, "SIGHTLINE_VAR_DIR": str(var_dir)}
    done = subprocess.run(
        [sys.executable, __file__, "--role", role, *args],
        cwd=ROOT,
        env=role_env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{role} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _end_to_end(env, work, redis, port, key, bodies, seconds, connections) -> dict[str, Any]:
    stop_key = f"{env['INGEST_STREAM']}:bench-stop"
    redis.delete(stop_key, f"{stop_key}:ready")  # phase 3's worker left its ready flag
    var_dir = work / "worker-e2e"
    var_dir.mkdir(parents=True)
    worker = subprocess.Popen(
        [sys.executable, __file__, "--role", "worker", "--stop-key", stop_key],
        cwd=ROOT,
        env={**env, "SIGHTLINE_VAR_DIR": str(var_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_until_ready(redis, f"{stop_key}:ready", worker)  # start-up is not part of the figure
    started = time.time()
    load = _load(port, key, bodies, seconds, connections)
    redis.set(stop_key, 1)
    out, err = worker.communicate(timeout=600)
    if worker.returncode:
        raise SystemExit(f"worker failed:\n{err}")
    report = json.loads(out.strip().splitlines()[-1])
    events = load["requests"] * BATCH_SIZE + BATCH_SIZE  # + the warm-up batch
    elapsed = report["last_write_at"] - started
    return {
        "load": load,
        "events": report["events"],
        "accepted": events,
        "seconds": elapsed,
        "events_per_s": report["events"] / elapsed,
    }


def _wait_until_ready(redis: Any, key: str, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while not redis.exists(key):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(
                f"the worker did not start: {worker.stderr.read() if worker.stderr else ''}"
            )
        time.sleep(0.05)
    redis.delete(key)


# --- Roles run in their own processes (chDB: one process per data directory) --------------


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from warehouse.backends import get_backend
    from warehouse.schema import migrate

    migrate(get_backend())


def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_worker(stop_key: str) -> dict[str, Any]:
    """The real writer on the periodic job's cadence (a round every second, each draining until
    the stream is empty), until the stream is empty and `stop_key` is set."""
    _setup_django()
    from django.conf import settings

    from ingest.drain import DrainConfig, stream_drain
    from ingest.stream import redis_client
    from ops.schedule import PERIODIC_JOBS

    every = next(
        job.every_seconds for job in PERIODIC_JOBS if job.task == "ingest.tasks.drain_stream"
    )
    client = redis_client()
    config = DrainConfig.from_settings(consumer=f"bench-{os.getpid()}", max_seconds=every)
    rss_before = _rss_mb()
    client.set(f"{stop_key}:ready", 1, ex=600)  # start-up done: the load may begin
    rss_after_rounds: list[float] = []
    events, first_read, last_write = 0, None, None
    while True:
        began = time.time()
        result = stream_drain(client=client, config=config)
        if result.events:
            first_read = first_read or began
            last_write = time.time()
            events += result.events
            rss_after_rounds.append(_rss_mb())
        elif client.exists(stop_key) and client.xlen(settings.INGEST_STREAM) == 0:
            break
        if client.xlen(settings.INGEST_STREAM) == 0:  # else a backlog: the next round at once
            time.sleep(max(0.0, began + every - time.time()))
    busy = (last_write - first_read) if events else 0.0
    return {
        "events": events,
        "events_per_s": events / busy if busy else 0.0,
        "last_write_at": last_write or time.time(),
        "rss_before_mb": rss_before,
        "rss_after_mb": _rss_mb(),
        "rss_peak_mb": _rss_mb("VmHWM"),
        "rss_after_rounds_mb": rss_after_rounds,
    }


def run_ceiling(entries: int) -> dict[str, Any]:
    """The same rows the worker writes, encoded beforehand in inserts of the worker's size,
    timed through the chDB backend's insert alone (no Redis, no stream bookkeeping)."""
    _setup_django()
    from django.conf import settings

    from ingest.stream import ROWS_FIELD, redis_client
    from warehouse.backends import get_backend
    from warehouse.events import EVENT_COLUMNS, decode_events, encode_events
    from warehouse.schema import EVENTS_TABLE

    stored = redis_client().xrange(settings.INGEST_STREAM, count=entries)  # read, not consumed
    rows = [row for _, fields in stored for row in decode_events(fields[ROWS_FIELD])]
    chunk = settings.INGEST_DRAIN_MAX_ENTRIES * BATCH_SIZE  # the size of one worker insert
    bodies = [encode_events(rows[i : i + chunk]) for i in range(0, len(rows), chunk)]
    backend = get_backend()
    started = time.perf_counter()
    for body in bodies:
        backend.insert_encoded(EVENTS_TABLE, EVENT_COLUMNS, [body], decode=decode_events)
    elapsed = time.perf_counter() - started
    return {
        "events": len(rows),
        "inserts": len(bodies),
        "events_per_s": len(rows) / elapsed,
        "backend": {"chdb": "chDB"}.get(backend.name, "the ClickHouse server"),
    }


if __name__ == "__main__":
    main()
