"""Edit mode inside the embed, in Chromium: a designer adds a widget, saves, reloads and sees it;
another tenant does not; a viewer of the same tenant sees it only with variant_scope "tenant";
every control of edit mode does something. Screenshots under tests/browser/screenshots/."""

from typing import Any

import pytest

from dashboards.models import DashboardVariant
from dashboards.services import dashboard_publish, dashboard_update
from embeds.tokens import EmbedPermissions
from tests.browser.conftest import screenshot
from tests.browser.test_embed import ALL_PERIODS, issue, seed_demo_events
from tests.embeds.conftest import TENANT_B, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dashboard(org):
    seed_demo_events(org.organization.pk)
    return publish(org.organization)


def designer(**extra: Any) -> EmbedPermissions:
    return EmbedPermissions(allowed_periods=ALL_PERIODS, role="designer", **extra)


def viewer(**extra: Any) -> EmbedPermissions:
    return EmbedPermissions(allowed_periods=ALL_PERIODS, **extra)


def open_embed(page: Any, live_server: Any, dashboard: Any, token: str) -> Any:
    page.goto(f"{live_server.url}/embed/{dashboard.pk}?token={token}")
    page.locator('[data-widget="w_kpi"][data-state="ready"]').wait_for()
    return page


def own_cards(page: Any) -> Any:
    return page.locator('.sl-card[data-widget^="w_my_"]')


def add_widget(page: Any, title: str, *, group_by: str = "model") -> None:
    page.get_by_role("button", name="Add widget").click()
    form = page.locator(".sl-widget-form")
    form.locator('input[name="title"]').fill(title)
    form.locator('select[name="kind"]').select_option("breakdown")
    form.locator('select[name="group_by"]').select_option(group_by)
    form.get_by_role("button", name="Add to the view").click()


def test_a_designer_adds_a_widget_saves_reloads_and_sees_it(
    browser_page, live_server, org, dashboard
):
    page = open_embed(
        browser_page,
        live_server,
        dashboard,
        issue(org, dashboard, user="jane", permissions=designer()),
    )
    assert page.locator(".sl-designer").count() == 0

    page.get_by_role("button", name="Edit").click()
    page.locator(".sl-designer").wait_for()
    add_widget(page, "My models")
    rows = page.locator(".sl-designer-row")
    assert rows.last.locator(".sl-designer-name").inner_text() == "My models"
    screenshot(page, "designer-edit-mode")
    page.get_by_role("button", name="Save").click()

    card = own_cards(page)
    card.locator(".sl-card-title").get_by_text("My models").wait_for()
    page.locator('.sl-card[data-widget^="w_my_"][data-state="ready"]').wait_for()
    assert page.locator(".sl-designer").count() == 0
    screenshot(page, "designer-saved")
    # Reload (the token again, as the host app would): the widget is still there.
    page = open_embed(
        page, live_server, dashboard, issue(org, dashboard, user="jane", permissions=designer())
    )
    own_cards(page).first.wait_for()
    assert own_cards(page).count() == 1
    assert "b-only-model" not in page.content()
    # Another tenant (even with the same user name) sees the published dashboard.
    page = open_embed(
        page,
        live_server,
        dashboard,
        issue(org, dashboard, tenant_id=TENANT_B, user="jane", permissions=designer()),
    )
    assert own_cards(page).count() == 0
    # A viewer of the same tenant: not a personal view of someone else.
    page = open_embed(
        page, live_server, dashboard, issue(org, dashboard, user="bob", permissions=viewer())
    )
    assert own_cards(page).count() == 0
    assert page.get_by_role("button", name="Edit").count() == 0


def test_a_tenant_view_is_seen_only_by_sessions_with_variant_scope_tenant(
    browser_page, live_server, org, dashboard
):
    shared = issue(org, dashboard, user="ann", permissions=designer(variant_scope="tenant"))
    page = open_embed(browser_page, live_server, dashboard, shared)
    page.get_by_role("button", name="Edit").click()
    add_widget(page, "Shared models")
    page.get_by_role("button", name="Save").click()
    own_cards(page).first.wait_for()

    page = open_embed(
        page,
        live_server,
        dashboard,
        issue(org, dashboard, user="bob", permissions=viewer(variant_scope="tenant")),
    )
    own_cards(page).first.wait_for()
    assert own_cards(page).locator(".sl-card-title").inner_text() == "Shared models"
    screenshot(page, "designer-tenant-view-seen-by-a-viewer")
    page = open_embed(
        page, live_server, dashboard, issue(org, dashboard, user="bob", permissions=viewer())
    )
    assert own_cards(page).count() == 0
    page = open_embed(
        page,
        live_server,
        dashboard,
        issue(org, dashboard, tenant_id=TENANT_B, permissions=viewer(variant_scope="tenant")),
    )
    assert own_cards(page).count() == 0


