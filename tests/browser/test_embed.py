"""The embed in Debian's Chromium: a host page on another origin embeds a dashboard through
/sdk/embed.js. ready, resize, drill, setFilters, setTheme, an expired token; screenshots of
every widget kind in light and dark, wide and at phone width."""

import json
import random
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from dashboards.models import Dashboard
from embeds.models import EmbedSigningKey
from embeds.services import Actor, SessionRequest, embed_session_create
from embeds.tokens import EmbedPermissions
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.embeds.conftest import TENANT_A, TENANT_B, publish
from tests.factories import event, insert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ALL_PERIODS = ("24h", "7d", "30d", "90d", "custom")
HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Customer app</title><link rel="icon" href="data:,"></head>
<body style="margin:0;font-family:sans-serif;background:#fafafa">
  <h1 style="font-size:16px;padding:8px">Customer app</h1>
  <div id="analytics" style="width:1100px"></div>
  <script src="{sdk}"></script>
  <script>
    window.events = [];
    window.embed = Sightline.create({{
      container: "#analytics", embedUrl: decodeURIComponent(location.hash.slice(1))
    }});
    ["ready", "resize", "drill", "filter", "error"].forEach(function (name) {{
      window.embed.on(name, function (payload) {{
        window.events.push({{type: name, payload: payload}});
      }});
    }});
  </script>
</body></html>"""


def seed_demo_events(org_id: str) -> None:
    """A week of varied events for tenant A (so charts have shape) and some for tenant B."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    models = ["gpt-4", "claude", "llama", "mistral", "gemini", "phi", "qwen"]
    endpoints = ["/chat", "/embed", "/complete", "/moderate"]
    rows = []
    for _ in range(400):
        model = rng.choices(models, weights=[9, 6, 4, 3, 2, 1, 1])[0]
        rows.append(
            event(
                org_id=org_id,
                tenant_id=TENANT_A,
                user_id=f"user_{rng.randint(1, 40)}",
                timestamp=now - timedelta(minutes=rng.randint(5, 7 * 24 * 60 - 5)),
                string_props={
                    "model": model,
                    "endpoint": rng.choice(endpoints),
                    "plan": rng.choice(["pro", "free"]),
                },
                numeric_props={"tokens": rng.randint(1, 9), "cost": 1},
            )
        )
    rows += [
        event(
            org_id=org_id,
            tenant_id=TENANT_B,
            string_props={"model": "b-only-model", "endpoint": "/b", "plan": "pro"},
        )
        for _ in range(50)
    ]
    insert(rows)


def issue(org: Any, dashboard: Dashboard, **extra: Any) -> str:
    permissions = extra.pop(
        "permissions", EmbedPermissions(allowed_periods=ALL_PERIODS, allow_drill_down=True)
    )
    request = SessionRequest(
        dashboard_id=dashboard.pk,
        tenant_id=extra.pop("tenant_id", TENANT_A),
        expires_in=3600,
        permissions=permissions,
        **extra,
    )
    return embed_session_create(organization=org.organization, request=request, actor=Actor()).token


@pytest.fixture
def embedded(org, live_server, other_origin) -> dict[str, Any]:
    origin, directory = other_origin
    org.organization.allowed_embed_origins = [origin]
    org.organization.save()
    (directory / "host.html").write_text(HOST_PAGE.format(sdk=f"{live_server.url}/sdk/embed.js"))
    seed_demo_events(org.organization.pk)
    return {
        "host": f"{origin}/host.html",
        "dashboard": publish(org.organization),
        "server": live_server.url,
    }


def open_host(page: Any, embedded: dict[str, Any], token: str) -> Any:
    embed_url = f"{embedded['server']}/embed/{embedded['dashboard'].pk}?token={token}"
    page.goto(f"{embedded['host']}#{json.dumps(embed_url)[1:-1]}")
    return page.frame_locator("iframe")


def events_of(page: Any, kind: str) -> list[dict[str, Any]]:
    return page.evaluate(f"window.events.filter(e => e.type === {kind!r}).map(e => e.payload)")


def wait_for_event(page: Any, kind: str) -> dict[str, Any]:
    page.wait_for_function(f"window.events.some(e => e.type === {kind!r})")
    return events_of(page, kind)[-1]


def kpi_text(frame: Any) -> str:
    return frame.locator('[data-widget="w_kpi"] .sl-kpi-value').inner_text()


