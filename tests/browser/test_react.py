"""@sightline/react and @sightline/embed in Chromium: a Vite-built React host page on another
origin (tests/browser/react_app) draws the dashboard natively from the embed endpoints, renews
its token, wraps the iframe, and the helper refreshes its session and reports a refused frame."""

from datetime import UTC, datetime
from typing import Any

import jwt
import pytest

from embeds.tokens import LEEWAY_SECONDS, EmbedPermissions
from tests.browser.conftest import screenshot
from tests.browser.react_host import events_of, open_app, session, wait_for_event
from tests.embeds.conftest import publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def endpoint_data(client: Any, dashboard_id: str, token: str, **params: Any) -> dict[str, Any]:
    params = {"period": "7d", "tz": "UTC", **params}
    response = client.get(
        f"/embed/{dashboard_id}/data", params, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200, response.content
    return {item["id"]: item["data"] for item in response.json()["widgets"]}


def kpi_of(page: Any, scope: str, widget_id: str) -> float:
    value = page.locator(f'{scope} [data-widget="{widget_id}"] .sl-kpi-value')
    value.wait_for()
    return float(value.get_attribute("data-value"))


def test_dashboard_and_widget_show_the_data_endpoints_numbers(browser_page, host_app, org, client):
    page, dashboard = browser_page, host_app["dashboard"]
    permissions = EmbedPermissions(
        allowed_periods=("24h", "7d", "30d", "90d"), hidden_widgets=("w_secret",)
    )
    token = session(org, dashboard.pk, permissions=permissions).token
    expected = endpoint_data(client, dashboard.pk, token)

    open_app(page, host_app, mode="dashboard", token=token, widgetId="w_kpi")
    wait_for_event(page, "ready")

    board = ".sl-dashboard"
    assert kpi_of(page, board, "w_kpi") == expected["w_kpi"]["value"] == 400
    assert kpi_of(page, board, "w_progress") == expected["w_progress"]["value"]
    assert kpi_of(page, "#single", "w_kpi") == expected["w_kpi"]["value"]
    assert page.locator("#hook-value").inner_text() == "400"
    lists = page.locator(f'{board} [data-widget="w_list"] .sl-list-key').all_inner_texts()
    assert lists == [row["key"] for row in expected["w_list"]["rows"]]
    cells = page.locator(f'{board} [data-widget="w_table"] tbody tr').first.locator("td")
    assert cells.all_inner_texts()[:2] == expected["w_table"]["rows"][0][:2]
    for widget_id in ("w_series", "w_split", "w_bars"):
        card = page.locator(f'{board} [data-widget="{widget_id}"]')
        assert card.get_attribute("data-state") == "ready"
        assert card.locator("canvas").count() == 1
    assert page.locator('[data-widget="w_secret"]').count() == 0
    assert page.locator(".sl-period").all_inner_texts() == [
        "24 hours",
        "7 days",
        "30 days",
        "90 days",
    ]
    screenshot(page, "react-dashboard")


def test_a_locked_filter_cannot_be_changed_from_props(browser_page, host_app, org, client):
    page, dashboard = browser_page, host_app["dashboard"]
    permissions = EmbedPermissions(locked_filters={"model": "gpt-4"}, allowed_periods=("7d",))
    token = session(org, dashboard.pk, permissions=permissions).token
    gpt4_free = endpoint_data(client, dashboard.pk, token, filters='{"plan": "free"}')["w_kpi"]
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/data?" in r.url else None)

    open_app(
        page,
        host_app,
        mode="dashboard",
        token=token,
        props={"filters": {"model": "claude", "plan": "free"}},
    )
    wait_for_event(page, "ready")

    assert kpi_of(page, ".sl-dashboard", "w_kpi") == gpt4_free["value"]
    assert any("claude" in url for url in sent)  # asked for claude; the server kept gpt-4
    model = page.locator('input[data-dimension="model"]')
    assert model.is_disabled() and model.input_value() == "gpt-4"
    page.evaluate("window.update({filters: {model: 'llama'}})")
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some(e => e.name.includes('llama'))"
    )
    page.locator('.sl-dashboard [data-widget="w_kpi"][data-state="ready"]').wait_for()
    assert (
        kpi_of(page, ".sl-dashboard", "w_kpi")
        == endpoint_data(client, dashboard.pk, token)["w_kpi"]["value"]
    )


