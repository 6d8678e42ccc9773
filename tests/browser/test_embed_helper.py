"""@sightline/embed's helper (the ES module; /sdk/embed.js is its UMD build) in Chromium:
fetchEmbedUrl swaps in a fresh session without reloading the frame or losing the viewer's
filters; a fetchEmbedUrl that throws or returns garbage emits error and keeps the view; a frame
that never answers its handshake (refused by frame-ancestors) emits error saying what to check."""

from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from embeds.tokens import LEEWAY_SECONDS, EmbedPermissions
from tests.browser.react_host import open_app, session, wait_for_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def kpi(frame: Any) -> str:
    return frame.locator('[data-widget="w_kpi"] .sl-kpi-value').inner_text()


def url_of(app: dict[str, Any], issued: Any) -> str:
    return issued.embed_url.replace("http://testserver", app["server"])


def test_fetch_embed_url_refreshes_the_session_and_keeps_the_filters(browser_page, host_app, org):
    page, dashboard = browser_page, host_app["dashboard"]
    permissions = EmbedPermissions(allowed_periods=("7d",))
    first = session(org, dashboard.pk, expires_in=8, permissions=permissions)
    fresh: list[str] = []

    def mint(route: Any) -> None:  # single-use URLs: the frame exchanges their code
        issued = session(
            org, dashboard.pk, expires_in=3600, permissions=permissions, single_use_url=True
        )
        assert "code=" in issued.embed_url and issued.token not in issued.embed_url
        fresh.append(issued.token)
        route.fulfill(json={"embedUrl": url_of(host_app, issued)})

    page.route("**/mint-url*", mint)
    open_app(
        page, host_app, mode="helper", embedUrl=url_of(host_app, first), embedUrlSource="/mint-url"
    )
    wait_for_event(page, "ready")
    frame = page.frame_locator("iframe")
    everything = kpi(frame)
    page.evaluate("window.embed.setFilters({plan: 'free'})")
    frame.locator('[data-widget="w_kpi"] .sl-kpi-value').filter(has_not_text=everything).wait_for()
    free_only = kpi(frame)
    frame.locator("html").evaluate("() => { window.sameDocument = true; }")

    refreshed = wait_for_event(page, "session")  # before the first session ends
    exp = jwt.decode(first.token, options={"verify_signature": False})["exp"]
    page.wait_for_timeout(max(0, exp + LEEWAY_SECONDS - datetime.now(UTC).timestamp() + 1) * 1000)
    page.evaluate("window.embed.reload()")
    page.wait_for_function("window.events.filter(e => e.type === 'ready').length >= 1")
    frame.locator('[data-widget="w_kpi"][data-state="ready"]').wait_for()
    page.wait_for_timeout(500)

    assert (
        refreshed["expires_at"] == jwt.decode(fresh[0], options={"verify_signature": False})["exp"]
    )
    assert [e for e in page.evaluate("window.events") if e["type"] == "error"] == []
    assert kpi(frame) == free_only != everything  # the filter stayed, on the new session
    assert frame.locator("html").evaluate("() => window.sameDocument") is True  # no reload
    assert datetime.now(UTC).timestamp() > exp + LEEWAY_SECONDS  # the first is refused now


def test_a_fetch_embed_url_that_fails_or_returns_garbage_emits_error_and_keeps_the_view(
    browser_page, host_app, org
):
    page, dashboard = browser_page, host_app["dashboard"]
    answers = iter(
        [
            {"status": 200, "json": {"embedUrl": "javascript:alert(1)"}},
            {"status": 500, "body": "down"},
        ]
    )

    page.route("**/mint-url*", lambda route: route.fulfill(**next(answers)))
    # A long session, refreshed on demand: with a 6 s session the refresh, and whether a retry
    # was still due (more than 2 s left), depended on how fast a loaded machine drew the page.
    first = session(org, dashboard.pk, expires_in=3600)
    open_app(
        page, host_app, mode="helper", embedUrl=url_of(host_app, first), embedUrlSource="/mint-url"
    )
    wait_for_event(page, "ready")
    frame = page.frame_locator("iframe")
    shown = kpi(frame)

    page.evaluate("() => window.embed.refreshSession()")
    garbage = wait_for_event(page, "error")
    page.evaluate("() => window.embed.refreshSession()")
    failed = wait_for_event(page, "error", count=2)

    assert (
        garbage["code"] == "session_refresh_failed"
        and "embed URL of this dashboard" in garbage["message"]
    )
    assert failed["code"] == "session_refresh_failed" and "500" in failed["message"]
    assert kpi(frame) == shown  # the current view stays
    page.js_errors.clear()  # Chromium logs the 500


def test_a_frame_refused_by_frame_ancestors_emits_a_handshake_error(browser_page, host_app, org):
    page, dashboard = browser_page, host_app["dashboard"]
    org.organization.allowed_embed_origins = ["https://someone-else.example"]
    org.organization.save()

    open_app(
        page,
        host_app,
        mode="helper",
        embedUrl=url_of(host_app, session(org, dashboard.pk)),
        handshakeTimeout=2000,
    )
    error = wait_for_event(page, "error")

    assert error["code"] == "handshake_timeout"
    assert host_app["origin"] in error["message"] and "allowed embed origins" in error["message"]
    assert page.evaluate("window.events.some(e => e.type === 'ready')") is False
    page.js_errors.clear()  # Chromium logs the frame-ancestors refusal


def test_an_expired_session_comes_back_with_the_filters_when_the_helper_refreshes(
    browser_page, host_app, org
):
    """The scheduled refresh failed (the backend was down), the session ran out and the viewer
    reloaded: the page asks the helper, which fetches a fresh URL, and the dashboard returns."""
    page, dashboard = browser_page, host_app["dashboard"]
    permissions = EmbedPermissions(allowed_periods=("7d",))
    calls: list[int] = []

    def mint(route: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            route.fulfill(status=503, body="down")
            return
        issued = session(org, dashboard.pk, permissions=permissions)
        route.fulfill(json={"embedUrl": url_of(host_app, issued)})

    page.route("**/mint-url*", mint)
    first = session(org, dashboard.pk, expires_in=4, permissions=permissions)
    open_app(
        page, host_app, mode="helper", embedUrl=url_of(host_app, first), embedUrlSource="/mint-url"
    )
    wait_for_event(page, "ready")
    frame = page.frame_locator("iframe")
    everything = kpi(frame)
    page.evaluate("window.embed.setFilters({plan: 'free'})")
    frame.locator('[data-widget="w_kpi"] .sl-kpi-value').filter(has_not_text=everything).wait_for()
    free_only = kpi(frame)
    frame.locator("html").evaluate("() => { window.sameDocument = true; }")
    assert wait_for_event(page, "error")["code"] == "session_refresh_failed"  # the 503

    exp = jwt.decode(first.token, options={"verify_signature": False})["exp"]
    page.wait_for_timeout(max(0, exp + LEEWAY_SECONDS - datetime.now(UTC).timestamp() + 1) * 1000)
    page.evaluate("window.embed.reload()")  # with the expired token: 401 token_expired

    wait_for_event(page, "ready", count=2)
    frame.locator('[data-widget="w_kpi"][data-state="ready"]').wait_for()
    codes = [e["payload"]["code"] for e in page.evaluate("window.events") if e["type"] == "error"]
    assert codes == ["session_refresh_failed", "token_expired"]
    assert kpi(frame) == free_only  # the viewer's filter came back with the dashboard
    assert frame.locator("html").evaluate("() => window.sameDocument") is True
    page.js_errors.clear()  # Chromium logs the 503 and the 401