def test_ready_fires_and_the_iframe_resizes_to_its_content(browser_page, embedded, org):
    frame = open_host(browser_page, embedded, issue(org, embedded["dashboard"]))

    wait_for_event(browser_page, "ready")
    frame.locator('[data-widget="w_table"][data-state="ready"]').wait_for()
    browser_page.wait_for_function("document.querySelector('iframe').offsetHeight > 900")
    browser_page.wait_for_timeout(500)  # chart animations, the last resize message

    height = browser_page.evaluate("document.querySelector('iframe').offsetHeight")
    content = frame.locator("body").evaluate("el => el.offsetHeight")
    assert abs(height - content) <= 2, (height, content)
    assert kpi_text(frame) == "400"
    assert "b-only-model" not in frame.locator("body").inner_text()
    assert "token=" not in frame.locator("html").evaluate("() => location.href")
    # Chromium's full-page capture clips out-of-process iframes to the viewport: make room.
    browser_page.set_viewport_size({"width": DESKTOP["width"], "height": height + 100})
    screenshot(browser_page, "embed-host-page")


def test_clicking_a_bar_emits_drill_with_dimension_and_value_and_opens_the_events(
    browser_page, embedded, org
):
    frame = open_host(browser_page, embedded, issue(org, embedded["dashboard"]))
    wait_for_event(browser_page, "ready")
    chart = frame.locator('[data-widget="w_bars"] .sl-chart')
    chart.wait_for()

    # A point inside the top bar (gpt-4, the biggest), near its start, in the chart's box.
    x, y = chart.evaluate(
        """el => {
          const chart = echarts.getInstanceByDom(el);
          const option = chart.getOption();
          const names = option.yAxis[0].data, values = option.series[0].data;
          const top = names.length - 1;
          return chart.convertToPixel({seriesIndex: 0}, [values[top] * 0.1, names[top]]);
        }"""
    )
    browser_page.wait_for_timeout(300)  # bars grow from zero: let them pass the click point
    chart.click(position={"x": x, "y": y})

    drill = wait_for_event(browser_page, "drill")
    assert drill == {"widget": "w_bars", "dimension": "model", "value": "gpt-4"}
    dialog = frame.locator(".sl-dialog")
    dialog.locator(".sl-events").wait_for()
    headers = dialog.locator(".sl-events th").all_inner_texts()
    assert headers[:2] == ["Time", "User"] and "model" in headers  # a column per property
    models = dialog.locator(f".sl-events td:nth-child({headers.index('model') + 1})")
    assert set(models.all_inner_texts()) == {"gpt-4"}
    assert "=" not in dialog.locator(".sl-events").inner_text()  # no key=value strings
    screenshot(browser_page, "embed-drill")

    # The panel opens where the viewer is looking: in the host's window, not at the top of a
    # frame the helper grew taller than the window (it tells the frame what is visible).
    dialog.locator(".sl-close").click()
    browser_page.set_viewport_size({"width": DESKTOP["width"], "height": 500})
    row = frame.locator('[data-widget="w_table"] tbody tr').first
    row.scroll_into_view_if_needed()
    browser_page.evaluate("() => window.scrollBy(0, 120)")
    browser_page.wait_for_timeout(300)
    assert (
        browser_page.evaluate("document.querySelector('iframe').getBoundingClientRect().top") < -300
    )
    row.click()
    frame.locator(".sl-dialog .sl-events").wait_for()
    box = frame.locator(".sl-dialog").bounding_box()
    assert 0 <= box["y"] < 500 and box["y"] + box["height"] <= 500 + 1, box
    screenshot(browser_page, "embed-drill-scrolled", full_page=False)


def test_set_filters_changes_the_numbers_but_never_a_locked_filter(browser_page, embedded, org):
    token = issue(
        org,
        embedded["dashboard"],
        permissions=EmbedPermissions(
            locked_filters={"model": "gpt-4"}, allowed_periods=("7d", "30d")
        ),
    )
    frame = open_host(browser_page, embedded, token)
    wait_for_event(browser_page, "ready")
    locked_total = kpi_text(frame)

    browser_page.evaluate("window.embed.setFilters({plan: 'free'})")
    frame.locator('[data-widget="w_kpi"] .sl-kpi-value').filter(
        has_not_text=locked_total
    ).wait_for()
    free_only = kpi_text(frame)
    browser_page.evaluate("window.embed.setFilters({plan: 'free', model: 'claude'})")
    browser_page.wait_for_function("window.events.filter(e => e.type === 'filter').length >= 2")
    frame.locator('[data-widget="w_kpi"][data-state="ready"]').wait_for()

    assert int(free_only) < int(locked_total)
    assert kpi_text(frame) == free_only  # the locked model stayed gpt-4
    assert frame.locator('input[data-dimension="model"]').count() == 0  # a fixed chip instead
    assert frame.locator('.sl-chip[data-dimension="model"]').inner_text() == "Model: gpt-4"
    assert frame.locator(".sl-period").all_inner_texts() == ["7 days", "30 days"]
    assert events_of(browser_page, "filter")[-1]["filters"] == {"plan": "free", "model": "gpt-4"}


