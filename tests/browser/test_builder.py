"""Every builder control clicked in Debian's Chromium, each checked against the live preview:
a /preview request is made and the numbers or the caption change (issue 14, item 1)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from accounts.services import organization_create
from core.ids import new_id
from dashboards.services import dashboard_create
from tests.factories import event, insert, spec, widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Strong-123"


@pytest.fixture
def builder(browser_page, live_server):
    """A logged-in admin on the builder of a four-widget dashboard with two viewer filters,
    over events of two tenants whose numbers differ (acme 30 calls, globex 12)."""
    created = organization_create(
        name="Initech", owner_email=f"{new_id('u')}@initech.example", owner_password=PASSWORD
    )
    org_id = created.organization.pk
    now = datetime.now(UTC)
    rows = []
    for tenant, calls in (("acme", 30), ("globex", 12)):
        for i in range(calls):
            rows.append(
                event(
                    org_id=org_id,
                    tenant_id=tenant,
                    timestamp=now - timedelta(hours=i * 5 + 1),  # 30 calls span 6 days
                    user_id=f"user{i % 4}",
                    string_props={
                        "model": ("gpt-4", "claude", "llama")[i % 3],
                        "status": "error" if i % 5 == 0 else "success",
                    },
                    numeric_props={"latency_ms": 100 + i * 10, "tokens": 10 + i},
                )
            )
        rows.append(event(org_id=org_id, tenant_id=tenant, event_name="login", user_id="u1"))
    insert(rows)
    widgets = [
        widget("w_calls", title="Calls", layout={"x": 0, "y": 0, "w": 3, "h": 2}),
        widget(
            "w_trend",
            title="Calls over time",
            kind="timeseries",
            chart="line",
            layout={"x": 0, "y": 2, "w": 12, "h": 4},
        ),
        widget(
            "w_models",
            title="Calls by model",
            kind="breakdown",
            chart="bar",
            group_by=["model"],
            layout={"x": 0, "y": 6, "w": 6, "h": 4},
        ),
        widget(
            "w_table",
            title="Tokens by model",
            kind="table",
            chart="table",
            metric="sum",
            prop="tokens",
            group_by=["model"],
            layout={"x": 6, "y": 6, "w": 6, "h": 4},
        ),
    ]
    dashboard = dashboard_create(
        organization=created.organization,
        spec=spec(
            "API",
            widgets=widgets,
            default_period="7d",
            filters=[
                {"dimension": "model", "label": "Model"},
                {"dimension": "status", "label": "Status"},
            ],
        ),
    )
    cache.clear()
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server.url}/app/login")
    page.get_by_label("Email").fill(created.owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/app/**")
    page.goto(f"{live_server.url}/app/dashboards/{dashboard.pk}")
    page.wait_for_selector(".preview-grid .tile .sl-kpi-value")
    page.wait_for_selector(".chart[data-rendered]")
    page.dashboard = dashboard
    return page


def kpi(page, title: str = "Calls") -> str:
    return page.locator(".tile", has_text=title).locator(".sl-kpi-value").inner_text()


def caption(page) -> str:
    return page.locator("#preview-period-line").inner_text()


def preview_after(page, action) -> None:
    """Run `action` and wait for the /preview request it must cause and its swap."""
    page.evaluate("() => document.querySelector('#preview').firstElementChild.dataset.stale = 1")
    with page.expect_response(lambda r: "/preview" in r.url and r.status == 200):
        action()
    page.wait_for_selector("#preview > :first-child:not([data-stale])", state="attached")
    page.wait_for_selector(".preview-grid .tile")


def test_preview_tenant_period_and_viewer_filters_reload_the_preview(builder) -> None:
    page = builder
    assert caption(page).startswith("acme")
    assert kpi(page) == "30"
    headers = tile(page, "w_table").locator("th").all_inner_texts()
    assert headers == ["Model", "Sum of tokens"]  # not the data's column names (sum(tokens))

    preview_after(page, lambda: page.get_by_label("Preview as tenant").select_option("globex"))
    assert caption(page).startswith("globex")
    assert kpi(page) == "12"

    before = caption(page)
    preview_after(page, lambda: page.get_by_label("Period", exact=True).select_option("24h"))
    assert caption(page) != before  # the period's start moved
    assert kpi(page) == "5"  # globex's calls at 1, 6, 11, 16, 21 hours ago

    preview_after(page, lambda: page.get_by_label("Period", exact=True).select_option("30d"))
    preview_after(page, lambda: pick(page, "Model", "claude"))
    assert kpi(page) == "4"  # globex calls 1, 4, 7, 10
    model = page.get_by_label("Model", exact=True)
    assert model.input_value() == "claude"  # the choice survives the swap
    preview_after(page, lambda: pick(page, "Status", "error"))
    assert kpi(page) == "1"  # and both filters apply (call 10)
    assert caption(page).startswith("globex")  # the tenant too


def pick(page, label: str, value: str) -> None:
    """Type a value into a viewer filter's picker and leave it (a change event)."""
    picker = page.get_by_label(label, exact=True)
    picker.fill(value)
    picker.press("Tab")


