"""One full alert evaluation tick, printed as figures (a benchmark, never a test).

    .venv/bin/python bench/alerts.py [--rules 1000] [--widgets 20] [--database-url URL]

Data: bench/query.py's data set (10 million events, 200 tenants, 90 days, reused from
bench/out/ or built there first). Configuration: the embedded default's SQLite under
bench/out/alerts-var, or PostgreSQL with --database-url (the production configuration database).

Set-up (untimed): dashboards with `--widgets` distinct published widgets (count, count_unique,
sum, avg, p95 over different events, filters and windows) and `--rules` rules spread over them,
thresholds at random per-tenant quantiles so that a few percent of (rule, tenant) pairs fire.
Timed: `alerts.evaluation.alerts_tick`, the function the 60-second job runs:
  1. the first tick (cold: a state row per (rule, tenant) is created, the initial firings
     are recorded and their deliveries written);
  2. steady ticks (the typical minute: nothing changes);
  3. the worst case, every rule on its own widget (`--widgets` = `--rules`), if asked with
     --worst-case.
Deliveries are handed to a collector (as Celery would be): sending is not part of the tick.
A last figure sends some of them to a local HTTP receiver: per-delivery latency.
"""

import argparse
import os
import random
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from query import EVENTS, ORG, OUT, ensure_data  # noqa: E402

WINDOWS = ("1h", "24h", "7d")
EVENT_NAMES = ("api.call", "page.view", "signup")
METRICS = (
    ("count", None),
    ("count_unique", None),
    ("sum", "tokens"),
    ("avg", "latency_ms"),
    ("p95", "latency_ms"),
)
FILTERS = (
    {},
    {"status": "error"},
    {"region": "eu"},
    {"region": "us"},
    {"model": "gpt-4"},
    {"model": "claude"},
    {"endpoint": "/chat"},
)
WIDGETS_PER_DASHBOARD = 50