def test_set_theme_changes_the_colors(browser_page, embedded, org):
    frame = open_host(browser_page, embedded, issue(org, embedded["dashboard"]))
    wait_for_event(browser_page, "ready")
    background = frame.locator("body").evaluate("el => getComputedStyle(el).backgroundColor")
    period = frame.locator('.sl-period[aria-pressed="true"]')

    browser_page.evaluate("window.embed.setTheme({mode: 'dark', primaryColor: '#ff0000'})")
    frame.locator('html[data-mode="dark"]').wait_for(state="attached")

    assert (
        frame.locator("body").evaluate("el => getComputedStyle(el).backgroundColor") != background
    )
    assert period.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 0, 0)"
    screenshot(browser_page, "embed-host-page-dark")


def test_expired_token_shows_a_clear_message_and_emits_error(browser_page, embedded, org):
    dashboard = embedded["dashboard"]
    claims = jwt.decode(issue(org, dashboard), options={"verify_signature": False})
    key = EmbedSigningKey.objects.get(organization=org.organization)
    expired = jwt.encode(
        {**claims, "exp": int(time.time()) - 60}, key.secret, headers={"kid": key.pk}
    )

    frame = open_host(browser_page, embedded, expired)

    error = wait_for_event(browser_page, "error")
    assert error["code"] == "token_expired"
    assert "has expired" in frame.locator(".sl-fatal").inner_text()
    browser_page.wait_for_function(
        "document.querySelector('iframe').offsetHeight < 200"
    )  # shrank to the message
    browser_page.js_errors.clear()  # the browser logs the 401 of the page itself
    screenshot(browser_page, "embed-expired")


def test_token_expiring_while_open_shows_the_message_on_the_next_load(browser_page, embedded, org):
    dashboard = embedded["dashboard"]
    frame = open_host(browser_page, embedded, issue(org, dashboard))
    wait_for_event(browser_page, "ready")
    from embeds.services import embed_sessions_revoke_all

    embed_sessions_revoke_all(organization=org.organization, actor=Actor())
    browser_page.evaluate("window.embed.reload()")

    error = wait_for_event(browser_page, "error")
    assert error["code"] == "token_revoked" and error["status"] == 401
    assert "revoked" in frame.locator(".sl-fatal").inner_text()
    browser_page.js_errors.clear()


def test_a_host_origin_not_allowed_cannot_frame_the_embed(browser_page, embedded, org):
    org.organization.allowed_embed_origins = []
    org.organization.save()
    frame = open_host(browser_page, embedded, issue(org, embedded["dashboard"]))

    # Not a blank refusal: the frame explains which origin is not allowed and what to do.
    explained = frame.get_by_role("alert")
    explained.wait_for()
    host_origin = "/".join(embedded["host"].split("/", 3)[:3])
    assert f"Pages on {host_origin} are not allowed" in explained.inner_text()
    assert "Allow this origin" in explained.inner_text()
    assert frame.locator("#sl-config").count() == 0  # no dashboard, no data in it
    browser_page.wait_for_timeout(500)
    assert events_of(browser_page, "ready") == []
    browser_page.js_errors.clear()  # the 403 of the frame's page


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_screenshots_of_every_widget_kind(browser_page, embedded, org, live_server, mode):
    token = issue(
        org,
        embedded["dashboard"],
        theme={"mode": mode},
        permissions=EmbedPermissions(
            allowed_periods=ALL_PERIODS, allow_drill_down=True, hidden_widgets=("w_secret",)
        ),
        allow_export=True,
    )
    page = browser_page
    page.goto(f"{live_server.url}/embed/{embedded['dashboard'].pk}?token={token}")
    page.locator('[data-widget="w_table"][data-state="ready"]').wait_for()
    page.wait_for_timeout(400)  # chart animations

    for kind in ("kpi", "timeseries", "breakdown", "table"):
        assert page.locator(f".sl-kind-{kind}[data-state='ready']").count() >= 1
    assert page.locator('[data-widget="w_secret"]').count() == 0
    screenshot(page, f"embed-all-kinds-{mode}-desktop")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(400)
    screenshot(page, f"embed-all-kinds-{mode}-phone")
    page.set_viewport_size(DESKTOP)
    page.locator('th:has-text("Events")').first.click()
    assert page.locator("th[aria-sort='descending']").count() == 1


def test_a_tenant_without_events_sees_empty_states(browser_page, embedded, org, live_server):
    token = issue(org, embedded["dashboard"], tenant_id="tenant_without_events")

    browser_page.goto(f"{live_server.url}/embed/{embedded['dashboard'].pk}?token={token}")
    browser_page.locator('[data-widget="w_table"][data-state="empty"]').wait_for()

    assert browser_page.locator('[data-widget="w_kpi"] .sl-kpi-value').inner_text() == "0"
    for widget_id in ("w_series", "w_split", "w_bars", "w_list", "w_table"):
        card = browser_page.locator(f'[data-widget="{widget_id}"]')
        assert card.get_attribute("data-state") == "empty"
        assert card.inner_text().endswith("No data for this period.")
    screenshot(browser_page, "embed-empty")