def open_editor(page, title: str) -> None:
    with page.expect_response(lambda r: "/widgets/" in r.url and r.request.method == "GET"):
        page.locator(".widget-list .title a", has_text=title).first.click()
    page.wait_for_timeout(50)


def save_widget(page) -> None:
    preview_after(page, lambda: page.get_by_role("button", name="Save widget").click())


def refreshed_after(page, action) -> None:
    """Run `action` (a kind, metric or chart choice) and wait for the editor to re-render."""
    with page.expect_response(lambda r: "/widgets/" in r.url and r.request.method == "POST"):
        action()
    page.wait_for_timeout(50)


def editor(page):
    return page.locator("#widget-editor")


def tile(page, widget_id: str):
    return page.locator(f'.tile[data-widget-id="{widget_id}"]')


def test_each_widget_form_field_changes_the_preview(builder) -> None:
    page = builder
    open_editor(page, "Calls")
    editor(page).get_by_label("Title").fill("API calls")
    save_widget(page)
    assert tile(page, "w_calls").locator(".tile-title").inner_text() == "API calls"

    editor(page).get_by_label("Event").select_option("login")
    save_widget(page)
    assert kpi(page, "API calls") == "1"

    editor(page).get_by_label("Event").select_option("api.call")
    editor(page).get_by_label("Filters").fill("status = error")
    save_widget(page)
    assert kpi(page, "API calls") == "6"  # acme calls 0, 5, …, 25

    editor(page).get_by_label("Filters").fill("")
    refreshed_after(page, lambda: editor(page).get_by_label("Metric").select_option("count_unique"))
    save_widget(page)
    assert kpi(page, "API calls") == "4"  # user0..user3

    refreshed_after(page, lambda: editor(page).get_by_label("Metric").select_option("sum"))
    editor(page).get_by_label("Property").select_option("tokens")
    save_widget(page)
    assert kpi(page, "API calls") == str(sum(10 + i for i in range(30)))  # 735
    editor(page).get_by_label("Property").select_option("latency_ms")
    save_widget(page)
    assert kpi(page, "API calls") == "7,350"  # 30 × 100 + 10 × 435 = 7350

    refreshed_after(page, lambda: editor(page).get_by_label("Chart").select_option("progress"))
    editor(page).get_by_label("Target").fill("14700")
    save_widget(page)
    assert tile(page, "w_calls").locator(".sl-progress").get_attribute("aria-valuenow") == "50"

    cell = page.locator('.tile-cell[gs-id="w_calls"]')  # the grid's cell around the tile
    box = lambda: [cell.get_attribute(f"gs-{k}") for k in "xywh"]  # noqa: E731
    assert box() == ["0", "0", "3", "2"]
    editor(page).get_by_label("Width").fill("6")
    editor(page).get_by_label("Height").fill("3")
    editor(page).get_by_label("Column").fill("2")
    save_widget(page)
    assert box() == ["2", "0", "6", "3"]
    editor(page).get_by_label("Row").fill("20")
    save_widget(page)
    assert box() == ["2", "20", "6", "3"]
    page.wait_for_selector('.grid-stack .tile-cell[gs-id="w_calls"][gs-y="20"]')  # kept by the grid

    refreshed_after(page, lambda: editor(page).get_by_label("Kind").select_option("timeseries"))
    save_widget(page)
    assert tile(page, "w_calls").locator(".chart[data-chart-kind='timeseries']").count() == 1

    open_editor(page, "Calls over time")
    chart = tile(page, "w_trend").locator(".chart")
    assert chart.get_attribute("data-chart-type") == "line"
    refreshed_after(page, lambda: editor(page).get_by_label("Chart").select_option("bar"))
    save_widget(page)
    assert tile(page, "w_trend").locator(".chart").get_attribute("data-chart-type") == "bar"
    points = lambda: page.evaluate(  # noqa: E731 - a probe re-read after each save
        "() => JSON.parse(document.getElementById('data-w_trend').textContent).series[0].points"
        ".length"
    )
    editor(page).get_by_label("Bucket").select_option("hour")
    save_widget(page)
    hourly = points()
    editor(page).get_by_label("Bucket").select_option("day")
    save_widget(page)
    assert hourly > points() >= 7

    open_editor(page, "Calls by model")
    rows = lambda: page.evaluate(  # noqa: E731
        "() => JSON.parse(document.getElementById('data-w_models').textContent).rows"
        ".map(r => r.key).sort().join(',')"
    )
    assert rows() == "claude,gpt-4,llama"
    editor(page).get_by_label("Group by").select_option("status")
    save_widget(page)
    assert rows() == "error,success"
    editor(page).get_by_label("Limit").fill("1")
    save_widget(page)
    assert rows() == "other,success"  # the top one and the rest