def test_fetch_token_renews_an_expiring_token_without_a_reload(browser_page, host_app, org):
    page, dashboard = browser_page, host_app["dashboard"]
    issued: list[str] = []

    def mint(route: Any) -> None:
        issued.append(session(org, dashboard.pk, expires_in=6).token)
        route.fulfill(json={"token": issued[-1]})

    page.route("**/mint-token*", mint)
    authorizations: list[str] = []
    page.on(
        "request",
        lambda r: (
            authorizations.append(r.headers.get("authorization", "")) if "/data?" in r.url else None
        ),
    )
    open_app(page, host_app, mode="dashboard", tokenUrl="/mint-token")
    wait_for_event(page, "ready")
    marker = page.evaluate("window.marker")
    first_expiry = jwt.decode(issued[0], options={"verify_signature": False})["exp"]

    page.wait_for_function("window.tokenCalls >= 3", timeout=30_000)  # renewed before each end
    page.wait_for_timeout(
        max(0, first_expiry + LEEWAY_SECONDS - datetime.now(UTC).timestamp() + 1) * 1000
    )
    page.locator('.sl-period[data-period="30d"]').click()
    page.locator('.sl-period[data-period="30d"][aria-pressed="true"]').wait_for()
    page.locator('.sl-dashboard [data-widget="w_table"][data-state="ready"]').wait_for()

    assert page.evaluate("window.marker") == marker  # the same page: no reload
    assert kpi_of(page, ".sl-dashboard", "w_kpi") == 400
    assert events_of(page, "error") == []
    assert authorizations[-1] in [f"Bearer {t}" for t in issued[1:]]  # a renewed one
    assert datetime.now(UTC).timestamp() > first_expiry + LEEWAY_SECONDS  # refused now


def test_a_token_for_another_dashboard_is_refused_by_the_server(browser_page, host_app, org):
    page = browser_page
    other = publish(org.organization)
    token = session(org, other.pk).token  # a valid session, of another dashboard

    open_app(page, host_app, mode="dashboard", widgetOnly=True, widgetId="w_kpi", token=token)
    error = wait_for_event(page, "widget-error")

    assert error["status"] in (401, 404)
    assert page.locator('#single [data-widget="w_kpi"]').get_attribute("data-state") == "error"
    assert page.locator("#single .sl-kpi-value").count() == 0
    assert page.locator("#hook-value").inner_text().startswith("error:")
    page.wait_for_function(  # both refused requests (config, data) are logged before clearing
        "performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('/embed/')).length >= 2"
    )
    page.wait_for_timeout(200)
    page.js_errors.clear()  # Chromium logs the refused requests


def test_embed_frame_wrapper_fires_on_ready_and_on_drill(browser_page, host_app, org):
    page, dashboard = browser_page, host_app["dashboard"]
    embed_url = session(org, dashboard.pk).embed_url.replace(
        "http://testserver", host_app["server"]
    )

    open_app(page, host_app, mode="frame", embedUrl=embed_url)
    ready = wait_for_event(page, "ready")
    frame = page.frame_locator("iframe")
    frame.locator('[data-widget="w_list"] .sl-list-row').first.click()
    drill = wait_for_event(page, "drill")

    assert ready["dashboard"] == dashboard.pk
    assert drill["widget"] == "w_list" and drill["dimension"] == "endpoint" and drill["value"]
    page.evaluate("window.update({filters: {plan: 'free'}})")
    assert wait_for_event(page, "filter")["filters"] == {"plan": "free"}


def test_drill_events_and_theme_props_of_the_native_dashboard(browser_page, host_app, org):
    page, dashboard = browser_page, host_app["dashboard"]
    open_app(page, host_app, mode="dashboard", token=session(org, dashboard.pk).token)
    wait_for_event(page, "ready")
    row = page.locator('.sl-dashboard [data-widget="w_list"] .sl-list-row').first
    endpoint = row.locator(".sl-list-key").inner_text()

    row.click()
    drill = wait_for_event(page, "drill")
    page.evaluate("window.update({theme: {mode: 'dark', primaryColor: '#ff0000'}})")
    page.locator('.sl-dashboard[data-mode="dark"]').wait_for()

    assert drill == {"widget": "w_list", "dimension": "endpoint", "value": endpoint}
    pressed = page.locator('.sl-period[aria-pressed="true"]')
    assert pressed.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 0, 0)"
    background = page.locator(".sl-dashboard").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert background != "rgb(246, 247, 249)"  # the light --sl-bg
    page.locator('.sl-dashboard [data-widget="w_bars"][data-state="ready"]').wait_for()
    screenshot(page, "react-dashboard-dark")