def test_widgets_whose_query_fails_show_an_error_state(
    browser_page, embedded, org, live_server, settings
):
    token = issue(org, embedded["dashboard"])
    settings.WAREHOUSE_MAX_ROWS_TO_READ = 1  # the engine refuses every widget query

    browser_page.goto(f"{live_server.url}/embed/{embedded['dashboard'].pk}?token={token}")
    browser_page.locator('[data-widget="w_table"][data-state="error"]').wait_for()

    assert browser_page.locator('[data-state="error"]').count() == 8
    assert "could not be loaded" in browser_page.locator('[data-widget="w_kpi"]').inner_text()
    screenshot(browser_page, "embed-widget-errors")


def test_the_page_trusts_the_helpers_origin_from_the_url_fragment(browser_page, embedded, org):
    """No referrer and two allowed origins: only the fragment the helper adds names the parent."""
    org.organization.allowed_embed_origins = [
        embedded["host"].rsplit("/", 1)[0],
        "https://another.customer.example",
    ]
    org.organization.save()
    browser_page.add_init_script(
        """const set = Element.prototype.setAttribute;
        Element.prototype.setAttribute = function (name, value) {
          return set.call(this, name, name === "referrerpolicy" ? "no-referrer" : value);
        };"""
    )
    frame = open_host(browser_page, embedded, issue(org, embedded["dashboard"]))

    wait_for_event(browser_page, "ready")

    assert frame.locator("html").evaluate("() => document.referrer") == ""
    assert frame.locator("html").evaluate("() => location.hash") == ""


def test_a_viewer_filter_picks_from_the_tenants_own_values(browser_page, embedded, org):
    frame = open_host(browser_page, embedded, issue(org, embedded["dashboard"]))
    wait_for_event(browser_page, "ready")
    model = frame.locator('input[data-dimension="model"]')
    model.focus()
    options = frame.locator(f"datalist#{model.get_attribute('list')} option")
    options.first.wait_for(state="attached")
    picked = [o.get_attribute("value") for o in options.all()]
    assert "gpt-4" in picked and "b-only-model" not in picked  # tenant A's own values only
    model.fill("gp")
    frame.locator(f"datalist#{model.get_attribute('list')} option[value='claude']").wait_for(
        state="detached"
    )
    model.fill("gpt-4")
    model.press("Enter")
    model.evaluate("el => el.dispatchEvent(new Event('change', {bubbles: true}))")
    wait_for_event(browser_page, "filter")


def test_preloaded_modules_are_fetched_once_and_before_the_page_script_asks(
    browser_page, embedded, org
):
    """viewer/assets.py: ECharts (the bulk of the bytes) is requested while the HTML is parsed,
    not after embed.js and its chunks ran, and its dynamic import reuses that fetch."""
    open_host(browser_page, embedded, issue(org, embedded["dashboard"]))
    wait_for_event(browser_page, "ready")
    frame = next(f for f in browser_page.frames if f != browser_page.main_frame)
    scripts = frame.evaluate(
        """() => performance.getEntriesByType("resource").filter((e) => e.name.endsWith(".js"))
            .map((e) => ({name: e.name, start: e.startTime, end: e.responseEnd}))"""
    )
    echarts = [s for s in scripts if "/chunks/echarts-" in s["name"]]
    entry = re.compile(r"/vendor/sightline/embed-\w+\.js$")
    page_script = next(s for s in scripts if entry.search(s["name"]))
    assert len(echarts) == 1, scripts
    assert echarts[0]["start"] < page_script["end"], scripts
    assert len({s["name"] for s in scripts}) == len(scripts), scripts  # nothing fetched twice


def test_ready_means_every_chart_is_drawn_in_full(browser_page, embedded, org):
    """`ready` comes once each chart shows its final picture, not the first frame of an
    entrance animation (ECharts' take a second): the charts as shown right at `ready` are
    the same a second and a half later."""
    frame = open_host(browser_page, embedded, issue(org, embedded["dashboard"]))
    wait_for_event(browser_page, "ready")
    charts = frame.locator(".sl-chart")
    at_ready = [charts.nth(i).screenshot(animations="allow") for i in range(charts.count())]
    browser_page.wait_for_timeout(1500)
    later = [charts.nth(i).screenshot(animations="allow") for i in range(charts.count())]

    assert len(at_ready) >= 2
    assert at_ready == later