def tile_titles(page) -> list[str]:
    return page.locator(".preview-grid .tile .tile-title").all_inner_texts()


def test_reorder_duplicate_and_remove_change_the_preview(builder) -> None:
    page = builder
    assert tile_titles(page)[:2] == ["Calls", "Calls over time"]
    preview_after(page, lambda: page.get_by_role("button", name="Move Calls down").click())
    assert tile_titles(page)[:2] == ["Calls over time", "Calls"]
    preview_after(page, lambda: page.get_by_role("button", name="Move Calls up").click())
    assert tile_titles(page)[:2] == ["Calls", "Calls over time"]

    preview_after(page, lambda: page.get_by_role("button", name="Duplicate Calls by model").click())
    assert tile_titles(page).count("Calls by model (copy)") == 1
    assert len(tile_titles(page)) == 5

    preview_after(page, lambda: page.get_by_role("button", name="Remove Calls over time").click())
    assert "Calls over time" not in tile_titles(page)
    assert len(tile_titles(page)) == 4


def test_theme_settings_restyle_the_preview(builder) -> None:
    page = builder
    grid = page.locator(".preview-grid")
    assert grid.get_attribute("data-mode") == "light"
    page.locator("summary", has_text="Dashboard settings").click()
    page.get_by_label("Mode", exact=True).select_option("dark")
    page.get_by_label("Primary color").fill("#db2777")
    page.get_by_label("Font").fill("Georgia, serif")
    preview_after(page, lambda: page.get_by_role("button", name="Save settings").click())
    page.wait_for_selector(".preview-grid.theme-dark .chart[data-rendered]")
    assert grid.get_attribute("data-primary") == "#db2777"
    assert "Georgia" in grid.get_attribute("style")
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('.preview-grid .tile')).backgroundColor"
    )
    assert background != "rgb(255, 255, 255)"  # dark tiles

    page.locator("summary", has_text="Dashboard settings").click()
    page.get_by_label("Default period").select_option("24h")
    preview_after(page, lambda: page.get_by_role("button", name="Save settings").click())
    assert kpi(page) == "5"  # acme's calls of the last 24 hours (the tenant select says acme)


def test_publish_unpublish_discard_and_restore_a_version(builder) -> None:
    page = builder
    status = page.locator("#builder-side .status-line")
    assert status.locator(".badge-draft").count() == 1
    preview_after(page, lambda: page.get_by_role("button", name="Publish", exact=True).click())
    assert status.locator(".badge-live").inner_text() == "Published v1"

    open_editor(page, "Calls")
    editor(page).get_by_label("Title").fill("Calls v2")
    save_widget(page)
    assert status.locator(".badge-changes").count() == 1
    preview_after(page, lambda: page.get_by_role("button", name="Discard changes").click())
    assert "Calls" in tile_titles(page) and "Calls v2" not in tile_titles(page)
    assert status.locator(".badge-live").count() == 1

    open_editor(page, "Calls")
    editor(page).get_by_label("Title").fill("Calls v2")
    save_widget(page)
    preview_after(page, lambda: page.get_by_role("button", name="Publish", exact=True).click())
    assert status.locator(".badge-live").inner_text() == "Published v2"
    page.locator("summary", has_text="Version history").click()
    # By the version's own label: a publisher's random e-mail may contain "v1" too.
    version_1 = page.locator(".versions li").filter(has=page.get_by_text("v1", exact=True))
    restore_v1 = version_1.get_by_role("button", name="Restore")
    preview_after(page, restore_v1.click)
    assert "Calls" in tile_titles(page) and "Calls v2" not in tile_titles(page)
    assert status.locator(".badge-changes").count() == 1  # v2 stays live until published again

    preview_after(page, lambda: page.get_by_role("button", name="Unpublish").click())
    assert status.locator(".badge-draft").count() == 1
    assert page.get_by_role("button", name="Unpublish").count() == 0
