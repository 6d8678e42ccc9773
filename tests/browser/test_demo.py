"""The first impression of `make run`, in Chromium: log in with what seed_demo printed and see
the published demo dashboard full of data (every widget answers, charts drawn, no JS error)."""

import io
import re

import pytest
from django.core.management import call_command

from ops.demo import DEMO_DASHBOARD
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_printed_login_opens_a_demo_dashboard_full_of_data(browser_page, live_server) -> None:
    out = io.StringIO()
    call_command("seed_demo", events=8_000, days=35, seed=11, stdout=out)
    printed = out.getvalue()
    email, password = re.search(r"Log in\s+(\S+)\s+/\s+(\S+)", printed).groups()
    dashboard_id = re.search(r"Dashboard\s+.*\((dash_\w+)\)", printed).group(1)

    page = browser_page
    page.goto(live_server.url + "/app/login")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/app/**")
    page.goto(f"{live_server.url}/app/dashboards/{dashboard_id}")
    page.wait_for_selector(".preview-grid .tile")
    charts = [w for w in DEMO_DASHBOARD["widgets"] if w["kind"] == "timeseries"]
    page.wait_for_function(
        f"() => document.querySelectorAll('.chart[data-rendered]').length >= {len(charts)}"
    )
    page.wait_for_timeout(500)  # chart animations settle before the screenshot
    screenshot(page, "demo-dashboard")

    tiles = page.locator(".preview-grid .tile")
    assert tiles.count() == len(DEMO_DASHBOARD["widgets"])
    assert page.locator(".preview-grid .field-error").count() == 0
    assert "No rows" not in page.locator(".preview-grid").inner_text()
    calls = page.locator(".tile[data-widget-id=w_calls] .sl-kpi-value").get_attribute("data-value")
    assert float(calls) > 100  # the preview's default tenant has traffic
