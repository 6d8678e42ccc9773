"""Embed figures, printed (a benchmark, never a test).

    .venv/bin/python bench/embed.py [--navigations 10] [--sessions 2000] [--verifications 5000]

Data: bench/query.py's data set (10 million events, 200 tenants, 90 days in a chDB directory
under bench/out/, built by that script on first use; `--events` makes a smaller one). Its
6-widget dashboard (kpi count, timeseries, breakdown, table, kpi p95, kpi count_unique) is
published for organization `org_bench`; the configuration database is SQLite under
bench/out/embed-var/ (the embedded default) unless DATABASE_URL says otherwise.

  1. sessions issued per second: `embed_session_create` (the service: dashboard check, JWT,
     audit row) and `POST /v1/embed-sessions` through Django (plus API key auth, DRF, validation);
  2. token verifications per second: the JWT alone (`token_decode`), and the complete check every
     embed request makes (`embed_session_verify`: JWT, one read of the dashboard, organization
     and revocation version, revocations and signing keys from the per-process state of that
     version), with the same token (an embed page's requests; its signature checked once per
     process) and with a new token each call;
  3. navigation -> `ready` for the dashboard in Debian's Chromium: a host page on another origin
     embeds it through /sdk/embed.js, served by waitress in this process (one process: chDB).
     Time from the host page's navigation start to the helper's `ready` event, and the bytes
     transferred (all requests: host page, helper, embed page, CSS, JS, ECharts, data) as
     served (WhiteNoise sends the .gz twins scripts/build-static.mjs writes). Cold: a tenant
     whose widgets are not cached yet and an empty browser cache; warm: widgets cached on the
     server, empty browser cache; returning: widgets cached on the server and a browser
     context that showed the page twice before (its HTTP cache holds the hashed files; a
     Playwright context is off the record, and Chromium keeps no V8 code cache there, so this
     is the HTTP cache alone: on loopback it saves little, a real network more).
     Each navigation opens a new browser context, that is a new window, and Chromium's
     headless window loads its omnibox popup (a WebUI renderer, ~0.5 s of CPU) while the embed
     loads: `--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup` keeps it off, so the
     page does not compete with it for the 2 cores (a viewer's browser did that when its
     window opened, not when the embed loads).
"""

import argparse
import functools
import http.server
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import query as query_bench  # noqa: E402 - bench/query.py: its data set and dashboard

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The headless window's omnibox popup (a WebUI renderer started with every new window, so
    # with every context of this bench): not part of any embed's load. See the docstring.
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup",
]
HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body style="margin:0"><div id="box"></div><script src="{server}/sdk/embed.js"></script>
<script>
  window.readyAt = null;
  Sightline.create({{container: "#box", embedUrl: decodeURIComponent(location.hash.slice(1))}})
    .on("ready", function (ready) {{
      window.readyAt = performance.now();
      window.pageLoadMs = ready.load_ms;  // the page's own figure, from its navigation start
    }})
    .on("error", function (e) {{ window.failed = e; }});
</script></body></html>"""
# The embed frame's own timeline (ms from its navigation start): HTML received, the last
# script received (ECharts), first contentful paint, and when the page itself saw all widgets
# drawn (its `ready`).
FRAME_TIMELINE = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const scripts = performance.getEntriesByType("resource").filter((e) => e.name.endsWith(".js"));
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {
    origin: performance.timeOrigin,
    html: nav.responseEnd,
    scripts: Math.max(0, ...scripts.map((e) => e.responseEnd)),
    fcp: paint ? paint.startTime : 0,
  };
}"""
LAYOUTS = [(0, 0, 4, 2), (4, 0, 4, 2), (8, 0, 4, 2), (0, 2, 6, 5), (6, 2, 6, 5), (0, 7, 12, 5)]


