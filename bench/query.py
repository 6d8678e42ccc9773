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
  4. one statement: the same 6 queries as `warehouse.reads.run_many` sends them (one UNION ALL
     statement on chDB, concurrent over a connection pool on a ClickHouse server): the
     warehouse's time for the dashboard, which `dashboard_data` now pays uncached.

    --burst 100   100 concurrent cold tenants (distinct tenants, nothing cached) open the
                  dashboard at once: per-dashboard latency p50/p95 and the burst's wall time.
    --scale       the same dashboard for one tenant whose data is identical (50,000 events)
                  in tables of 1 M, 10 M and 30 M events (other tenants fill the rest), each in
                  its own directory (chDB) or database (server): p50 and the ratio to 1 M.

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
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


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

    one_statement = timed(lambda: run_many(queries, backend=backend), args.runs)

    print(line("1. uncached dashboard (dashboard_data)", uncached_samples))
    print(line("2. raw: same SQL straight on the backend", raw_samples))
    print(f"   overhead uncached / raw: p50 {p(uncached_samples, 0.5) / p(raw_samples, 0.5):.2f}x, "
          f"p95 {p(uncached_samples, 0.95) / p(raw_samples, 0.95):.2f}x")  # fmt: skip
    print("   per widget (raw p50): " + ", ".join(f"{k} {v:.1f} ms" for k, v in per_widget.items()))
    print(line(f"4. one statement / round trip ({backend.name})", one_statement))
    print(f"   one statement / raw: p50 {p(one_statement, 0.5) / p(raw_samples, 0.5):.2f}x")

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
    """Each size in its own process (chDB: one data directory per process)."""
    sizes = [int(n) for n in args.scale_sizes.split(",")]
    if os.environ.get("CLICKHOUSE_URL"):
        from clickhouse_driver import Client

        client = Client.from_url(os.environ["CLICKHOUSE_URL"])
        for size in sizes:
            client.execute(f"CREATE DATABASE IF NOT EXISTS scale_{size}")
    medians = {}
    for size in sizes:
        env = {**os.environ}
        if env.get("CLICKHOUSE_URL"):
            env["CLICKHOUSE_URL"] = _scale_url(size)
        command = [sys.executable, __file__, "--scale-one", str(size), "--runs", str(args.runs)]
        output = subprocess.run(
            [*command, "--out", str(args.out)], env=env, check=True, capture_output=True, text=True
        ).stdout
        print(output.strip())
        medians[size] = float(output.strip().splitlines()[-1].rsplit("p50 ", 1)[1].split()[0])
    smallest = medians[sizes[0]]
    print("scale: p50 " + ", ".join(
        f"{size / 1e6:g} M {ms:.1f} ms ({ms / smallest:.2f}x)" for size, ms in medians.items()
    ) + f"; load average {os.getloadavg()[0]:.1f}")  # fmt: skip


def scale_one(args: argparse.Namespace) -> None:
    setup_django(args.out / f"scale-{args.scale_one}")
    from core.ids import new_id
    from dashboards.data import dashboard_data
    from warehouse.backends import get_backend
    from warehouse.scope import Scope

    ensure_data(args.scale_one, scale=True)
    spec, request = _dashboard()
    scope = Scope(ORG, "tenant_42")
    dashboard_data(spec=spec, scope=scope, request=request, version_key="warm")
    samples = timed(
        lambda: dashboard_data(spec=spec, scope=scope, request=request, version_key=new_id("v")),
        args.runs,
    )
    backend = get_backend()
    rows = backend.query(
        "SELECT count() FROM events WHERE org_id = {o:String}", {"o": ORG}
    ).scalar()
    # What the sort key leaves to read, independent of the machine's load: EXPLAIN ESTIMATE
    # (parts, rows, marks) of every widget's query, summed.
    from dashboards.data import _compile

    estimate = [0, 0, 0]
    for widget in spec.widgets:
        query, _ = _compile(widget, scope=scope, request=request, locked={})
        for row in backend.query("EXPLAIN ESTIMATE " + query.sql, query.params).rows:
            estimate = [a + int(b) for a, b in zip(estimate, row[2:5], strict=True)]
    print(
        f"   estimated reads of the 6 queries: {estimate[0]} parts, {estimate[1]:,} rows, "
        f"{estimate[2]} marks"
    )
    print(line(f"scale {args.scale_one / 1e6:g} M events ({int(rows):,}), uncached", samples))


if __name__ == "__main__":
    main()
