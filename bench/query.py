"""Dashboard query latency, printed as figures (a benchmark, never a test).

    .venv/bin/python bench/query.py [--runs 40] [--cached-runs 300] [--period 30d]

Data: 10 million events, 200 tenants, 90 days, in a chDB directory under bench/out/ (built on
the first run with INSERT ... SELECT FROM numbers() - fast, bench only - then reused).
For one tenant, the data of a 6-widget dashboard (kpi count, timeseries, breakdown, table,
kpi p95, kpi count_unique) through `dashboards.data.dashboard_data`, the code path every data
endpoint uses:
  1. uncached: p50/p95 of the whole dashboard (a fresh version key each run: nothing cached);
  2. raw: the same compiled SQL run straight on the backend (ClickHouse's own time plus the
     backend's result decoding), and our overhead = uncached / raw;
  3. cached: p50/p95 with every widget in the cache (in-process, and Redis when reachable);
  4. one statement: the dashboard's reads as `dashboard_data` sends them through
     `warehouse.reads.run_many` (4 for 6 widgets: the KPIs share a scan; one UNION ALL
     statement on chDB, concurrent over a connection pool on a ClickHouse server): the
     warehouse's time for the dashboard, uncached; beside it, one read per widget (6).

    --burst 100   100 concurrent cold tenants (distinct tenants, nothing cached) open the
                  dashboard at once: per-dashboard latency p50/p95 and the burst's wall time.
    --scale       the same dashboard for one tenant whose data is identical (50,000 events)
                  in tables of 1 M, 10 M and 30 M events (other tenants fill the rest), each in
                  its own directory (chDB) or database (server) and process, the sizes asked in
                  turn (same load for all): p50 wall and CPU, and the ratios to 1 M.

Every "cpu" figure is the process's CPU time: with chDB, the engine's threads included, so it is
what a statement costs whatever the machine's load; with a server, only the client's.

The topology is the process's: chDB under bench/out/ unless CLICKHOUSE_URL names a server
(e.g. run under `tools/clickhouse_server.py --data bench/out/clickhouse -- ...`).
"""

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
EVENTS = 10_000_000
TENANTS = 200
DAYS = 90
CHUNK = 1_000_000
ORG = "org_bench"
TENANT = "tenant_42"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")

SPEC = {
    "name": "Bench",
    "filters": [{"dimension": "region", "label": "Region"}],
    "widgets": [
        {"id": "w_calls", "kind": "kpi", "event_name": "api.call", "metric": "count"},
        {"id": "w_trend", "kind": "timeseries", "event_name": "api.call", "metric": "count"},
        {"id": "w_models", "kind": "breakdown", "event_name": "api.call", "group_by": ["model"]},
        {
            "id": "w_table",
            "kind": "table",
            "event_name": "api.call",
            "group_by": ["model", "endpoint"],
            "metrics": [{"metric": "count"}, {"metric": "avg", "property": "latency_ms"}],
        },
        {
            "id": "w_p95",
            "kind": "kpi",
            "event_name": "api.call",
            "metric": "p95",
            "property": "latency_ms",
        },
        {"id": "w_users", "kind": "kpi", "event_name": "api.call", "metric": "count_unique"},
    ],
}

# Bench data only: rand-based columns computed by ClickHouse itself (the app never does this).
GENERATE = """
INSERT INTO events
    (org_id, tenant_id, event_name, timestamp, user_id, insert_id, string_props, numeric_props)
SELECT
    'org_bench',
    concat('tenant_', toString(number % {tenants:UInt32})),
    ['api.call', 'api.call', 'api.call', 'api.call', 'page.view', 'signup'][1 + h1 % 6],
    now64(3, 'UTC') - toIntervalMillisecond(h2 % ({days:UInt32} * 86400000)),
    concat('u', toString(number % {tenants:UInt32}), '_', toString(h3 % 400)),
    toString(number),
    map('model', ['gpt-4', 'gpt-4o', 'claude', 'llama', 'mistral', 'gemini', 'qwen'][1 + h4 % 7],
        'endpoint', ['/chat', '/embed', '/complete', '/moderate'][1 + h5 % 4],
        'region', ['eu', 'us', 'apac'][1 + h6 % 3],
        'status', if(h7 % 50 = 0, 'error', 'success')),
    map('latency_ms', 20 + (h8 % 100000) / 100.0, 'tokens', toFloat64(h9 % 4000))
FROM (
    SELECT number,
        cityHash64(number, 1) AS h1, cityHash64(number, 2) AS h2, cityHash64(number, 3) AS h3,
        cityHash64(number, 4) AS h4, cityHash64(number, 5) AS h5, cityHash64(number, 6) AS h6,
        cityHash64(number, 7) AS h7, cityHash64(number, 8) AS h8, cityHash64(number, 9) AS h9
    FROM numbers({offset:UInt64}, {count:UInt64})
)
"""