def setup(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["SIGHTLINE_VAR_DIR"] = str(args.out / "embed-var")
    os.environ["CHDB_PATH"] = str(args.out / "chdb")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.navigations:  # sessions and verifications never touch the warehouse
        query_bench.ensure_data(args.events)


def sqlite_journal() -> str:
    """What the configuration database runs with: settings' `init_command` (WAL,
    synchronous=NORMAL) on every connection, as shipped."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return ""
    with connection.cursor() as cursor:
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = cursor.execute("PRAGMA synchronous").fetchone()[0]
    return f" (journal {mode}, synchronous {['OFF', 'NORMAL', 'FULL', 'EXTRA'][synchronous]})"


def bench_spec() -> dict[str, Any]:
    """bench/query.py's dashboard, laid out like a real one (KPIs on top)."""
    order = ["w_calls", "w_p95", "w_users", "w_trend", "w_models", "w_table"]
    widgets = {w["id"]: dict(w) for w in query_bench.SPEC["widgets"]}
    for widget_id, (x, y, w, h) in zip(order, LAYOUTS, strict=True):
        widgets[widget_id]["layout"] = {"x": x, "y": y, "w": w, "h": h}
    return {**query_bench.SPEC, "widgets": [widgets[i] for i in order], "default_period": "30d"}


def publish() -> tuple[Any, Any, Any]:
    """(organization, admin key, dashboard) of org_bench, created once."""
    from accounts.models import KeyScope, Organization
    from accounts.services import api_key_create
    from dashboards.models import Dashboard
    from dashboards.services import dashboard_create, dashboard_publish

    organization, _ = Organization.objects.get_or_create(
        pk=query_bench.ORG, defaults={"name": "Bench"}
    )
    key = api_key_create(organization=organization, scope=KeyScope.ADMIN, name="bench")
    Dashboard.objects.filter(organization=organization).delete()
    dashboard = dashboard_create(organization=organization, spec=bench_spec())
    return organization, key, dashboard_publish(dashboard=dashboard).dashboard


@dataclass(frozen=True)
class Rate:
    """Calls per second of wall time, and per second of this process's CPU time: on a shared,
    loaded machine the second is closer to what one quiet process would do (SQLite runs
    in-process, so its work is counted; a PostgreSQL server's is not)."""

    wall: float
    cpu: float
    load: float  # the 1-minute load average when it ended

    def __str__(self) -> str:
        return f"{self.wall:,.0f}/s wall, {self.cpu:,.0f}/s per CPU-second (load {self.load:.1f})"


def rate(fn: Callable[[int], object], count: int) -> Rate:
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        fn(i)
    return Rate(
        wall=count / (time.perf_counter() - wall),
        cpu=count / (time.process_time() - cpu),
        load=os.getloadavg()[0],
    )


def session_request(dashboard: Any, tenant: str, expires_in: int = 3600) -> Any:
    from embeds.services import SessionRequest
    from embeds.tokens import EmbedPermissions

    permissions = EmbedPermissions(
        allowed_periods=("24h", "7d", "30d", "90d"), allow_drill_down=True
    )
    return SessionRequest(
        dashboard_id=dashboard.pk, tenant_id=tenant, expires_in=expires_in, permissions=permissions
    )


def bench_sessions(organization: Any, key: Any, dashboard: Any, count: int) -> None:
    from django.test import Client

    from embeds.services import Actor, embed_session_create

    actor = Actor(api_key=key.key, ip="127.0.0.1")
    embed_session_create(
        organization=organization, request=session_request(dashboard, "tenant_0"), actor=actor
    )
    service = rate(
        lambda i: embed_session_create(
            organization=organization,
            request=session_request(dashboard, f"tenant_{i % 200}"),
            actor=actor,
        ),
        count,
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key.secret}")
    body = {
        "tenant_id": "tenant_1",
        "dashboard_id": dashboard.pk,
        "permissions": {"allowed_periods": ["30d"]},
    }

    def http(i: int) -> None:
        response = client.post("/v1/embed-sessions", body, content_type="application/json")
        assert response.status_code == 201, response.content

    over_http = rate(http, count // 2)
    wsgi = _wsgi_post(key.secret, body)
    through_handler = rate(lambda i: wsgi(), count)
    print(f"1. sessions issued, one thread: service {service}")
    print(f"   POST /v1/embed-sessions, Django's test client (full middleware): {over_http}")
    print(f"   POST /v1/embed-sessions, config.wsgi.application (API handler): {through_handler}")


def _wsgi_post(secret: str, body: dict) -> Callable[[], None]:
    """One request through the production WSGI callable, minus the HTTP server's parsing."""
    import io
    import json
    from wsgiref.util import setup_testing_defaults

    from config.wsgi import application

    payload = json.dumps(body).encode()

    def post() -> None:
        environ: dict[str, Any] = {}
        setup_testing_defaults(environ)
        environ.update(
            REQUEST_METHOD="POST", PATH_INFO="/v1/embed-sessions", CONTENT_TYPE="application/json",
            CONTENT_LENGTH=str(len(payload)), HTTP_AUTHORIZATION=f"Bearer {secret}",
            SERVER_NAME="localhost", HTTP_HOST="localhost", **{"wsgi.input": io.BytesIO(payload)},
        )  # fmt: skip
        status: list[str] = []
        b"".join(application(environ, lambda s, h, e=None: status.append(s)))
        assert status[0].startswith("201"), status

    return post


def bench_verifications(organization: Any, dashboard: Any, count: int) -> None:
    from embeds.selectors import embed_session_verify, signing_secret_for
    from embeds.services import Actor, embed_session_create
    from embeds.tokens import token_decode

    token = embed_session_create(
        organization=organization, request=session_request(dashboard, "tenant_2"), actor=Actor()
    ).token
    jwt_only = rate(lambda i: token_decode(token, secret_for=signing_secret_for), count)
    complete = rate(lambda i: embed_session_verify(token=token, dashboard_id=dashboard.pk), count)
    tokens = [
        embed_session_create(
            organization=organization,
            request=session_request(dashboard, f"tenant_{i % 200}"),
            actor=Actor(),
        ).token
        for i in range(count // 5)
    ]
    distinct = rate(
        lambda i: embed_session_verify(token=tokens[i], dashboard_id=dashboard.pk), len(tokens)
    )
    print(f"2. token verifications: JWT only {jwt_only}")
    print(f"   complete, the same token (an embed page's requests): {complete}")
    print(f"   complete, a new token each call: {distinct}")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def serve_threads(directory: str) -> tuple[str, str, Callable[[], None]]:
    """waitress with the Django app on localhost, a static server for the host page on 127.0.0.1."""
    from django.core.wsgi import get_wsgi_application
    from waitress import create_server

    app_server = create_server(get_wsgi_application(), host="127.0.0.1", port=0, threads=8)
    host_server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=directory)
    )
    for target in (app_server.run, host_server.serve_forever):
        threading.Thread(target=target, daemon=True).start()

    def stop() -> None:
        host_server.shutdown()
        app_server.close()

    return (
        f"http://localhost:{app_server.effective_port}",
        f"http://127.0.0.1:{host_server.server_address[1]}",
        stop,
    )


def navigate(browser: Any, host: str, embed_url: str, *, earlier: int = 0) -> dict[str, float]:
    """One navigation in a new browser context, after `earlier` views of the same URL in it."""
    from playwright.sync_api import Error as PlaywrightError

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for _ in range(earlier):
        _view(page, host, embed_url)
    responses: list[Any] = []
    page.on("requestfinished", lambda request: responses.append(request))
    _view(page, host, embed_url)
    if page.evaluate("window.failed || null"):
        raise RuntimeError(f"embed failed: {page.evaluate('window.failed')}")
    ready_ms = page.evaluate("window.readyAt")
    frame = next(f for f in page.frames if f != page.main_frame)
    timeline = frame.evaluate(FRAME_TIMELINE)
    timeline["frame_start"] = timeline.pop("origin") - page.evaluate("performance.timeOrigin")
    timeline["page_ready"] = page.evaluate("window.pageLoadMs || 0")
    served = decoded = 0
    for request in responses:
        sizes = request.sizes()
        response = request.response()
        served += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        try:
            decoded += len(response.body()) if response else 0
        except PlaywrightError:  # a body Chromium no longer holds (rare): counted as served only
            pass
    context.close()
    return {
        "ready_ms": ready_ms,
        "served": served,
        "decoded": decoded,
        "requests": len(responses),
        **timeline,
    }


def _view(page: Any, host: str, embed_url: str) -> None:
    page.goto(f"{host}/host.html#{embed_url}")
    # The host page records `ready` itself (performance.now() in the handler): polling every
    # 50 ms instead of every frame only saves the page the checks' CPU.
    page.wait_for_function("window.readyAt !== null || window.failed", timeout=60_000, polling=50)


def _median(samples: list[dict[str, float]], key: str) -> float:
    values = sorted(s[key] for s in samples)
    return values[len(values) // 2]


def bench_navigation(organization: Any, dashboard: Any, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    from embeds.services import Actor, embed_session_create

    with tempfile.TemporaryDirectory() as directory:
        server, host, stop = serve_threads(directory)
        Path(directory, "host.html").write_text(HOST_PAGE.format(server=server))
        organization.allowed_embed_origins = [host]
        organization.save(update_fields=["allowed_embed_origins"])

        def url_for(tenant: str) -> str:
            issued = embed_session_create(
                organization=organization, request=session_request(dashboard, tenant), actor=Actor()
            )
            return f"{server}/embed/{dashboard.pk}?token={issued.token}"

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                navigate(
                    browser, host, url_for("tenant_199")
                )  # first-ever costs: imports, chDB marks
                # Interleaved, so that both see the same machine and the same browser age: a
                # tenant's first view (cold), then its second (warm), for each tenant in turn.
                cold, warm, returning = [], [], []
                for i in range(runs):
                    cold.append(navigate(browser, host, url_for(f"tenant_{100 + i}")))
                    warm.append(navigate(browser, host, url_for(f"tenant_{100 + i}")))
                    url = url_for(f"tenant_{100 + i}")
                    returning.append(navigate(browser, host, url, earlier=2))
                browser.close()
        finally:
            stop()
    for label, samples in (
        ("cold (server widgets uncached)", cold),
        ("warm (server widgets cached)", warm),
        ("returning viewer (server cached, browser HTTP cache warm)", returning),
    ):
        times = sorted(s["ready_ms"] for s in samples)
        median = times[len(times) // 2]
        print(
            f"3. navigation -> ready, {label}: "
            f"p50 {median:.0f} ms, max {times[-1]:.0f} ms (n={len(times)}); "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print(
            f"   p50: the frame starts {_median(samples, 'frame_start'):.0f} ms after the host "
            f"page; from the frame's start: HTML in at {_median(samples, 'html'):.0f} ms, "
            f"scripts in at {_median(samples, 'scripts'):.0f}, first contentful paint "
            f"{_median(samples, 'fcp'):.0f}, every widget drawn (the page's load_ms) "
            f"{_median(samples, 'page_ready'):.0f}"
        )
    sample = warm[-1]
    print(
        f"   transferred per view: {sample['served'] / 1024:,.0f} KB on the wire with headers "
        f"({sample['decoded'] / 1024:,.0f} KB decoded, {sample['requests']} requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--navigations", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--verifications", type=int, default=5000)
    parser.add_argument(
        "--events", type=int, default=query_bench.EVENTS, help="(smaller for a smoke run)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="the chDB data directory's parent")
    args = parser.parse_args()
    setup(args)
    from django.conf import settings

    organization, key, dashboard = publish()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"config database: {engine}{sqlite_journal()}; load average {os.getloadavg()[0]:.1f}")
    bench_sessions(organization, key, dashboard, args.sessions)
    bench_verifications(organization, dashboard, args.verifications)
    if args.navigations:
        bench_navigation(organization, dashboard, args.navigations)


if __name__ == "__main__":
    main()
