"""The alerts console in Debian's Chromium: create an alert on a published widget, send a test
to a real local receiver, let a tick fire it, read the history, disable it. Screenshots at 1280
and 390 px go to tests/browser/screenshots/."""

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache

from accounts.services import organization_create
from alerts.evaluation import alerts_tick
from alerts.models import AlertRule
from core.ids import new_id
from dashboards.services import dashboard_create, dashboard_publish
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.factories import event, insert, spec, widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser_page):
    browser_page.on("dialog", lambda dialog: dialog.accept())
    return browser_page


@pytest.fixture
def receiver():
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def shoot(page, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("mobile", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        screenshot(page, f"alerts-{name}-{label}")
        overflow = page.evaluate(
            """() => [...document.querySelectorAll("main *")]
                .filter(el => el.getBoundingClientRect().right > innerWidth + 1)
                .slice(0, 5).map(el => el.tagName + "." + el.className)"""
        )
        assert not overflow, f"{name} overflows at {label} width: {overflow}"
    page.set_viewport_size(DESKTOP)


def test_create_test_fire_history_disable(page, live_server, receiver, settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = True
    cache.clear()  # locmem, this process only: no tick lock left from another test
    url, received = receiver
    created = organization_create(
        name="Initech", owner_email=f"{new_id('u')}@initech.example", owner_password="pw-Strong-123"
    )
    org_id = created.organization.pk
    widgets = [widget("w_errors", title="Errors", filters={"status": "error"}), widget("w_calls")]
    dashboard = dashboard_create(
        organization=created.organization, spec=spec("API", widgets=widgets)
    )
    dashboard_publish(dashboard=dashboard)
    at = datetime.now(UTC) - timedelta(minutes=2)
    insert(
        event(org_id=org_id, tenant_id=tenant, timestamp=at, string_props={"status": "error"})
        for tenant, count in (("acme", 7), ("globex", 1))
        for _ in range(count)
    )

    page.goto(f"{live_server.url}/app/login")
    page.get_by_label("Email").fill(created.owner.email)
    page.get_by_label("Password").fill("pw-Strong-123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Alerts").click()
    page.get_by_role("link", name="New alert").first.click()
    page.get_by_label("Name").fill("Error spike")
    page.get_by_label("Widget").select_option(f"{dashboard.pk}:w_errors")
    page.get_by_label("When the value is").select_option("gte")
    page.get_by_label("Threshold").fill("5")
    page.get_by_label("Computed over").select_option("1h")
    page.get_by_label("Webhook URL").fill("ftp://nope")
    page.get_by_role("button", name="Create alert").click()
    assert page.get_by_text("Only http and https URLs are allowed.").is_visible()
    page.js_errors.clear()  # the form's expected 400, logged by Chromium as a failed load
    shoot(page, "form-error")
    page.get_by_label("Webhook URL").fill(url)
    page.get_by_label("E-mail to").fill("ops@initech.example")
    page.get_by_role("button", name="Create alert").click()

    rule = AlertRule.objects.get(organization_id=org_id)
    row = page.locator(f"#alert-{rule.pk}")
    assert "value ≥ 5" in row.inner_text()
    row.get_by_role("button", name="Send test").click()
    page.get_by_text("Test sent.").wait_for()
    assert len(received) == 1 and b'"test":true' in received[0]

    summary = alerts_tick()  # the minute job, in this process: the live server shares the DB
    assert summary.transitions == 1 and len(received) == 2
    page.reload()
    assert "Firing · 1 tenant" in page.locator(f"#alert-{rule.pk}").inner_text()
    shoot(page, "list")

    page.locator(f"#alert-{rule.pk}").get_by_role("link", name="Error spike").click()
    page.get_by_text("ok →").wait_for()
    assert "acme" in page.locator("main").inner_text()
    shoot(page, "history")

    page.get_by_role("link", name="Alerts", exact=True).first.click()
    page.locator(f"#alert-{rule.pk}").get_by_role("button", name="Disable").click()
    page.locator(f"#alert-{rule.pk}").get_by_text("Disabled").wait_for()
    rule.refresh_from_db()
    assert rule.enabled is False