def order_of(page: Any) -> list[str]:
    return page.locator(".sl-designer-row").evaluate_all("rows => rows.map(r => r.dataset.widget)")


def test_every_control_of_edit_mode_does_something(browser_page, live_server, org, dashboard):
    token = issue(org, dashboard, user="jane", permissions=designer(locked_filters={"plan": "pro"}))
    page = open_embed(browser_page, live_server, dashboard, token)
    page.get_by_role("button", name="Edit").click()

    # Cancel leaves the view as it was.
    add_widget(page, "Thrown away")
    page.get_by_role("button", name="Cancel").first.click()
    assert page.locator(".sl-designer").count() == 0 and own_cards(page).count() == 0
    assert not DashboardVariant.objects.exists()

    page.get_by_role("button", name="Edit").click()
    # The form: kind changes the charts offered, metric shows a property, filters add/remove.
    page.get_by_role("button", name="Add widget").click()
    form = page.locator(".sl-widget-form")
    form.locator('select[name="kind"]').select_option("kpi")
    charts = form.locator('select[name="chart"] option').all_inner_texts()
    assert charts == ["Stat", "Progress", "Sparkline"]
    assert form.locator('select[name="group_by"]').count() == 0
    form.locator('select[name="chart"]').select_option("progress")
    assert form.locator('input[name="target"]').count() == 1
    form.locator('select[name="chart"]').select_option("stat")
    assert form.locator('select[name="property"]').count() == 0
    form.locator('select[name="metric"]').select_option("sum")
    assert "tokens" in form.locator('select[name="property"] option').all_inner_texts()
    form.get_by_role("button", name="Add filter").click()
    assert form.locator(".sl-filter-row").count() == 1
    form.locator(".sl-filter-row select").select_option("plan")
    form.locator(".sl-filter-row input").fill("free")
    form.get_by_role("button", name="Remove filter").click()
    assert form.locator(".sl-filter-row").count() == 0
    form.get_by_role("button", name="Cancel").click()
    assert page.locator(".sl-widget-form").count() == 0

    # A filter on the locked key is refused by the server, and the page says so.
    page.get_by_role("button", name="Add widget").click()
    form = page.locator(".sl-widget-form")
    form.locator('input[name="title"]').fill("Free plan")
    form.locator('select[name="kind"]').select_option("kpi")
    form.get_by_role("button", name="Add filter").click()
    form.locator(".sl-filter-row select").select_option("plan")
    form.locator(".sl-filter-row input").fill("free")
    form.get_by_role("button", name="Add to the view").click()
    page.get_by_role("button", name="Save").click()
    errors = page.locator(".sl-designer-errors")
    errors.wait_for()
    assert "Free plan" in errors.inner_text() and "set by the application" in errors.inner_text()
    screenshot(page, "designer-error")
    page.js_errors.clear()  # the browser logs the refused save (403)
    page.locator('.sl-designer-row:has-text("Free plan")').get_by_role(
        "button", name="Remove"
    ).click()
    assert page.locator('.sl-designer-row:has-text("Free plan")').count() == 0

    # Change, move up/down, hide / show.
    add_widget(page, "Mine")
    mine = page.locator('.sl-designer-row:has-text("Mine")')
    mine.get_by_role("button", name="Change").click()
    page.locator('.sl-widget-form input[name="title"]').fill("Mine, renamed")
    page.locator(".sl-widget-form").get_by_role("button", name="Apply").click()
    mine = page.locator('.sl-designer-row:has-text("Mine, renamed")')
    assert mine.count() == 1
    before = order_of(page)
    mine.get_by_role("button", name="Move up").click()
    after = order_of(page)
    assert after[-2] == before[-1] and after[-1] == before[-2]
    page.locator(".sl-designer-row").first.get_by_role("button", name="Move down").click()
    assert order_of(page)[:2] == [after[1], after[0]]
    mine.get_by_role("button", name="Hide").click()
    assert "hidden" in mine.locator(".sl-designer-tag").inner_text()
    mine.get_by_role("button", name="Show").click()
    assert "hidden" not in mine.locator(".sl-designer-tag").inner_text()
    mine.get_by_role("button", name="Hide").click()
    page.get_by_role("button", name="Save").click()
    page.locator(".sl-designer").wait_for(state="detached")
    assert own_cards(page).count() == 0  # hidden: kept in the variant, not shown
    stored = DashboardVariant.objects.get()
    assert [w["title"] for w in stored.widgets] == ["Mine, renamed"]
    assert stored.hidden == [stored.widgets[0]["id"]]
    assert [entry["id"] for entry in stored.layout][:2] == [after[1], after[0]]

    # Show it again, save, then reset to the published dashboard (with confirmation).
    page.get_by_role("button", name="Edit").click()
    page.locator('.sl-designer-row:has-text("Mine, renamed")').get_by_role(
        "button", name="Show"
    ).click()
    page.get_by_role("button", name="Save").click()
    own_cards(page).first.wait_for()
    page.get_by_role("button", name="Edit").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset to the dashboard").click()
    page.locator(".sl-designer").wait_for(state="detached")
    assert own_cards(page).count() == 0
    assert not DashboardVariant.objects.exists()