def setup_django(out: Path) -> None:
    """bench/query.py's warehouse (chDB under `out`), our own configuration database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SIGHTLINE_VAR_DIR"] = str(out / "alerts-var")
    os.environ["CHDB_PATH"] = str(out / "chdb")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def distinct_widgets(count: int) -> list[dict]:
    combos = [
        (event_name, metric, prop, filters)
        for filters in FILTERS
        for event_name in EVENT_NAMES
        for metric, prop in METRICS
    ]
    widgets = []
    for index in range(count):
        event_name, metric, prop, filters = combos[index % len(combos)]
        extra = {} if index < len(combos) else {"user_tier": f"t{index // len(combos)}"}
        widgets.append(
            {
                "id": f"w_{index}",
                "title": f"{metric} {event_name} {filters}",
                "kind": "kpi",
                "event_name": event_name,
                "metric": metric,
                "property": prop,
                # Past the distinct combinations, a filter on a property the data never has:
                # still a distinct query that scans (and matches nothing).
                "filters": {**filters, **extra},
            }
        )
    return widgets


def build(rules: int, widget_count: int, webhook_url: str) -> list:
    from accounts.models import Organization
    from alerts.models import AlertRule
    from alerts.services import alert_rule_create
    from dashboards.models import Dashboard
    from dashboards.services import dashboard_create, dashboard_publish
    from dashboards.spec import parse_spec
    from warehouse.scope import DangerousOrgWideScope
    from warehouse.tenant_metrics import metrics_by_tenant

    organization, _ = Organization.objects.get_or_create(id=ORG, defaults={"name": "Bench"})
    AlertRule.objects.filter(organization=organization).delete()
    Dashboard.objects.filter(organization=organization).delete()
    widgets = distinct_widgets(widget_count)
    placed = []  # (dashboard, widget spec, window)
    for start in range(0, len(widgets), WIDGETS_PER_DASHBOARD):
        chunk = widgets[start : start + WIDGETS_PER_DASHBOARD]
        spec = {"name": f"Bench {start // WIDGETS_PER_DASHBOARD}", "widgets": chunk}
        dashboard = dashboard_create(organization=organization, spec=spec)
        dashboard_publish(dashboard=dashboard)
        for widget in parse_spec(spec).widgets:
            placed.append((dashboard, widget, WINDOWS[len(placed) % len(WINDOWS)]))

    from django.utils import timezone

    from core.periods import ALERT_WINDOWS as WINDOW_LENGTHS

    now = timezone.now()
    values = {}
    for window in WINDOWS:  # per-tenant values, to pick firing thresholds (one scan per event)
        watched = [widget for _, widget, w in placed if w == window]
        results = metrics_by_tenant(
            [widget.query for widget in watched],
            scope=DangerousOrgWideScope(ORG),
            start=now - WINDOW_LENGTHS[window],
            end=now,
        )
        for widget, by_tenant in zip(watched, results, strict=True):
            numbers = (float(v) for v in by_tenant.values() if v is not None)
            values[widget.id] = sorted(v for v in numbers if v == v) or [0.0]
    rng = random.Random(42)
    created = []
    for index in range(rules):
        dashboard, widget, window = placed[index % len(placed)]
        tenant_values = values[widget.id]
        above = rng.random() < 0.8
        quantile = rng.uniform(0.93, 1.0) if above else rng.uniform(0.0, 0.07)
        threshold = tenant_values[min(int(quantile * len(tenant_values)), len(tenant_values) - 1)]
        created.append(
            alert_rule_create(
                organization=organization,
                name=f"Bench rule {index}",
                dashboard_id=dashboard.pk,
                widget_id=widget.id,
                operator="gt" if above else "lt",
                threshold_value=threshold,
                webhook_url=webhook_url,
                window=window,
                renotify_minutes=60 if index % 4 == 0 else None,
            )
        )
    return created


def start_receiver() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


def run_ticks(label: str, ticks: int) -> list[str]:
    from django.utils import timezone

    from alerts.evaluation import TICK_SECONDS, alerts_tick

    collected: list[str] = []
    now = timezone.now()
    for number in range(ticks):
        at = now + timedelta(seconds=TICK_SECONDS * number)
        started = time.perf_counter()
        summary = alerts_tick(now=at, dispatch=collected.append)
        took = time.perf_counter() - started
        kind = "first (cold)" if number == 0 else "steady"
        other_ms = summary.duration_ms - summary.query_ms
        print(
            f"{label}, tick {number + 1} {kind:<13} {took:6.2f} s   "
            f"rules {summary.rules_evaluated}, queries {summary.queries} "
            f"({summary.query_ms / 1000:.2f} s warehouse, {other_ms / 1000:.2f} s state + db), "
            f"transitions {summary.transitions}, deliveries {summary.deliveries}"
        )
    return collected


def send_some(delivery_ids: list[str], count: int) -> None:
    from alerts.delivery import delivery_attempt

    samples = []
    for delivery_id in delivery_ids[:count]:
        started = time.perf_counter()
        delivery_attempt(delivery_id=delivery_id)
        samples.append((time.perf_counter() - started) * 1000)
    if samples:
        samples.sort()
        p50, p95 = samples[len(samples) // 2], samples[int(len(samples) * 0.95)]
        print(
            f"delivery: {len(samples)} signed webhooks to a local receiver, "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms each (claim, POST, attempt row)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--widgets", type=int, default=20, help="distinct widgets the rules use")
    parser.add_argument("--ticks", type=int, default=3)
    parser.add_argument("--worst-case", action="store_true", help="also: one widget per rule")
    parser.add_argument("--database-url", default="", help="PostgreSQL, e.g. postgres://…/db")
    parser.add_argument("--events", type=int, default=EVENTS, help="(smaller for a smoke run)")
    parser.add_argument("--out", type=Path, default=OUT, help="the chDB data directory's parent")
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ["WEBHOOK_ALLOW_PRIVATE"] = "true"  # the receiver is on loopback
    setup_django(args.out)

    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    ensure_data(args.events)
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    server, webhook_url = start_receiver()

    cases = [(args.widgets, "shared widgets")]
    if args.worst_case:
        cases.append((args.rules, "one widget per rule"))
    delivery_ids: list[str] = []
    for widget_count, name in cases:
        started = time.perf_counter()
        build(args.rules, widget_count, webhook_url)
        print(
            f"set-up: {args.rules} rules on {widget_count} widgets ({name}), "
            f"config db {database}, {time.perf_counter() - started:.0f} s (untimed)"
        )
        delivery_ids = run_ticks(f"{args.rules} rules / {widget_count} widgets", args.ticks)
    send_some(delivery_ids, 200)
    server.shutdown()


if __name__ == "__main__":
    main()
