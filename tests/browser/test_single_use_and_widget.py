"""Single-use embed URLs and single-widget embeds in Debian's Chromium, through the helper on
another origin: the code is exchanged, the token never reaches the URL or the history, a second
use shows a clear error page; a widget session shows that widget alone, sized to it. Also the
API reference page renders the live OpenAPI document under its CSP."""

import json
from typing import Any

import pytest

from embeds.services import Actor, SessionRequest, embed_session_create
from embeds.tokens import EmbedPermissions
from tests.browser.conftest import screenshot
from tests.browser.test_embed import ALL_PERIODS, HOST_PAGE, seed_demo_events, wait_for_event
from tests.embeds.conftest import TENANT_A, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def issue_url(org: Any, dashboard: Any, **extra: Any) -> Any:
    request = SessionRequest(
        dashboard_id=dashboard.pk,
        tenant_id=TENANT_A,
        expires_in=3600,
        permissions=extra.pop("permissions", EmbedPermissions(allowed_periods=ALL_PERIODS)),
        **extra,
    )
    return embed_session_create(organization=org.organization, request=request, actor=Actor())


@pytest.fixture
def embedded(org, live_server, other_origin) -> dict[str, Any]:
    """A host page on another origin (allowed to frame the embed) and a published dashboard."""
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


def open_url(page: Any, embedded: dict, embed_url: str) -> Any:
    """The host page framing `embed_url` (PUBLIC_URL of the tests is http://testserver)."""
    embed_url = embed_url.replace("http://testserver", embedded["server"])
    page.goto(f"{embedded['host']}#{json.dumps(embed_url)[1:-1]}")
    return page.frame_locator("iframe")


def test_a_single_use_url_shows_the_dashboard_once_and_the_token_stays_in_memory(
    browser_page, embedded, org
):
    issued = issue_url(org, embedded["dashboard"], single_use_url=True)
    assert "code=" in issued.embed_url and issued.token not in issued.embed_url
    frame = open_url(browser_page, embedded, issued.embed_url)
    frame.locator('[data-widget="w_kpi"][data-state="ready"]').wait_for()
    wait_for_event(browser_page, "ready")

    child = next(f for f in browser_page.frames if f.url.startswith(embedded["server"]))
    location = child.evaluate("location.href")
    assert "code=" not in location and "token=" not in location
    assert issued.token not in child.evaluate("document.documentElement.outerHTML")
    assert issued.token not in child.evaluate("location.href + history.length")
    value = frame.locator('[data-widget="w_kpi"] .sl-kpi-value').inner_text()
    assert value not in ("", "0")

    # The same URL again (copied from a log, the history, a screenshot): a clear error page.
    browser_page.js_errors.clear()
    browser_page.reload()  # the host page frames the same URL again
    again = browser_page.frame_locator("iframe")
    message = again.locator(".sl-fatal")
    message.wait_for()
    assert "already been used" in message.inner_text()
    assert again.locator("[data-widget]").count() == 0
    screenshot(browser_page, "embed-single-use-second-visit")
    browser_page.js_errors.clear()  # the 401 of the refused page is logged by Chromium


def test_a_widget_session_shows_that_widget_alone_sized_to_it(browser_page, embedded, org):
    permissions = EmbedPermissions(allowed_periods=ALL_PERIODS, widget_id="w_series")
    issued = issue_url(org, embedded["dashboard"], permissions=permissions)
    frame = open_url(browser_page, embedded, issued.embed_url)
    frame.locator('[data-widget="w_series"][data-state="ready"]').wait_for()
    wait_for_event(browser_page, "ready")
    browser_page.wait_for_timeout(300)

    assert frame.locator("[data-widget]").count() == 1
    assert not frame.locator(".sl-title").is_visible()
    card = frame.locator('[data-widget="w_series"]').bounding_box()
    body = frame.locator("body").bounding_box()
    iframe = browser_page.locator("iframe").bounding_box()
    assert card["width"] > 0.9 * body["width"]  # the whole width
    assert iframe["height"] < 600  # the iframe follows the one card, not a whole dashboard
    screenshot(browser_page, "embed-single-widget")


def test_the_api_reference_renders_the_live_document(browser_page, live_server):
    browser_page.goto(f"{live_server.url}/docs/api")
    browser_page.locator(".opblock-tag", has_text="embed sessions").first.wait_for()
    text = browser_page.locator("#api-reference").inner_text()
    for expected in ("/v1/embed-sessions", "/v1/organization", "/v1/events", "Sightline API"):
        assert expected in text
    screenshot(browser_page, "api-reference")