def test_the_viewer_is_told_once_when_the_owner_removed_widgets_of_the_view(
    browser_page, live_server, org, dashboard
):
    token = issue(org, dashboard, user="jane", permissions=designer())
    page = open_embed(browser_page, live_server, dashboard, token)
    page.get_by_role("button", name="Edit").click()
    page.locator('.sl-designer-row[data-widget="w_list"]').get_by_role(
        "button", name="Move up"
    ).click()
    add_widget(page, "Kept")
    page.get_by_role("button", name="Save").click()
    own_cards(page).first.wait_for()
    widgets = [w for w in dashboard.draft_spec["widgets"] if w["id"] not in ("w_list", "w_bars")]
    dashboard_update(dashboard=dashboard, changes={"widgets": widgets})
    dashboard_publish(dashboard=dashboard)

    page = open_embed(page, live_server, dashboard, token)
    notice = page.locator(".sl-notice")
    assert notice.inner_text().startswith(
        "2 widgets of your view were removed by the dashboard's owner."
    )
    assert own_cards(page).count() == 1
    screenshot(page, "designer-notice")
    notice.get_by_role("button", name="Dismiss").click()
    assert page.locator(".sl-notice").count() == 0
    page = open_embed(page, live_server, dashboard, token)
    assert page.locator(".sl-notice").count() == 0


def test_the_operator_sees_filters_and_deletes_customer_views(
    browser_page, live_server, org, dashboard
):
    from tests.api.dashboards.test_variants_api import save

    second = publish(org.organization, {"name": "Second board", "widgets": []})
    jane = save(dashboard, "tenant_a", "jane")
    shared = save(dashboard, TENANT_B)
    other = save(second, "tenant_a", "zed")
    page = browser_page
    page.goto(f"{live_server.url}/app/login")
    page.get_by_label("Email").fill(org.owner.email)
    page.get_by_label("Password").fill("pw-Strong-123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Dashboards").first.click()
    page.get_by_role("link", name="Customer views").click()
    rows = page.locator("#variants tbody tr")
    assert rows.count() == 3
    screenshot(page, "console-customer-views")

    page.get_by_label("Dashboard").select_option(second.pk)
    page.get_by_role("button", name="Filter").click()
    assert rows.count() == 1 and rows.first.get_attribute("data-variant") == other.pk
    page.get_by_label("Dashboard").select_option("")
    page.get_by_label("Tenant").fill(TENANT_B)
    page.get_by_role("button", name="Filter").click()
    assert rows.count() == 1 and "Whole tenant" in rows.first.inner_text()

    page.get_by_label("Tenant").fill("")
    page.get_by_role("button", name="Filter").click()
    page.once("dialog", lambda dialog: dialog.dismiss())  # a refused confirmation deletes nothing
    page.locator(f'tr[data-variant="{jane.pk}"]').get_by_role("button", name="Delete").click()
    assert DashboardVariant.objects.filter(pk=jane.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f'tr[data-variant="{jane.pk}"]').get_by_role("button", name="Delete").click()
    page.get_by_text("was deleted").wait_for()
    assert rows.count() == 2
    assert not DashboardVariant.objects.filter(pk=jane.pk).exists()
    assert DashboardVariant.objects.filter(pk=shared.pk).exists()


