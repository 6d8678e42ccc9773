"""The console's Usage page in Debian's Chromium: real embed pages are opened (each reports its
load time through the beacon), then every control of the Usage page is used — the nav entry,
the period, tenant and dashboard pickers, the links of the per-tenant and per-dashboard tables
— and each changes what the page shows. Screenshots at 1280 and 390 px go to
tests/browser/screenshots/ (usage-*)."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.services import organization_create
from core.ids import new_id
from dashboards.services import dashboard_create, dashboard_publish
from embeds.services import Actor, SessionRequest, embed_session_create
from embeds.tokens import EmbedPermissions
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.factories import event, insert, spec, widget
from usage.recorder import usage_flush

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shoot(page, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("mobile", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(200)
        screenshot(page, f"usage-{name}-{label}")
        wide = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert wide <= 1, f"the {name} page scrolls sideways at {label} width ({wide} px)"
    page.set_viewport_size(DESKTOP)


def open_embed(page, server: str, organization, dashboard, tenant: str, user: str) -> None:
    """The real embed page: its script draws the widgets, then POSTs its load time."""
    issued = embed_session_create(
        organization=organization,
        request=SessionRequest(
            dashboard_id=dashboard.pk,
            tenant_id=tenant,
            expires_in=600,
            permissions=EmbedPermissions(),
            user=user,
        ),
        actor=Actor(ip="127.0.0.1"),
    )
    with page.expect_response(lambda r: r.url.endswith("/usage")) as beacon:
        page.goto(f"{server}/embed/{dashboard.pk}?token={issued.token}")
    assert beacon.value.status == 204


def totals(page) -> tuple[str, str]:
    return (
        page.locator("#usage-total-views").inner_text(),
        page.locator("#usage-total-viewers").inner_text(),
    )


def test_every_control_of_the_usage_page(browser_page, live_server) -> None:
    page = browser_page
    created = organization_create(
        name="Umbrella",
        owner_email=f"{new_id('u')}@umbrella.example",
        owner_password="pw-Strong-123",
    )
    organization = created.organization
    insert(
        event(
            org_id=organization.pk,
            tenant_id=tenant,
            timestamp=datetime.now(UTC) - timedelta(hours=1),
        )
        for tenant in ("acme", "globex")
    )
    dashboards = []
    for name in ("Calls", "Costs"):
        dashboard = dashboard_create(
            organization=organization, spec=spec(name, widgets=[widget("w_calls", title=name)])
        )
        dashboard_publish(dashboard=dashboard)
        dashboards.append(dashboard)
    calls, costs = dashboards

    page.goto(f"{live_server.url}/app/login")
    page.get_by_label("Email").fill(created.owner.email)
    page.get_by_label("Password").fill("pw-Strong-123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Usage").click()
    assert page.locator("#usage-empty").is_visible()
    shoot(page, "empty")

    embed = page.context.new_page()
    open_embed(embed, live_server.url, organization, calls, "acme", "ann")
    open_embed(embed, live_server.url, organization, calls, "acme", "al")
    open_embed(embed, live_server.url, organization, calls, "globex", "bo")
    open_embed(embed, live_server.url, organization, costs, "globex", "bo")
    embed.close()
    assert usage_flush() >= 8  # four views and four load times (plus any data requests)

    page.reload()
    assert totals(page) == ("4", "3")
    assert "ms" in page.locator("#usage-total-load").inner_text()
    for chart in ("usage_views", "usage_load_p50", "usage_load_p95"):  # @sightline/charts
        page.locator(f'[data-render="{chart}"] canvas').first.wait_for()
    # The pages' first data came inline: no data request, no error yet, the renderer says so.
    assert "No data" in page.locator('[data-render="usage_requests"]').inner_text()
    assert page.locator("#usage-tenants tbody tr").count() == 2
    assert page.locator("#usage-dashboards tbody tr").count() == 2
    shoot(page, "all")

    page.get_by_label("Period").select_option("24h")
    page.wait_for_url("**period=24h**")
    assert "by hour" in page.locator("#usage-window").inner_text()
    assert totals(page) == ("4", "3")

    page.get_by_label("Tenant").select_option("globex")
    page.wait_for_url("**tenant=globex**")
    assert totals(page) == ("2", "1")
    assert page.get_by_label("Period").input_value() == "24h"  # the other pickers stay
    shoot(page, "tenant")

    page.get_by_label("Dashboard").select_option(costs.pk)
    page.wait_for_url(f"**dashboard={costs.pk}**")
    assert totals(page) == ("1", "1")
    assert page.locator("#usage-dashboards tbody tr").count() == 1

    page.get_by_label("Tenant").select_option("")
    page.wait_for_url("**tenant=&**")
    page.get_by_label("Dashboard").select_option("")
    page.wait_for_url("**dashboard=")
    assert totals(page) == ("4", "3")

    page.locator("#usage-tenants").get_by_role("link", name="acme").click()
    page.wait_for_url("**tenant=acme**")
    assert totals(page) == ("2", "2")
    page.locator("#usage-dashboards").get_by_role("link", name="Calls").click()
    page.wait_for_url(f"**dashboard={calls.pk}**")
    assert totals(page) == ("2", "2")
    assert page.get_by_label("Tenant").input_value() == "acme"
