"""Issue 11's session features in Chromium, through the helper on another origin: a session
that sat idle past its inactivity_timeout shows a clear message and the helper emits
`inactive`, after which refreshSession() brings the dashboard back."""

from typing import Any

import pytest

from embeds.tokens import EmbedPermissions
from tests.browser.conftest import screenshot
from tests.browser.react_host import open_app, session, wait_for_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PERIODS = EmbedPermissions(allowed_periods=("7d", "30d"))


def url_of(app: dict[str, Any], issued: Any) -> str:
    return issued.embed_url.replace("http://testserver", app["server"])


def test_an_idle_session_says_so_and_the_helper_emits_inactive(browser_page, host_app, org):
    page, dashboard = browser_page, host_app["dashboard"]
    minted: list[int] = []

    def mint(route: Any) -> None:  # the first session is minted as the helper mounts
        timeout = 4 if not minted else 300
        minted.append(timeout)
        fresh = session(org, dashboard.pk, inactivity_timeout=timeout, permissions=PERIODS)
        route.fulfill(json={"embedUrl": url_of(host_app, fresh)})

    page.route("**/mint-url*", mint)
    open_app(page, host_app, mode="helper", embedUrlSource="/mint-url")
    wait_for_event(page, "ready")
    frame = page.frame_locator("iframe")
    frame.locator('[data-widget="w_kpi"][data-state="ready"]').wait_for()
    page.wait_for_timeout(5500)  # nobody uses the page for longer than the timeout

    page.evaluate("window.embed.reload()")
    inactive = wait_for_event(page, "inactive")

    assert inactive["code"] == "session_inactive"
    message = frame.locator(".sl-fatal")
    message.wait_for()
    assert "inactivity" in message.inner_text()
    assert frame.locator('[data-widget="w_kpi"]').count() == 0  # no data left on the screen
    screenshot(page, "embed-session-inactive")
    assert minted == [4]  # the helper did not revive it by itself

    page.evaluate("window.embed.refreshSession()")  # the host's choice, e.g. on a click
    wait_for_event(page, "ready", count=2)
    frame.locator('[data-widget="w_kpi"][data-state="ready"]').wait_for()
    assert frame.locator(".sl-fatal").count() == 0
    page.js_errors.clear()  # Chromium logs the 401


def second_board(org: Any) -> Any:
    from tests.embeds.conftest import publish

    kpi = {"id": "w_two", "title": "Second calls", "kind": "kpi", "event_name": "api.call"}
    return publish(org.organization, {"name": "Second board", "widgets": [kpi]})


def test_the_switcher_opens_the_sessions_other_dashboard_with_the_keyboard(
    browser_page, host_app, org
):
    page, dashboard = browser_page, host_app["dashboard"]
    second = second_board(org)
    issued = session(org, dashboard.pk, dashboard_ids=(second.pk,), permissions=PERIODS)
    open_app(page, host_app, mode="helper", embedUrl=url_of(host_app, issued))
    wait_for_event(page, "ready")
    frame = page.frame_locator("iframe")
    switcher = frame.get_by_label("Dashboard")
    assert switcher.locator("option").all_inner_texts() == [dashboard.name, "Second board"]
    screenshot(page, "embed-dashboard-switcher")

    switcher.focus()
    switcher.press("ArrowDown")  # a native select: the keyboard picks the next dashboard

    assert wait_for_event(page, "ready", count=2)["dashboard"] == second.pk
    frame.locator('[data-widget="w_two"][data-state="ready"]').wait_for()
    assert frame.locator(".sl-title").inner_text() == "Second board"
    assert "token=" not in frame.locator("html").evaluate("() => location.href")
    assert frame.get_by_label("Dashboard").input_value() == second.pk


def test_set_dashboard_opens_only_the_sessions_dashboards(browser_page, host_app, org):
    page, dashboard = browser_page, host_app["dashboard"]
    second = second_board(org)
    outside = second_board(org)
    issued = session(org, dashboard.pk, dashboard_ids=(second.pk,), permissions=PERIODS)
    open_app(page, host_app, mode="helper", embedUrl=url_of(host_app, issued))
    wait_for_event(page, "ready")
    frame = page.frame_locator("iframe")

    page.evaluate(f"window.embed.setDashboard({outside.pk!r})")
    refused = wait_for_event(page, "error")
    page.evaluate(f"window.embed.setDashboard({second.pk!r})")

    assert refused["code"] == "unknown_dashboard"
    assert wait_for_event(page, "ready", count=2)["dashboard"] == second.pk
    frame.locator('[data-widget="w_two"][data-state="ready"]').wait_for()
    page.evaluate(f"window.embed.setDashboard({dashboard.pk!r})")  # and back
    assert wait_for_event(page, "ready", count=3)["dashboard"] == dashboard.pk


def test_the_react_frames_dashboard_id_prop_switches_the_dashboard(browser_page, host_app, org):
    page, dashboard = browser_page, host_app["dashboard"]
    second = second_board(org)
    issued = session(org, dashboard.pk, dashboard_ids=(second.pk,), permissions=PERIODS)
    open_app(page, host_app, mode="frame", embedUrl=url_of(host_app, issued))
    wait_for_event(page, "ready")

    page.evaluate(f"window.update({{dashboardId: {second.pk!r}}})")

    assert wait_for_event(page, "ready", count=2)["dashboard"] == second.pk
    page.frame_locator("iframe").locator('[data-widget="w_two"][data-state="ready"]').wait_for()
