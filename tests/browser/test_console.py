"""The console clicked through in Debian's Chromium: register -> generate a dashboard from
events -> edit a widget and watch the preview change -> publish -> embed tab session -> open it
as the customer. Screenshots of every page at 1280 and 390 px go to tests/browser/screenshots/."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.cache import cache

from accounts.models import Organization
from core.ids import new_id
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from warehouse.events import EventRow, insert_events

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser_page):
    browser_page.on("dialog", lambda dialog: dialog.accept())  # confirmations: publish, remove…
    return browser_page


def shoot(page, name: str) -> None:
    """The page at both widths, full height."""
    for label, size in (("desktop", DESKTOP), ("mobile", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(250)  # let charts resize
        screenshot(page, f"console-{name}-{label}")
        assert not wider_than_viewport(page), f"{name} overflows at {label} width"
    page.set_viewport_size(DESKTOP)


def wider_than_viewport(page) -> list[str]:
    """Elements sticking out to the right: usable at 390 px means no sideways scrolling."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > innerWidth + 1)
            .filter(el => !el.closest(".snippet, .secret, .tile-scroll, .chart, .nav"))
            .slice(0, 5).map(el => el.tagName + "." + el.className)"""
    )


def send_demo_events(organization: Organization) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    rows = []
    for tenant, volume in (("acme", 240), ("globex", 90)):
        for i in range(volume):
            rows.append(
                EventRow(
                    organization.pk,
                    tenant,
                    "api.call",
                    now - timedelta(minutes=37 * i + 3),
                    f"user{i % 17}",
                    new_id("i"),
                    {
                        "model": ("gpt-4", "claude", "llama")[i % 3],
                        "status": "error" if i % 11 == 0 else "success",
                        "region": ("eu", "us")[i % 2],
                    },
                    {"latency_ms": 80.0 + (i * 7) % 400, "cost_usd": round(0.001 * (i % 9 + 1), 4)},
                )
            )
            if i % 4 == 0:
                rows.append(
                    EventRow(
                        organization.pk,
                        tenant,
                        "login",
                        now - timedelta(minutes=53 * i + 1),
                        f"user{i % 17}",
                        new_id("i"),
                        {"method": "sso"},
                        {},
                    )
                )
    insert_events(rows)
    cache.clear()


def test_register_generate_edit_publish_embed(page, live_server) -> None:
    base = live_server.url
    page.goto(f"{base}/app/login")
    shoot(page, "login")
    page.goto(f"{base}/app/register")
    page.get_by_label("Organization name").fill("Initech")
    page.get_by_label("Work e-mail").fill(f"{new_id('u')}@initech.example")
    page.get_by_label("Password").fill("pw-Strong-123")
    shoot(page, "register")
    page.get_by_role("button", name="Create organization").click()
    page.wait_for_url("**/app/register/sent")
    shoot(page, "register-sent")
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/register/confirm/" in line)
    page.goto(base + link[link.index("/app/register/confirm/") :])  # the e-mail's link
    page.get_by_role("button", name="Create Initech").click()
    page.wait_for_url("**/app/welcome")
    assert page.locator("#new-secret").inner_text().startswith("sl_admin_")
    assert page.locator("#new-ingest-secret").inner_text().startswith("sl_ingest_")
    shoot(page, "welcome")

    send_demo_events(Organization.objects.get(name="Initech"))
    page.goto(f"{base}/app/dashboards")
    page.get_by_role("button", name="Generate from my events").click()
    page.wait_for_url("**/app/dashboards/dash_*")
    page.wait_for_selector(".preview-grid .tile")
    page.wait_for_selector(".chart[data-rendered]")
    shoot(page, "builder")

    first_kpi = page.locator(".tile").first
    value_before = first_kpi.locator(".sl-kpi-value").inner_text()
    page.locator(".widget-list .title a").first.click()
    page.wait_for_selector("#widget-editor")
    page.locator("#id_title").fill("Active users")
    page.get_by_label("Metric").select_option("count_unique")
    page.wait_for_selector("#widget-editor #id_property")  # the form re-rendered for the metric
    page.get_by_role("button", name="Save widget").click()
    page.wait_for_function(
        "() => document.querySelector('.tile .tile-title')?.textContent.includes('Active users')"
    )
    value_after = page.locator(".tile").first.locator(".sl-kpi-value").inner_text()
    assert value_after != value_before  # 240 calls vs 17 users for tenant acme
    shoot(page, "builder-editing")

    page.get_by_role("button", name="Move Active users down").click()  # reorder through HTMX
    page.wait_for_function(
        "() => document.querySelectorAll('.widget-list .title a')[1]?.textContent"
        " === 'Active users'"
    )

    page.locator(
        "summary", has_text="Dashboard settings"
    ).click()  # theme through the settings form
    page.get_by_label("Mode", exact=True).select_option("dark")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_selector(".preview-grid.theme-dark .chart[data-rendered]")
    shoot(page, "builder-dark")
    page.locator("summary", has_text="Dashboard settings").click()
    page.get_by_label("Mode", exact=True).select_option("light")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_selector(".preview-grid.theme-light .chart[data-rendered]")

    page.get_by_role("button", name="Publish").click()
    page.wait_for_selector(".badge-live")
    page.get_by_role("link", name="Embed").first.click()
    page.wait_for_url("**/embed")
    page.get_by_label("Tenant").fill("globex")
    page.get_by_role("button", name="Create session and preview").click()
    frame_element = page.wait_for_selector("#embed-frame")
    frame = frame_element.content_frame()
    frame.wait_for_load_state()
    frame.wait_for_function("() => document.body.innerText.includes('Active users')")
    page.wait_for_timeout(1500)  # the embed draws its charts
    shoot(page, "embed-tab")

    customer_url = frame_element.get_attribute("src")
    customer = page.context.new_page()
    customer.goto(f"{base}{customer_url}")
    customer.wait_for_function("() => document.body.innerText.includes('Active users')")
    assert "token=" not in customer.url  # the embed page drops the token from its URL
    customer.wait_for_timeout(1500)
    shoot(customer, "embed-as-customer")

    for name, path in (
        ("dashboards", "/app/dashboards"),
        ("keys", "/app/keys"),
        ("team", "/app/team"),
        ("settings", "/app/settings"),
    ):
        page.goto(f"{base}{path}")
        shoot(page, name)
    page.goto(f"{base}/app/keys")
    page.get_by_label("Name").fill("Backend prod")
    page.get_by_role("button", name="Create key").click()
    page.wait_for_selector(".secret-box code.secret")
    shoot(page, "keys-created")


def test_invite_accept_as_new_member_who_is_read_only(page, chromium_browser, live_server) -> None:
    from django.core import mail

    from accounts.services import organization_create
    from dashboards.services import dashboard_create

    base = live_server.url
    created = organization_create(
        name="Umbrella",
        owner_email=f"{new_id('u')}@umbrella.example",
        owner_password="pw-Strong-123",
    )
    dashboard_create(organization=created.organization, spec={"name": "Usage"})
    page.goto(f"{base}/app/login")
    page.get_by_label("Email").fill(created.owner.email)
    page.get_by_label("Password").fill("pw-Strong-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}/app/team")
    invitee = f"{new_id('u')}@umbrella.example"
    page.get_by_label("E-mail").fill(invitee)
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_selector(f"text=Invitation e-mailed to {invitee}")
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/app/invites/" in line)

    context = chromium_browser.new_context(viewport=DESKTOP)
    guest = context.new_page()
    guest.goto(base + link[link.index("/app/invites/") :])
    shoot(guest, "invite-accept")
    guest.get_by_label("Choose a password").fill("pw-Strong-456")
    guest.get_by_role("button", name="Create account and join").click()
    guest.wait_for_url("**/app/dashboards")
    guest.get_by_role("link", name="Open").click()
    guest.wait_for_selector("#builder-side")
    assert guest.get_by_role("button", name="Publish").count() == 0  # members only look
    status = guest.evaluate(
        """async () => (await fetch(location.pathname + "/publish", {method: "POST",
            headers: JSON.parse(document.body.getAttribute("hx-headers"))})).status"""
    )
    assert status == 403  # and the server refuses a forged request too
    shoot(guest, "builder-as-member")
    context.close()
