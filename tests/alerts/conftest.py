"""Alerts fixtures: a REAL HTTP receiver on 127.0.0.1, a published dashboard, rule builders.

Every test here allows private webhook targets (the receiver is on loopback) except the SSRF
tests, which turn `WEBHOOK_ALLOW_PRIVATE` back off.
"""

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from django.utils import timezone

from alerts.evaluation import TICK_SECONDS, TickSummary, alerts_tick
from alerts.models import AlertRule
from alerts.services import alert_rule_create
from dashboards.models import Dashboard
from dashboards.services import dashboard_create, dashboard_publish
from tests.factories import spec, widget


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        return orjson.loads(self.body)


@dataclass
class Receiver:
    """Records every POST; answers with the queued (status, headers) replies, then 200."""

    port: int = 0
    requests: list[Received] = field(default_factory=list)
    replies: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def reply(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.replies.append((status, headers or {}))

    def payloads(self) -> list[dict[str, Any]]:
        return [request.json() for request in self.requests if request.path == "/hook"]


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.lock:
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
                status, headers = receiver.replies.popleft() if receiver.replies else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def allow_private_webhooks(settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True


WIDGETS = [
    widget("w_calls", title="Calls"),
    widget("w_latency", title="Latency", metric="avg", prop="latency_ms"),
    widget("w_errors", title="Errors", filters={"status": "error"}),
    widget("w_cost", title="Cost", metric="sum", prop="cost"),
    widget(
        "w_error_rate",
        title="Error rate",
        metric="ratio",
        ratio={
            "numerator": {"metric": "count", "filters": {"status": "error"}},
            "denominator": {"metric": "count"},
        },
    ),
]


@pytest.fixture
def dashboard(org) -> Dashboard:
    """A published dashboard with a count, an avg, a filtered count and a sum widget."""
    created = dashboard_create(
        organization=org.organization, spec=spec("Usage", widgets=WIDGETS, default_period="24h")
    )
    dashboard_publish(dashboard=created)
    created.refresh_from_db()
    return created


@pytest.fixture
def make_rule(org, dashboard, receiver):
    """make_rule(operator, threshold, **fields): a rule on `dashboard`, webhook to `receiver`."""

    def make(operator: str = "gt", threshold: float = 2, **fields: Any) -> AlertRule:
        values = {
            "name": "Too many calls",
            "dashboard_id": dashboard.pk,
            "widget_id": "w_calls",
            "operator": operator,
            "threshold_value": threshold,
            "webhook_url": receiver.url,
            "window": "1h",
            **fields,
        }
        return alert_rule_create(organization=org.organization, **values)

    return make


class Clock:
    """Explicit tick times: every `tick()` runs one evaluation one minute after the last."""

    def __init__(self) -> None:
        self.now: datetime = timezone.now()

    def tick(self, minutes: int = 1) -> TickSummary:
        self.now += timedelta(seconds=TICK_SECONDS * minutes)
        return alerts_tick(now=self.now)


@pytest.fixture
def clock() -> Clock:
    return Clock()