def setup_django(out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SIGHTLINE_VAR_DIR"] = str(out / "var")
    os.environ["CHDB_PATH"] = str(out / "chdb")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --scale: the first SCALE_TENANT_EVENTS numbers are the measured tenant's, the same rows at
# every size; the rest belong to filler tenants of the same size each.
SCALE_TENANT_EVENTS = 50_000
SCALE_SIZES = (1_000_000, 10_000_000, 30_000_000)
SCALE_TENANT = (
    "if(number < {fixed:UInt64}, 'tenant_42', "
    "concat('filler_', toString(number % {tenants:UInt32})))"
)


def ensure_data(events: int, *, scale: bool = False) -> None:
    from warehouse.backends import get_backend
    from warehouse.schema import migrate

    backend = get_backend()
    migrate(backend)
    have = backend.query(
        "SELECT count() FROM events WHERE org_id = {o:String}", {"o": ORG}
    ).scalar()
    if int(have) == events:
        print(f"data: reusing {int(have):,} events")
        return
    backend.command("TRUNCATE TABLE events")
    started = time.perf_counter()
    generate = GENERATE
    tenants = TENANTS
    if scale:
        generate = GENERATE.replace(
            "concat('tenant_', toString(number % {tenants:UInt32}))", SCALE_TENANT
        )
        tenants = max(1, events // SCALE_TENANT_EVENTS - 1)
    for offset in range(0, events, CHUNK):
        count = min(CHUNK, events - offset)
        params = {"tenants": tenants, "days": DAYS, "offset": offset, "count": count}
        if scale:
            params["fixed"] = SCALE_TENANT_EVENTS
        backend.command(generate, params)
        print(f"  generated {offset + count:,} events", end="\r", flush=True)
    backend.command("OPTIMIZE TABLE events FINAL")  # steady state: merged parts
    took = time.perf_counter() - started
    print(f"data: {events:,} events, {TENANTS} tenants, {DAYS} days, built in {took:.0f} s")


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    return timed_cpu(fn, runs)[0]


def timed_cpu(fn: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall and process CPU milliseconds of each run. With chDB the engine's threads are this
    process's, so the CPU is the statement's whole cost, and it barely moves with the
    machine's load (the wall time waits for a core); with a server it is the client's only."""
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return walls, cpus


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def line(label: str, samples: list[float]) -> str:
    p50, p95 = p(samples, 0.5), p(samples, 0.95)
    return f"{label:<44} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   (n={len(samples)})"


def redis_reachable() -> bool:
    parsed = urlparse(REDIS_URL)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1
        ):
            return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--cached-runs", type=int, default=300)
    parser.add_argument("--period", default="30d", choices=["24h", "7d", "30d", "90d"])
    parser.add_argument("--events", type=int, default=EVENTS, help="(smaller for a smoke run)")
    parser.add_argument("--out", type=Path, default=OUT, help="the chDB data directory's parent")
    parser.add_argument("--burst", type=int, default=0, help="N concurrent cold tenants")
    parser.add_argument("--scale", action="store_true", help="1 M / 10 M / 30 M events")
    parser.add_argument("--scale-sizes", default=",".join(str(n) for n in SCALE_SIZES))
    parser.add_argument("--scale-one", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale:
        return scale(args)
    if args.scale_one:
        return scale_one(args)
    setup_django(args.out)
    ensure_data(args.events)
    if args.burst:
        return burst(args)

    from django.test.utils import override_settings

    from core.ids import new_id
    from dashboards.data import dashboard_data, parse_data_request, widget_data
    from dashboards.spec import parse_spec
    from warehouse.backends import get_backend
    from warehouse.buckets import resolve_bucket
    from warehouse.compiler import compile_widget
    from warehouse.scope import Scope

    spec = parse_spec(SPEC)
    scope = Scope(ORG, TENANT)
    request = parse_data_request({"period": args.period}, default_period="30d")
    backend = get_backend()
    rows = backend.query(
        "SELECT count() FROM events WHERE org_id = {o:String} AND tenant_id = {t:String}"
        " AND timestamp >= {s:DateTime64(3, 'UTC')} AND timestamp < {e:DateTime64(3, 'UTC')}",
        {"o": ORG, "t": TENANT, "s": request.start, "e": request.end},
    ).scalar()
    print(
        f"dashboard: {len(spec.widgets)} widgets, one tenant ({TENANT}), period {args.period}: "
        f"{int(rows):,} of its events in the window"
    )

    queries = [
        compile_widget(
            w.query,
            scope=scope,
            start=request.start,
            end=request.end,
            tz=request.tz,
            bucket=resolve_bucket(w.bucket, request.start, request.end) if w.bucket else None,
        )
        for w in spec.widgets
    ]

    def raw() -> None:
        for query in queries:
            backend.query(query.sql, query.params)

    def uncached() -> None:
        dashboard_data(spec=spec, scope=scope, request=request, version_key=new_id("v"))

    for widget in spec.widgets:  # warm up: first-query costs (marks, caches) out of the figures
        widget_data(widget, scope=scope, request=request)
    # Interleave raw and uncached runs so both see the same machine load.
    raw_samples, uncached_samples = [], []
    for _ in range(args.runs):
        raw_samples += timed(raw, 1)
        uncached_samples += timed(uncached, 1)
    per_widget = {
        w.id: p(timed(lambda q=q: backend.query(q.sql, q.params), 10), 0.5)
        for w, q in zip(spec.widgets, queries, strict=True)
    }
    from warehouse.reads import run_many

    # The reads dashboard_data sends for these widgets (the three KPIs share one scan), and,
    # interleaved with them, one read per widget (the figure before KPIs shared a scan).
    reads = _dashboard_reads(spec, scope, request)
    grouped, grouped_cpu, one_each, one_each_cpu = [], [], [], []
    for _ in range(args.runs):
        wall, cpu = timed_cpu(lambda: run_many(reads, backend=backend), 1)
        grouped, grouped_cpu = grouped + wall, grouped_cpu + cpu
        wall, cpu = timed_cpu(lambda: run_many(queries, backend=backend), 1)
        one_each, one_each_cpu = one_each + wall, one_each_cpu + cpu

    print(line("1. uncached dashboard (dashboard_data)", uncached_samples))
    print(line("2. raw: same SQL straight on the backend", raw_samples))
    print(f"   overhead uncached / raw: p50 {p(uncached_samples, 0.5) / p(raw_samples, 0.5):.2f}x, "
          f"p95 {p(uncached_samples, 0.95) / p(raw_samples, 0.95):.2f}x")  # fmt: skip
    print("   per widget (raw p50): " + ", ".join(f"{k} {v:.1f} ms" for k, v in per_widget.items()))
    label = f"4. one statement, {len(reads)} reads ({backend.name})"
    print(line(label, grouped) + f"   cpu p50 {p(grouped_cpu, 0.5):.2f} ms")
    label = f"   … one read per widget, {len(queries)} reads"
    print(line(label, one_each) + f"   cpu p50 {p(one_each_cpu, 0.5):.2f} ms")
    print(f"   one statement / raw: p50 {p(grouped, 0.5) / p(raw_samples, 0.5):.2f}x; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip

    caches = {
        "in-process": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": new_id("b"),
        }
    }
    if redis_reachable():
        caches["Redis"] = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": new_id("bench"),
        }
    for label, config in caches.items():
        # A short TTL: the 6 Redis entries expire by themselves (never clear(): it flushes the db).
        with override_settings(CACHES={"default": config}, WIDGET_CACHE_TTL=120):
            version = new_id("v")
            dashboard_data(spec=spec, scope=scope, request=request, version_key=version)  # fill

            def cached(version: str = version) -> None:
                dashboard_data(spec=spec, scope=scope, request=request, version_key=version)

            print(line(f"3. cached dashboard ({label} cache)", timed(cached, args.cached_runs)))


def _dashboard_reads(spec: object, scope: object, request: object) -> list[object]:
    """The compiled reads of `dashboard_data` for every widget (none cached)."""
    from dashboards.data import _compile_group, _scan_groups

    groups = _scan_groups(list(spec.widgets), request=request, locked={})
    return [_compile_group(g, scope=scope, request=request, locked={})[0] for g in groups]


def _dashboard() -> tuple[object, object]:
    from dashboards.data import parse_data_request
    from dashboards.spec import parse_spec

    return parse_spec(SPEC), parse_data_request({"period": "30d"}, default_period="30d")


def burst(args: argparse.Namespace) -> None:
    """N threads, each a distinct tenant with nothing cached, released at once."""
    from core.ids import new_id
    from dashboards.data import dashboard_data
    from warehouse.backends import get_backend
    from warehouse.scope import Scope

    spec, request = _dashboard()
    dashboard_data(spec=spec, scope=Scope(ORG, "tenant_0"), request=request, version_key="w")
    tenants = [f"tenant_{i % TENANTS}" for i in range(args.burst)]
    gate = threading.Barrier(len(tenants) + 1)

    def one(tenant: str) -> float:
        gate.wait()
        started = time.perf_counter()
        dashboard_data(
            spec=spec, scope=Scope(ORG, tenant), request=request, version_key=new_id("v")
        )
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(max_workers=len(tenants)) as pool:
        futures = [pool.submit(one, tenant) for tenant in tenants]
        started = time.perf_counter()
        gate.wait()
        samples = [future.result() for future in futures]
        wall = time.perf_counter() - started
    print(line(f"burst: {len(tenants)} cold tenants at once ({get_backend().name})", samples))
    print(f"   whole burst {wall:.2f} s wall, {len(tenants) / wall:.1f} dashboards/s; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip


def _scale_url(size: int) -> str:
    base = os.environ.get("CLICKHOUSE_URL", "")
    return base.rsplit("/", 1)[0] + f"/scale_{size}" if base else ""


def scale(args: argparse.Namespace) -> None:
    """Each size in its own process (chDB: one data directory per process), all started first,
    then asked for one dashboard in turn, so every size is measured under the same load."""
    sizes = [int(n) for n in args.scale_sizes.split(",")]
    if os.environ.get("CLICKHOUSE_URL"):
        from clickhouse_driver import Client

        client = Client.from_url(os.environ["CLICKHOUSE_URL"])
        for size in sizes:
            client.execute(f"CREATE DATABASE IF NOT EXISTS scale_{size}")
    workers = {}
    for size in sizes:  # one at a time: building a size's data is CPU-bound
        env = {**os.environ}
        if env.get("CLICKHOUSE_URL"):
            env["CLICKHOUSE_URL"] = _scale_url(size)
        command = [sys.executable, __file__, "--scale-one", str(size), "--out", str(args.out)]
        worker = subprocess.Popen(
            command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for output in iter(worker.stdout.readline, "ready\n"):
            if not output:  # the worker died before it was ready (its error is on stderr)
                raise SystemExit(f"the {size:,}-event worker failed")
            print(output.rstrip())
        workers[size] = worker
    samples: dict[int, tuple[list[float], list[float]]] = {size: ([], []) for size in sizes}
    for _ in range(args.runs):
        for size, worker in workers.items():
            worker.stdin.write("run\n")
            worker.stdin.flush()
            wall, cpu = (float(x) for x in worker.stdout.readline().split())
            samples[size][0].append(wall)
            samples[size][1].append(cpu)
    for size, worker in workers.items():
        print(worker.communicate("done\n")[0].rstrip())
        wall, cpu = samples[size]
        label = f"scale {size / 1e6:g} M events, uncached"
        print(line(label, wall) + f"   cpu p50 {p(cpu, 0.5):.2f} ms")
    first = sizes[0]

    def ratios(index: int) -> str:
        medians = {size: p(samples[size][index], 0.5) for size in sizes}
        return ", ".join(
            f"{size / 1e6:g} M {ms:.1f} ms ({ms / medians[first]:.2f}x)"
            for size, ms in medians.items()
        )

    print(f"scale: p50 {ratios(0)}; load average {os.getloadavg()[0]:.1f}")
    print(f"scale: cpu p50 {ratios(1)}")


def scale_one(args: argparse.Namespace) -> None:
    """A worker of `scale`: builds (or reuses) its size, says `ready`, then runs one uncached
    dashboard per `run` line (answering `wall cpu` in ms) until `done`."""
    setup_django(args.out / f"scale-{args.scale_one}")
    from core.ids import new_id
    from dashboards.data import dashboard_data
    from warehouse.backends import get_backend
    from warehouse.scope import Scope

    ensure_data(args.scale_one, scale=True)
    spec, request = _dashboard()
    scope = Scope(ORG, "tenant_42")
    dashboard_data(spec=spec, scope=scope, request=request, version_key="warm")
    print("ready", flush=True)
    for command in sys.stdin:
        if command.strip() != "run":
            break
        wall, cpu = timed_cpu(
            lambda: dashboard_data(
                spec=spec, scope=scope, request=request, version_key=new_id("v")
            ),
            1,
        )
        print(f"{wall[0]} {cpu[0]}", flush=True)
    backend = get_backend()
    rows = backend.query(
        "SELECT count() FROM events WHERE org_id = {o:String}", {"o": ORG}
    ).scalar()
    # What the sort key leaves to read, independent of the machine's load: EXPLAIN ESTIMATE
    # (parts, rows, marks) of every read of the dashboard, summed.
    estimate = [0, 0, 0]
    for query in _dashboard_reads(spec, scope, request):
        for row in backend.query("EXPLAIN ESTIMATE " + query.sql, query.params).rows:
            estimate = [a + int(b) for a, b in zip(estimate, row[2:5], strict=True)]
    print(
        f"   {args.scale_one / 1e6:g} M ({int(rows):,} events): estimated reads of the "
        f"dashboard: {estimate[0]} parts, {estimate[1]:,} rows, {estimate[2]} marks"
    )


if __name__ == "__main__":
    main()
