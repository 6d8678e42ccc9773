"""Every chart kind drawn by the embed page in Debian's Chromium, light and dark, at 1280 and
390 px (issue 14, items 5 and 6): screenshots in a temporary directory (its path is printed; set
SIGHTLINE_SCREENSHOTS to keep them elsewhere) to look at, and checks that the renderer drew each
widget (chart canvases have painted pixels, sparklines a line), that the previous period is a
dashed line in the legend, and that nothing sticks out of the page."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.cache import cache

from dashboards.services import dashboard_create, dashboard_publish
from embeds.services import Actor, SessionRequest, embed_session_create
from embeds.tokens import EmbedPermissions
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import event, insert, spec, widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MODELS = ["gpt-4", "gpt-4o", "claude-3-opus", "llama", "mistral", "gemini", "qwen", "phi"]
RATE = {
    "numerator": {"metric": "count", "filters": {"status": "error"}},
    "denominator": {"metric": "count"},
}


def box(x: int, y: int, w: int, h: int) -> dict[str, int]:
    return {"x": x, "y": y, "w": w, "h": h}


WIDGETS = [
    widget("w_kpi", title="Calls", layout=box(0, 0, 3, 2)),
    widget("w_rate", title="Error rate", metric="ratio", ratio=RATE,
           format={"unit": "percent", "decimals": 1}, layout=box(3, 0, 3, 2)),
    widget("w_progress", title="Tokens vs target", chart="progress", metric="sum", prop="tokens",
           target=200000, layout=box(6, 0, 3, 2)),
    widget("w_latency", title="Latency", metric="avg", prop="latency_ms",
           format={"unit": "duration"}, layout=box(9, 0, 3, 2)),
    widget("w_line", title="Calls by model (line)", kind="timeseries", chart="line",
           group_by=["model"], limit=8, layout=box(0, 2, 6, 5)),
    widget("w_stacked_area", title="Calls by model (stacked area)", kind="timeseries",
           chart="stacked_area", group_by=["model"], limit=8, layout=box(6, 2, 6, 5)),
    widget("w_stacked_bar", title="Tokens by model (stacked bars)", kind="timeseries",
           chart="stacked_bar", metric="sum", prop="tokens", group_by=["model"], limit=5,
           bucket="day", layout=box(0, 7, 6, 5)),
    widget("w_area", title="Spend", kind="timeseries", chart="area", metric="sum", prop="cost",
           format={"unit": "currency", "currency": "USD"}, layout=box(6, 7, 6, 5)),
    widget("w_pie", title="Calls by model (pie)", kind="breakdown", chart="pie",
           group_by=["model"], limit=6, layout=box(0, 12, 4, 5)),
    widget("w_donut", title="Calls by region (donut)", kind="breakdown", chart="donut",
           group_by=["region"], layout=box(4, 12, 4, 5)),
    widget("w_bars", title="Tokens by model", kind="breakdown", chart="bar", metric="sum",
           prop="tokens", group_by=["model"], layout=box(8, 12, 4, 5)),
    widget("w_funnel", kind="funnel", chart="funnel", title="Onboarding funnel", event_name="visit",
           steps=["visit", "signup", "activate", "pay"], window_minutes=7 * 24 * 60,
           metric="count_unique", layout=box(0, 17, 6, 5)),
    widget("w_table", title="By model", kind="table", chart="table", group_by=["model"],
           metrics=[{"metric": "count"}, {"metric": "ratio", "ratio": RATE}],
           layout=box(6, 17, 6, 5)),
    widget("w_compare", title="Calls vs previous period", kind="timeseries", chart="line",
           compare="previous_period", layout=box(6, 22, 6, 5)),
    widget("w_compare_bars", title="Spend vs previous period", kind="timeseries", chart="bar",
           metric="sum", prop="cost", bucket="day", compare="previous_period",
           format={"unit": "currency", "currency": "USD"}, layout=box(0, 27, 6, 5)),
    widget("w_spark", title="Calls, trend", chart="sparkline", layout=box(6, 27, 3, 2)),
    widget("w_spark_p95", title="p95 latency, trend", chart="sparkline", metric="p95",
           prop="latency_ms", format={"unit": "duration"}, layout=box(9, 27, 3, 2)),
    widget("w_narrow_bars", title="Calls by model", kind="breakdown", chart="bar",
           group_by=["model"], layout=box(6, 29, 3, 4)),
    widget("w_narrow_line", title="Tokens by model", kind="timeseries", chart="line",
           metric="sum", prop="tokens", group_by=["model"], limit=8, layout=box(9, 29, 3, 4)),
    widget("w_empty", title="Refunds by model", kind="breakdown", chart="bar", event_name="refund",
           group_by=["model"], layout=box(0, 22, 6, 4)),
]  # fmt: skip
CANVAS_WIDGETS = [
    w["id"] for w in WIDGETS if w["kind"] == "timeseries" or w["chart"] in ("bar", "pie", "donut")
]
PAINTED = """(id) => {
  const canvas = document.querySelector(`[data-widget="${id}"] canvas`);
  if (!canvas) return 0;
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
}"""


@pytest.fixture
def shots(tmp_path_factory) -> Path:
    where = os.environ.get("SIGHTLINE_SCREENSHOTS")
    folder = Path(where) if where else tmp_path_factory.mktemp("chart-kinds")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"chart screenshots: {folder}")
    return folder


@pytest.fixture
def dashboard(org):
    created = dashboard_create(
        organization=org.organization, spec=spec("All kinds", widgets=WIDGETS)
    )
    dashboard_publish(dashboard=created)
    now = datetime.now(UTC)
    org_id = org.organization.pk
    rows = []
    for i in range(1400):  # about 12.6 days: the 7-day previous period has data too
        rows.append(
            event(
                org_id=org_id,
                tenant_id="acme",
                user_id=f"u{i % 40}",
                timestamp=now - timedelta(minutes=13 * i + 1),
                string_props={
                    "model": MODELS[(i * 7) % len(MODELS) if i % 3 else 0],
                    "region": ("eu", "us", "apac")[i % 3],
                    "status": "error" if i % 17 == 0 else "ok",
                },
                numeric_props={
                    "tokens": 100 + (i * 37) % 900,
                    "latency_ms": 300 + (i * 53) % 2500,
                    "cost": 0.002 * (i % 11),
                },
            )
        )
    for u in range(40):
        for step, name in enumerate(("visit", "signup", "activate", "pay")):
            if u % (step + 1) == 0:
                rows.append(
                    event(
                        org_id=org_id,
                        tenant_id="acme",
                        event_name=name,
                        user_id=f"u{u}",
                        timestamp=now - timedelta(hours=30) + timedelta(minutes=10 * step),
                    )
                )
    insert(rows)  # fmt: skip
    cache.clear()
    return created


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_chart_kind_at_both_widths(browser_page, org, dashboard, live_server, mode, shots):
    request = SessionRequest(
        dashboard_id=dashboard.pk,
        tenant_id="acme",
        expires_in=600,
        permissions=EmbedPermissions(allowed_periods=("7d", "30d")),
        theme={"mode": mode},
    )
    token = embed_session_create(
        organization=org.organization, request=request, actor=Actor()
    ).token
    page = browser_page
    page.goto(f"{live_server.url}/embed/{dashboard.pk}?token={token}")
    page.wait_for_selector('[data-widget="w_empty"][data-state="empty"]')
    for wid in [w["id"] for w in WIDGETS if w["id"] != "w_empty"]:
        page.wait_for_selector(f'[data-widget="{wid}"][data-state="ready"]')
    assert "No data for this period" in page.locator('[data-widget="w_empty"]').inner_text()
    assert page.locator('[data-widget="w_funnel"] .sl-funnel-step').count() == 4
    for spark in ("w_spark", "w_spark_p95"):
        line = page.locator(f'[data-widget="{spark}"] .sl-sparkline')
        assert int(line.get_attribute("data-points")) >= 7  # a point a day over 7 days
        assert len(line.locator("path").get_attribute("d")) > 20
        assert "Trend over the period" in line.get_attribute("aria-label")
    for label, size in (("desktop", DESKTOP), ("mobile", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(900)  # charts resize, re-lay out and finish their animation
        for wid in CANVAS_WIDGETS:
            if wid != "w_empty":
                assert page.evaluate(PAINTED, wid) > 2000, f"{wid} drew nothing at {label}"
        path = shots / f"chart-kinds-{mode}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 20_000
        height = page.evaluate("() => document.documentElement.scrollHeight")
        for part, top in enumerate(range(0, height, 1000)):  # readable pieces of a long page
            clip = {"x": 0, "y": top, "width": size["width"], "height": min(1000, height - top)}
            page.screenshot(path=str(shots / f"{path.stem}-{part}.png"), full_page=True, clip=clip)
        overflow = page.evaluate(
            "() => [...document.querySelectorAll('body *')].filter(el =>"
            " el.getBoundingClientRect().right > innerWidth + 1).length"
        )
        assert overflow == 0, f"something sticks out at {label}"
