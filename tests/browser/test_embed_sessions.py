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
