"""What recording embed usage costs (issue 11: "recording adds < 1 ms to a data request"),
printed (a benchmark, never a test).

    .venv/bin/python bench/usage.py [--rounds 20] [--per-round 50] [--events 50000]

Self-contained: a private embedded installation in a temporary directory (chDB, SQLite), one
organization with a published 3-widget dashboard (kpi, timeseries, breakdown) over `--events`
events of one tenant, and one embed session. Everything runs in this process through Django's
test client (the whole middleware stack and the embed view, as `serve` runs it), with the
session and tenant rate limits raised out of the way.

  1. GET /embed/<id>/data, recording OFF and ON alternately, request by request, within the
     same run (so the machine's load drifts over both alike; `--rounds` x `--per-round`
     pairs), the
     background flusher running every second as in production (its inserts share chDB's lock
     with the requests, so their cost is in the ON figures). Widgets cached (the common case:
     60 s) and uncached (WIDGET_CACHE_TTL=0, every request queries the warehouse). p50 / p95 of
     each, and the difference per request;
  2. `usage_record` alone: microseconds per call (the work on the request path);
  3. the flush, off the request path: one insert of 1,000 / 10,000 rows into chDB, and (with
     REDIS_URL) one entry of the ingest stream, per flush and per row.
Print `uptime` next to the figures: the machine is shared.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup() -> None:
    var = tempfile.mkdtemp(prefix="sightline-bench-usage-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SIGHTLINE_VAR_DIR"] = var
    os.environ["CHDB_PATH"] = str(Path(var) / "chdb")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("CLICKHOUSE_URL", None)
    os.environ["EMBED_SESSION_RATE_LIMIT"] = "100000000/m"
    os.environ["EMBED_TENANT_RATE_LIMIT"] = "100000000/m"
    os.environ["USAGE_FLUSH_SECONDS"] = "1"
    import django

    django.setup()
    from django.core.management import call_command

    from warehouse.backends import get_backend
    from warehouse.schema import migrate

    call_command("migrate", verbosity=0)
    migrate(get_backend())


def seed(events: int) -> tuple[str, str]:
    from accounts.services import organization_create
    from dashboards.services import dashboard_create, dashboard_publish
    from embeds.services import Actor, SessionRequest, embed_session_create
    from embeds.tokens import EmbedPermissions
    from warehouse.events import EventRow, insert_events

    org = organization_create(name="Bench", owner_email="bench@example.com", owner_password="x")
    now = datetime.now(UTC)
    insert_events(
        [
            EventRow(
                org.organization.pk,
                "acme",
                "api.call",
                now - timedelta(seconds=(i * 7919) % (7 * 86400)),
                f"u{i % 300}",
                f"i{i}",
                {"model": ("gpt-4", "claude", "llama")[i % 3]},
                {"tokens": float(i % 1000)},
            )
            for i in range(events)
        ]
    )
    common = {"event_name": "api.call", "metric": "count"}
    spec = {
        "name": "Bench",
        "default_period": "7d",
        "widgets": [
            {"id": "w_kpi", "title": "Calls", "kind": "kpi", "chart": "stat", **common}
            | {"layout": {"x": 0, "y": 0, "w": 4, "h": 2}},
            {"id": "w_ts", "title": "Over time", "kind": "timeseries", "chart": "line", **common}
            | {"layout": {"x": 0, "y": 2, "w": 6, "h": 5}},
            {"id": "w_by", "title": "By model", "kind": "breakdown", "chart": "bar", **common}
            | {"group_by": ["model"], "layout": {"x": 6, "y": 2, "w": 6, "h": 5}},
        ],
    }
    dashboard = dashboard_create(organization=org.organization, spec=spec)
    dashboard_publish(dashboard=dashboard)
    issued = embed_session_create(
        organization=org.organization,
        request=SessionRequest(
            dashboard_id=dashboard.pk,
            tenant_id="acme",
            expires_in=3600,
            permissions=EmbedPermissions(),
            user="bench-viewer",
        ),
        actor=Actor(api_key=org.admin_key.key),
    )
    return dashboard.pk, issued.token


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def bench_requests(dashboard_id: str, token: str, rounds: int, per_round: int, ttl: int) -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from usage.recorder import usage_flush

    settings.WIDGET_CACHE_TTL = ttl
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/embed/{dashboard_id}/data"
    cache.clear()
    for _ in range(20):  # warm up: code paths, connections, the widget cache
        assert client.get(url, {"period": "7d"}).status_code == 200
    times: dict[bool, list[float]] = {False: [], True: []}
    pairs: list[float] = []  # on - off of two requests next to each other
    for index in range(rounds * per_round):
        pair = {}
        # Request by request, and which goes first alternates too (the second of two requests
        # may find warmer caches): both see the same load.
        for recording in (False, True) if index % 2 else (True, False):
            settings.USAGE_RECORDING = recording
            start = time.perf_counter()
            response = client.get(url, {"period": "7d"})
            pair[recording] = (time.perf_counter() - start) * 1000
            times[recording].append(pair[recording])
            assert response.status_code == 200, response.content
        pairs.append(pair[True] - pair[False])
    settings.USAGE_RECORDING = True
    usage_flush()
    (off50, off95), (on50, on95) = percentiles(times[False]), percentiles(times[True])
    off_mean, on_mean = statistics.fmean(times[False]), statistics.fmean(times[True])
    label = "cached widgets" if ttl else "uncached (every request queries chDB)"
    print(
        f"1. GET /embed/<id>/data, {label}, {len(times[False])} requests each:\n"
        f"   recording off: p50 {off50:.3f} ms, p95 {off95:.3f} ms, mean {off_mean:.3f} ms\n"
        f"   recording on:  p50 {on50:.3f} ms, p95 {on95:.3f} ms, mean {on_mean:.3f} ms\n"
        f"   difference per request: p50 {on50 - off50:+.3f} ms, p95 {on95 - off95:+.3f} ms, "
        f"mean {on_mean - off_mean:+.3f} ms; median of paired differences "
        f"{statistics.median(pairs):+.3f} ms"
    )


def bench_record(calls: int) -> None:
    from usage.recorder import UsageContext, usage_discard, usage_record

    usage_discard()
    start = time.perf_counter()
    for i in range(calls):
        usage_record(UsageContext("org_x", "acme", "dash_x", 1, "es_x", f"u{i % 50}"), kind="data")
    per_call = (time.perf_counter() - start) / calls * 1e6
    dropped = usage_discard()
    print(f"2. usage_record alone: {per_call:.2f} µs per call ({calls:,} calls, {dropped:,} kept)")


def bench_flush(org_id: str) -> None:
    from django.conf import settings

    from usage.recorder import UsageContext, usage_discard, usage_flush, usage_record

    modes = ["direct"]
    if os.environ.get("REDIS_URL"):
        modes.append("redis")
    stream = f"bench:usage:{os.getpid()}"
    settings.INGEST_STREAM = stream
    for mode in modes:
        settings.INGEST_BUFFER = mode
        for rows in (1_000, 10_000):
            samples = []
            for _ in range(5):
                usage_discard()
                for i in range(rows):
                    context = UsageContext(
                        org_id, f"t{i % 20}", "dash_x", 1, f"es_{i % 200}", f"u{i % 500}"
                    )
                    usage_record(context, kind="data")
                start = time.perf_counter()
                assert usage_flush() == rows
                samples.append((time.perf_counter() - start) * 1000)
            best = min(samples)
            where = "chDB insert" if mode == "direct" else "ingest stream entry"
            print(
                f"3. flush of {rows:,} rows, one {where}: best {best:.1f} ms, "
                f"median {statistics.median(samples):.1f} ms ({best / rows * 1000:.1f} µs a row)"
            )
    if "redis" in modes:
        from ingest.stream import redis_client

        redis_client().delete(stream)
    settings.INGEST_BUFFER = "direct"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=50)
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    setup()
    dashboard_id, token = seed(args.events)
    from dashboards.models import Dashboard

    org_id = Dashboard.objects.get(pk=dashboard_id).organization_id
    bench_requests(dashboard_id, token, args.rounds, args.per_round, ttl=60)
    bench_requests(dashboard_id, token, max(2, args.rounds // 4), args.per_round // 2, ttl=0)
    from django.conf import settings

    settings.USAGE_FLUSH_SECONDS = 0  # the flusher thread ends at its next wake-up (≤ 1 s)
    time.sleep(1.5)
    bench_record(100_000)
    bench_flush(org_id)
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
