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
  3. cached: p50/p95 with every widget in the cache (in-process, and Redis when reachable).
"""

import argparse
import os
import socket
import sys
import time
from collections.abc import Callable
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


def ensure_data(events: int) -> None:
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
    for offset in range(0, events, CHUNK):
        count = min(CHUNK, events - offset)
        params = {"tenants": TENANTS, "days": DAYS, "offset": offset, "count": count}
        backend.command(GENERATE, params)
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
    args = parser.parse_args()
    setup_django(args.out)
    ensure_data(args.events)

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

    print(line("1. uncached dashboard (dashboard_data)", uncached_samples))
    print(line("2. raw: same SQL straight on the backend", raw_samples))
    print(f"   overhead uncached / raw: p50 {p(uncached_samples, 0.5) / p(raw_samples, 0.5):.2f}x, "
          f"p95 {p(uncached_samples, 0.95) / p(raw_samples, 0.95):.2f}x")  # fmt: skip
    print("   per widget (raw p50): " + ", ".join(f"{k} {v:.1f} ms" for k, v in per_widget.items()))

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


if __name__ == "__main__":
    main()