def test_a_designer_builds_a_funnel_and_a_ratio_kpi_like_the_console_builder(
    browser_page, live_server, org, dashboard
):
    """The console builder's funnel (steps in order, a window) and ratio (numerator and
    denominator, each a metric with filters), under the session's grant: the saved widgets
    are drawn with their numbers; the steps offered are only the session's events."""
    from datetime import UTC, datetime, timedelta

    from tests.embeds.conftest import TENANT_A
    from tests.factories import event, insert

    now = datetime.now(UTC)
    insert(  # 3 of tenant A's users sign in, 2 of them then call the API
        event(
            org_id=org.organization.pk,
            tenant_id=TENANT_A,
            event_name=name,
            user_id=user,
            timestamp=now - timedelta(hours=3 if name == "login" else 2),
        )
        for name, user in [("login", "f1"), ("login", "f2"), ("login", "f3")]
        + [("api.call", "f1"), ("api.call", "f2")]
    )
    token = issue(
        org, dashboard, user="jane", permissions=designer(allowed_events=("login", "api.call"))
    )
    page = open_embed(browser_page, live_server, dashboard, token)
    page.get_by_role("button", name="Edit").click()

    page.get_by_role("button", name="Add widget").click()
    form = page.locator(".sl-widget-form")
    form.locator('input[name="title"]').fill("Sign-in to call")
    form.locator('select[name="kind"]').select_option("funnel")
    assert form.locator('select[name="metric"]').count() == 0  # a funnel counts users
    steps = form.locator('select[name="step"]')
    assert steps.count() == 2
    steps.nth(0).select_option("login")
    steps.nth(1).select_option("api.call")
    form.get_by_role("button", name="Add step").click()
    assert steps.count() == 3
    form.get_by_role("button", name="Remove step 3").click()
    assert steps.count() == 2
    form.get_by_role("button", name="Add to the view").click()

    page.get_by_role("button", name="Add widget").click()
    form = page.locator(".sl-widget-form")
    form.locator('input[name="title"]').fill("Pro share")
    form.locator('select[name="kind"]').select_option("kpi")
    form.locator('select[name="event_name"]').select_option("api.call")
    form.locator('select[name="metric"]').select_option("ratio")
    form.locator('input[name="numerator_filters"]').fill("plan = pro")
    form.locator('select[name="denominator_metric"]').select_option("count")
    form.get_by_role("button", name="Add to the view").click()
    page.get_by_role("button", name="Save").click()
    page.locator(".sl-designer").wait_for(state="detached")

    stored = {w["title"]: w for w in DashboardVariant.objects.get().widgets}
    funnel, ratio = stored["Sign-in to call"], stored["Pro share"]
    assert (funnel["kind"], funnel["steps"], funnel["metric"]) == (
        "funnel",
        ["login", "api.call"],
        "count_unique",
    )
    assert ratio["metric"] == "ratio"
    assert ratio["ratio"]["numerator"]["filters"] == {"plan": "pro"}
    ready = '.sl-card[data-widget="{}"][data-state="ready"]'
    page.locator(ready.format(funnel["id"])).wait_for()
    page.locator(ready.format(ratio["id"])).wait_for()
    card = page.locator(f'[data-widget="{funnel["id"]}"]')
    assert "login" in card.inner_text() and "api.call" in card.inner_text()
    screenshot(page, "designer-funnel-ratio")

    # Another session charts only api.call: no other event is offered as a step.
    other = issue(org, dashboard, user="ann", permissions=designer(allowed_events=("api.call",)))
    page = open_embed(page, live_server, dashboard, other)
    page.get_by_role("button", name="Edit").click()
    page.get_by_role("button", name="Add widget").click()
    form = page.locator(".sl-widget-form")
    form.locator('select[name="kind"]').select_option("funnel")
    assert set(form.locator('select[name="step"] option').all_inner_texts()) == {"api.call"}
