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
    page.wait_for_selector(".preview-grid .tile .kpi-value")
    page.wait_for_selector(".chart[data-rendered]")
    page.dashboard = dashboard
    return page


def kpi(page, title: str = "Calls") -> str:
    return page.locator(".tile", has_text=title).locator(".kpi-value").inner_text()


def caption(page) -> str:
    return page.locator("#preview-period-line").inner_text()


def preview_after(page, action) -> None:
    """Run `action` and wait for the /preview request it must cause and its swap."""
    with page.expect_response(lambda r: "/preview" in r.url and r.status == 200):
        action()
    page.wait_for_selector(".preview-grid .tile")
    page.wait_for_timeout(100)  # htmx settles the swap


def test_preview_tenant_period_and_viewer_filters_reload_the_preview(builder) -> None:
    page = builder
    assert caption(page).startswith("acme")
    assert kpi(page) == "30"

    preview_after(page, lambda: page.get_by_label("Preview as tenant").select_option("globex"))
    assert caption(page).startswith("globex")
    assert kpi(page) == "12"

    before = caption(page)
    preview_after(page, lambda: page.get_by_label("Period", exact=True).select_option("24h"))
    assert caption(page) != before  # the period's start moved
    assert kpi(page) == "5"  # globex's calls at 1, 6, 11, 16, 21 hours ago

    preview_after(page, lambda: page.get_by_label("Period", exact=True).select_option("30d"))
    preview_after(page, lambda: page.get_by_label("Model", exact=True).select_option("claude"))
    assert kpi(page) == "4"  # globex calls 1, 4, 7, 10
    model = page.get_by_label("Model", exact=True)
    assert model.input_value() == "claude"  # the choice survives the swap
    preview_after(page, lambda: page.get_by_label("Status", exact=True).select_option("error"))
    assert kpi(page) == "1"  # and both filters apply (call 10)
    assert caption(page).startswith("globex")  # the tenant too
