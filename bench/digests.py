"""Digest e-mails for 1,000 subscriptions, charts included, printed as figures (a benchmark,
never a test).

    .venv/bin/python bench/digests.py [--subscriptions 1000] [--chart-scale 2] [--workers N]

Data: bench/query.py's data set (10 million events, 200 tenants, 90 days, reused from
bench/out/ or built there first). Configuration: the embedded default's SQLite under
bench/out/digests-var.

Set-up (untimed): two published dashboards of organization `org_bench`:
  A "API usage": 4 KPIs (count, p95 latency as a duration, unique users, tokens), a line chart,
    a stacked bar chart by model, a bar breakdown by model, a donut by region, a table
    (model x endpoint): 4 PNG charts;
  B "Models": 2 KPIs (tokens, error rate as a percent), an area chart, a list by endpoint, a
    funnel (signup -> api.call): 1 PNG chart.
Five subscriptions per tenant (200 tenants: 1,000), as viewers of one customer subscribe:
  two people to A daily (the same grant), A weekly, A daily with a locked region, and B weekly
  with a locked model, German locale and the dark theme.
Timed: `subscriptions.digest.compose_digests` over all of them, the function the digest job
calls (the messages are built, not sent), with the Node chart workers already started (a first
run warms them and fills nothing else: every widget read is uncached, a fresh version key is not
needed because the data cache is off). Printed: total and per digest; the split into data
reads, the wait for renders after the last read, MIME building, encoding every message to bytes
(what sending does), and the renderers' busy time summed over the workers; the number of data
reads and renders; the CPU seconds this process (Python and chDB) and the Node workers used,
whose half is the least wall time two idle cores would need; the load average.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from query import EVENTS, ORG, OUT, TENANTS, ensure_data  # noqa: E402

REGIONS = ("eu", "us", "apac")
MODELS = ("gpt-4", "gpt-4o", "claude", "llama", "mistral", "gemini", "qwen")


def _kpi(widget_id: str, title: str, x: int, **fields) -> dict:
    return {
        "id": widget_id,
        "title": title,
        "kind": "kpi",
        "event_name": "api.call",
        "layout": {"x": x, "y": 0, "w": 3, "h": 2},
        **fields,
    }


def _chart(widget_id: str, title: str, kind: str, chart: str, y: int, **fields) -> dict:
    return {
        "id": widget_id,
        "title": title,
        "kind": kind,
        "chart": chart,
        "event_name": "api.call",
        "layout": {"x": 0, "y": y, "w": 12, "h": 4},
        **fields,
    }


USAGE = {
    "name": "API usage",
    "default_period": "7d",
    "widgets": [
        _kpi("w_calls", "Calls", 0),
        _kpi(
            "w_p95",
            "p95 latency",
            3,
            metric="p95",
            property="latency_ms",
            format={"unit": "duration"},
        ),
        _kpi("w_users", "Active users", 6, metric="count_unique"),
        _kpi("w_tokens", "Tokens", 9, metric="sum", property="tokens"),
        _chart("w_trend", "Calls over time", "timeseries", "line", 2),
        _chart(
            "w_by_model",
            "Calls by model",
            "timeseries",
            "stacked_bar",
            6,
            group_by=["model"],
            limit=5,
        ),
        _chart("w_models", "Top models", "breakdown", "bar", 10, group_by=["model"]),
        _chart("w_regions", "Regions", "breakdown", "donut", 14, group_by=["region"]),
        _chart(
            "w_table",
            "Models and endpoints",
            "table",
            "table",
            18,
            group_by=["model", "endpoint"],
            limit=10,
            metrics=[{"metric": "count"}, {"metric": "avg", "property": "latency_ms"}],
        ),
    ],
}
MODELS_DASHBOARD = {
    "name": "Models",
    "default_period": "7d",
    "theme": {"primaryColor": "#7c3aed"},
    "widgets": [
        _kpi("w_tokens", "Tokens", 0, metric="sum", property="tokens"),
        _kpi(
            "w_errors",
            "Error rate",
            3,
            metric="ratio",
            format={"unit": "percent"},
            ratio={
                "numerator": {"metric": "count", "filters": {"status": "error"}},
                "denominator": {"metric": "count"},
            },
        ),
        _chart(
            "w_tokens_trend",
            "Tokens over time",
            "timeseries",
            "area",
            2,
            metric="sum",
            property="tokens",
        ),
        _chart("w_endpoints", "Endpoints", "breakdown", "list", 6, group_by=["endpoint"]),
        _chart(
            "w_funnel",
            "Sign-up to first call",
            "funnel",
            "funnel",
            10,
            event_name="signup",
            metric="count_unique",
            steps=["signup", "api.call"],
        ),
    ],
}


def setup_django(out: Path) -> None:
    """bench/query.py's warehouse (chDB under `out`), our own configuration database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SIGHTLINE_VAR_DIR"] = str(out / "digests-var")
    os.environ["CHDB_PATH"] = str(out / "chdb")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build(count: int) -> list:
    from django.core.management import call_command

    from accounts.models import Organization
    from dashboards.models import Dashboard
    from dashboards.services import dashboard_create, dashboard_publish
    from subscriptions.digest import DigestGrant, DigestItem

    call_command("migrate", verbosity=0)
    organization, _ = Organization.objects.get_or_create(id=ORG, defaults={"name": "Bench"})
    Dashboard.objects.filter(organization=organization).delete()
    usage = dashboard_create(organization=organization, spec=USAGE)
    models = dashboard_create(organization=organization, spec=MODELS_DASHBOARD)
    for dashboard in (usage, models):
        dashboard_publish(dashboard=dashboard)

    def grant(dashboard, tenant: str, period: str, **fields) -> DigestGrant:
        values = {
            "org_id": ORG,
            "dashboard_id": dashboard.pk,
            "tenant_id": tenant,
            "locked_filters": {},
            "hidden_widgets": (),
            "widget_id": None,
            "period": period,
            "timezone": "Europe/Paris",
            "locale": "en-US",
            "theme": {},
        }
        return DigestGrant(**{**values, **fields})

    items = []
    for index in range(TENANTS):
        tenant = f"tenant_{index}"
        daily = grant(usage, tenant, "24h")
        grants = [
            daily,
            daily,
            grant(usage, tenant, "7d"),
            grant(usage, tenant, "24h", locked_filters={"region": REGIONS[index % 3]}),
            grant(
                models,
                tenant,
                "7d",
                locked_filters={"model": MODELS[index % 7]},
                locale="de-DE",
                theme={"mode": "dark"},
            ),
        ]
        for number, g in enumerate(grants):
            items.append(
                DigestItem(
                    grant=g,
                    to=f"viewer{number}@{tenant}.example.com",
                    link_url=f"https://app.example.com/{tenant}/reports",
                    unsubscribe_url=f"https://sightline.example.com/s/u/{tenant}-{number}",
                )
            )
    return items[:count]


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a live process (Linux /proc)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--chart-scale", type=float, default=None, help="PNG px per CSS px")
    parser.add_argument("--workers", type=int, default=None, help="Node chart workers")
    parser.add_argument("--events", type=int, default=EVENTS, help="(smaller for a smoke run)")
    parser.add_argument("--out", type=Path, default=OUT, help="the chDB data directory's parent")
    parser.add_argument("--save", type=Path, default=None, help="write the first messages here")
    args = parser.parse_args()
    if args.workers:
        os.environ["CHART_WORKERS"] = str(args.workers)
    setup_django(args.out)
    ensure_data(args.events)

    from django.conf import settings
    from django.test.utils import override_settings

    import subscriptions.digest as digest

    if args.chart_scale:
        digest.CHART_SCALE = args.chart_scale
    items = build(args.subscriptions)
    dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    with override_settings(CACHES={"default": dummy}):  # every widget read from the warehouse
        digest.compose_digests(items[:5])  # warm: the Node workers start, specs are parsed
        load_before = os.getloadavg()
        timings: dict = {}
        pool = digest.chart_pool()
        node_before = sum(_cpu_seconds(worker.pid) for worker in pool.workers)
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        messages = digest.compose_digests(items, timings=timings)
        composed = time.perf_counter() - started
        sent = [m for m in messages if not isinstance(m, digest.DigestSkipped)]
        sizes = [len(m.message().as_bytes()) for m in sent]  # what sending will encode
        total = time.perf_counter() - started
        load_after = os.getloadavg()
        own_after = resource.getrusage(resource.RUSAGE_SELF)
        node_cpu = sum(_cpu_seconds(worker.pid) for worker in pool.workers) - node_before
    own_cpu = (own_after.ru_utime - own_before.ru_utime) + (
        own_after.ru_stime - own_before.ru_stime
    )
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for number, message in enumerate(sent[:5]):
            (args.save / f"digest-{number}.eml").write_bytes(message.message().as_bytes())
    print(
        f"{len(items)} subscriptions, {len(sent)} digests composed "
        f"({len(messages) - len(sent)} skipped), {settings.CHART_WORKERS} Node chart workers, "
        f"charts at {digest.CHART_SCALE:g}x"
    )
    print(f"   {timings['groups']} data reads (shared per grant), {timings['renders']} renders")
    print(f"total {total:.1f} s, {total / len(items) * 1000:.1f} ms per digest")
    print(
        f"   data reads {timings['data']:.1f} s (main thread; renders run meanwhile), "
        f"wait for the last renders {timings['render']:.1f} s, MIME {timings['mime']:.1f} s "
        f"(compose_digests {composed:.1f} s) + encoding every message {total - composed:.1f} s"
    )
    print(f"   renderers busy {timings['render_busy']:.1f} s summed over the workers")
    print(f"   message size {sum(sizes) / len(sizes) / 1024:.0f} KB on average")
    print(
        f"CPU used: {own_cpu:.1f} s by this process (Python and chDB), {node_cpu:.1f} s by the "
        f"Node workers; {(own_cpu + node_cpu) / 2:.1f} s of wall time at least on 2 idle cores "
        f"({(own_cpu + node_cpu) / len(items) * 1000:.0f} ms CPU per digest)"
    )
    print(
        "load average before {:.1f} {:.1f} {:.1f}, after {:.1f} {:.1f} {:.1f}".format(
            *load_before, *load_after
        )
    )


if __name__ == "__main__":
    main()
