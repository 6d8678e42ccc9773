"""Console polish found by a new user, in Debian's Chromium (issue 14, item 11): the alert
form's "Computed over" select shows its whole text, and the Embed tab's preview frame grows
with the dashboard instead of cropping it."""

import pytest

from accounts.services import organization_create
from core.ids import new_id
from dashboards.services import dashboard_create, dashboard_publish
from tests.browser.conftest import PHONE, screenshot
from tests.factories import event, insert, spec, widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-Strong-123"


@pytest.fixture
def console(browser_page, live_server):
    created = organization_create(
        name="Initech", owner_email=f"{new_id('u')}@initech.example", owner_password=PASSWORD
    )
    widgets = [
        widget(f"w_{i}", title=f"Calls {i}", layout={"x": 0, "y": i * 4, "w": 12, "h": 4})
        for i in range(6)
    ]  # 24 rows of about 56 px: taller than the old fixed 720 px frame
    dashboard = dashboard_create(organization=created.organization, spec=spec(widgets=widgets))
    dashboard_publish(dashboard=dashboard)
    insert([event(org_id=created.organization.pk, tenant_id="acme")])
    page = browser_page
    page.goto(f"{live_server.url}/app/login")
    page.get_by_label("Email").fill(created.owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/app/**")
    page.base, page.dashboard = live_server.url, dashboard
    return page


FITS = """(select) => {
    const probe = document.createElement("span");
    probe.style.font = getComputedStyle(select).font;
    probe.style.whiteSpace = "pre";
    probe.textContent = select.options[select.selectedIndex].text;
    document.body.appendChild(probe);
    const needed = probe.getBoundingClientRect().width + 36;  // padding and the arrow
    probe.remove();
    return needed <= select.clientWidth;
}"""


@pytest.mark.parametrize("size", [None, PHONE], ids=["desktop", "phone"])
def test_computed_over_shows_its_whole_text(console, size) -> None:
    page = console
    if size:
        page.set_viewport_size(size)
    page.goto(f"{page.base}/app/alerts/new")
    select = page.get_by_label("Computed over")
    assert select.evaluate(FITS), "the default period's text is cut off"
    screenshot(page, f"polish-alert-form-{'phone' if size else 'desktop'}")


def test_embed_tab_frame_grows_with_the_dashboard(console) -> None:
    page = console
    page.goto(f"{page.base}/app/dashboards/{page.dashboard.pk}/embed")
    page.get_by_label("Tenant").fill("acme")
    page.get_by_role("button", name="Create session and preview").click()
    frame = page.wait_for_selector("#embed-frame")
    page.wait_for_function(
        "() => document.getElementById('embed-frame').getBoundingClientRect().height > 900"
    )
    content = frame.content_frame().evaluate("() => document.body.offsetHeight")
    height = frame.evaluate("(f) => f.getBoundingClientRect().height")
    assert abs(height - content) <= 4  # the whole dashboard, no inner scrollbar
    screenshot(page, "polish-embed-tab-frame")


def test_hidden_widgets_leave_no_hole_in_the_embed(console) -> None:
    """Item 8: with the first two widgets hidden, the next ones move up to the top."""
    from embeds.services import Actor, SessionRequest, embed_session_create
    from embeds.tokens import EmbedPermissions

    page = console
    organization = page.dashboard.organization
    request = SessionRequest(
        dashboard_id=page.dashboard.pk,
        tenant_id="acme",
        expires_in=600,
        permissions=EmbedPermissions(allowed_periods=("7d",), hidden_widgets=("w_0", "w_1")),
    )
    token = embed_session_create(organization=organization, request=request, actor=Actor()).token
    page.goto(f"{page.base}/embed/{page.dashboard.pk}?token={token}")
    page.wait_for_selector('[data-widget="w_5"][data-state="ready"]')
    tops = page.evaluate(
        """() => [...document.querySelectorAll('[data-widget]')]
            .map(el => [el.dataset.widget, Math.round(el.getBoundingClientRect().top)])"""
    )
    grid_top = page.evaluate(
        "() => Math.round(document.querySelector('.sl-grid').getBoundingClientRect().top)"
    )
    assert [wid for wid, _ in tops] == ["w_2", "w_3", "w_4", "w_5"]
    assert tops[0][1] - grid_top < 20  # w_2 starts at the top, not four rows down
    assert all(later > earlier for (_, earlier), (_, later) in zip(tops, tops[1:], strict=False))
    screenshot(page, "polish-hidden-widgets")
