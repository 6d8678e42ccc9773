"""Ratios and number formats drawn in Debian's Chromium (issue 14, items 3 and 4): the same
text in the builder preview and in the embed page, because both use @sightline/charts."""

import pytest
from django.core.cache import cache

from dashboards.services import dashboard_create, dashboard_publish
from embeds.services import Actor, SessionRequest, embed_session_create
from embeds.tokens import EmbedPermissions
from tests.factories import event, insert, spec, widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RATE = {
    "numerator": {"metric": "count", "filters": {"status": "error"}},
    "denominator": {"metric": "count"},
}
PER_USER = {
    "numerator": {"metric": "sum", "property": "cost"},
    "denominator": {"metric": "count_unique"},
}
EXPECTED = {
    "w_rate": "25.0%",  # 1 error in 4 calls
    "w_per_user": "€0.50",  # 1.00 over 2 users
    "w_latency": "1.5 sec",  # avg of 1000 and 2000 ms
    "w_bytes": "2.5 MB",
    "w_zero": "No data for this period.",  # 0 / 0: null, not infinity
}


@pytest.fixture
def formatted(org):
    widgets = [
        widget("w_rate", title="Error rate", metric="ratio", ratio=RATE,
               format={"unit": "percent", "decimals": 1}),
        widget("w_per_user", title="Cost per user", metric="ratio", ratio=PER_USER,
               format={"unit": "currency", "currency": "EUR"}),
        widget("w_latency", title="Latency", metric="avg", prop="latency_ms",
               format={"unit": "duration"}),
        widget("w_bytes", title="Payload", metric="sum", prop="size",
               format={"unit": "bytes"}),
        widget("w_zero", title="Nothing", metric="ratio", ratio={
            "numerator": {"metric": "count"},
            "denominator": {"metric": "count", "filters": {"status": "none"}},
        }),
    ]  # fmt: skip
    dashboard = dashboard_create(organization=org.organization, spec=spec(widgets=widgets))
    dashboard_publish(dashboard=dashboard)
    org_id = org.organization.pk
    insert(
        event(
            org_id=org_id,
            tenant_id="acme",
            user_id=f"u{i % 2}",
            string_props={"status": "error" if i == 0 else "ok"},
            numeric_props={"cost": 0.25, "latency_ms": 1000 * (1 + i % 2), "size": 655360},
        )
        for i in range(4)
    )
    cache.clear()
    return dashboard


def texts(page_or_frame, selector: str) -> dict[str, str]:
    return {
        wid: page_or_frame.locator(selector.format(wid=wid))
        .inner_text()
        .strip()
        .replace("\xa0", " ")
        for wid in EXPECTED
    }


def test_the_embed_page_formats_ratios_and_units(browser_page, org, formatted, live_server):
    request = SessionRequest(
        dashboard_id=formatted.pk,
        tenant_id="acme",
        expires_in=600,
        permissions=EmbedPermissions(allowed_periods=("7d",)),
        locale="de-DE",
    )
    token = embed_session_create(
        organization=org.organization, request=request, actor=Actor()
    ).token
    page = browser_page
    page.goto(f"{live_server.url}/embed/{formatted.pk}?token={token}")
    page.wait_for_selector('[data-widget="w_zero"][data-state="empty"]')
    shown = texts(page, '[data-widget="{wid}"] .sl-card-body')
    german = {  # the session's locale decides separators
        "w_rate": "25,0 %",
        "w_per_user": "0,50 €",
        "w_latency": "1,5 Sek.",
        "w_bytes": "2,5 MB",
        "w_zero": EXPECTED["w_zero"],
    }
    assert {k: v.split("\n")[0] for k, v in shown.items()} == german


def test_the_builder_preview_shows_the_same_formats(browser_page, org, formatted, live_server):
    page = browser_page
    page.goto(f"{live_server.url}/app/login")
    page.get_by_label("Email").fill(org.owner.email)
    page.get_by_label("Password").fill("pw-Strong-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/app/**")
    page.goto(f"{live_server.url}/app/dashboards/{formatted.pk}")
    page.wait_for_selector('.tile[data-widget-id="w_zero"] [data-state="empty"]')
    shown = texts(page, '.tile[data-widget-id="{wid}"] .tile-body')
    assert {k: v.split("\n")[0] for k, v in shown.items()} == EXPECTED  # the browser's en-US
