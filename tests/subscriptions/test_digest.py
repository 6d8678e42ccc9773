"""Digest composition against real chDB data and the real Node renderer: the grant decides what
a digest shows (tenant, locked filters, hidden and removed widgets, the published version), and
the message is a well-formed multipart/related e-mail whose charts are real PNGs."""

import email
import re
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest

from dashboards.services import (
    dashboard_create,
    dashboard_publish,
    dashboard_unpublish,
    dashboard_widget_remove,
)
from subscriptions.digest import DigestGrant, DigestItem, DigestSkipped, compose_digests
from tests.factories import event, insert, spec, widget
from tests.subscriptions.pngs import png_pixels_differ, png_size

pytestmark = pytest.mark.django_db

WIDGETS = [
    widget("w_calls", title="Calls", layout={"x": 0, "y": 0, "w": 3, "h": 2}),
    widget(
        "w_cost",
        title="Cost",
        metric="sum",
        prop="cost",
        format={"unit": "currency", "currency": "EUR"},
        layout={"x": 3, "y": 0, "w": 3, "h": 2},
    ),
    widget(
        "w_trend",
        title="Calls over time",
        kind="timeseries",
        chart="line",
        layout={"x": 0, "y": 2, "w": 6, "h": 4},
    ),
    widget(
        "w_models",
        title="By model",
        kind="breakdown",
        chart="bar",
        group_by=["model"],
        layout={"x": 6, "y": 2, "w": 6, "h": 4},
    ),
]


@pytest.fixture
def dashboard(org):
    created = dashboard_create(
        organization=org.organization, spec=spec("Usage", widgets=WIDGETS, default_period="24h")
    )
    dashboard_publish(dashboard=created)
    created.refresh_from_db()
    return created


def grant(org, dashboard, **fields) -> DigestGrant:
    values = {
        "org_id": org.organization.pk,
        "dashboard_id": dashboard.pk,
        "tenant_id": "acme",
        "locked_filters": {},
        "hidden_widgets": (),
        "widget_id": None,
        "period": "24h",
        "timezone": "UTC",
        "locale": "en-US",
        "theme": {},
        **fields,
    }
    return DigestGrant(**values)


def item(g: DigestGrant, to: str = "viewer@example.com") -> DigestItem:
    return DigestItem(
        grant=g,
        to=to,
        link_url="https://app.example.com/reports",
        unsubscribe_url="https://sightline.example.com/s/unsubscribe/tok_abc123",
    )


def seed(org, tenant: str, calls: int, *, model: str = "gpt", cost: float = 1.0, hours=1):
    at = datetime.now(UTC) - timedelta(hours=hours)
    insert(
        event(
            org_id=org.organization.pk,
            tenant_id=tenant,
            timestamp=at,
            string_props={"model": model},
            numeric_props={"cost": cost},
        )
        for _ in range(calls)
    )


def parsed(message) -> Message:
    return email.message_from_bytes(message.message().as_bytes())


def parts(message) -> tuple[str, str, list[Message]]:
    root = parsed(message)
    text = html = ""
    images = []
    for part in root.walk():
        kind = part.get_content_type()
        if kind == "text/plain":
            text = part.get_payload(decode=True).decode()
        elif kind == "text/html":
            html = part.get_payload(decode=True).decode()
        elif kind == "image/png":
            images.append(part)
    return text, html, images


def test_digest_shows_only_the_grant_tenant_numbers(org, dashboard):
    seed(org, "acme", 7, cost=2.5)
    seed(org, "globex", 913, cost=100.0)
    [message] = compose_digests([item(grant(org, dashboard))])
    text, html, images = parts(message)
    assert "Calls: 7 " in text
    assert "€17.50" in text  # 7 × 2.5, the widget's currency format
    assert "913" not in text and "913" not in html
    assert "gpt: 7" in text  # the breakdown's rows, formatted like the list card
    assert len(images) == 2  # the time series and the bar chart
    assert message.subject == "Usage: daily digest (last 24 hours)"


def test_locked_filters_apply(org, dashboard):
    seed(org, "acme", 5, model="gpt")
    seed(org, "acme", 3, model="claude")
    [message] = compose_digests([item(grant(org, dashboard, locked_filters={"model": "claude"}))])
    text, _, _ = parts(message)
    assert "Calls: 3 " in text
    assert "gpt" not in text


def test_hidden_and_removed_widgets_are_absent(org, dashboard):
    seed(org, "acme", 4)
    hidden = grant(org, dashboard, hidden_widgets=("w_cost",))
    [message] = compose_digests([item(hidden)])
    text, html, images = parts(message)
    assert "Cost" not in text and "Cost" not in html
    assert "Calls over time" in html

    dashboard_widget_remove(dashboard=dashboard, widget_id="w_models")
    dashboard_publish(dashboard=dashboard)
    [message] = compose_digests([item(hidden)])
    text, html, images = parts(message)
    assert "By model" not in html and "By model" not in text
    assert len(images) == 1


def test_single_widget_grant_shows_that_widget_only(org, dashboard):
    seed(org, "acme", 4)
    [message] = compose_digests([item(grant(org, dashboard, widget_id="w_cost"))])
    text, html, images = parts(message)
    assert "Cost" in text and "Calls" not in text and not images


def test_unpublished_missing_and_foreign_dashboards_are_skipped(org, other_org, dashboard):
    seed(org, "acme", 1)
    foreign = grant(org, dashboard, org_id=other_org.organization.pk)
    missing = grant(org, dashboard, dashboard_id="dash_doesnotexist")
    all_hidden = grant(org, dashboard, hidden_widgets=tuple(w["id"] for w in WIDGETS))
    first = compose_digests([item(foreign), item(missing), item(all_hidden)])
    assert first == [
        DigestSkipped("dashboard_not_found"),
        DigestSkipped("dashboard_not_found"),
        DigestSkipped("no_visible_widgets"),
    ]
    dashboard_unpublish(dashboard=dashboard)
    assert compose_digests([item(grant(org, dashboard))]) == [DigestSkipped("not_published")]


def test_empty_period_says_so(org, dashboard):
    seed(org, "acme", 9, hours=30)  # outside the daily window, inside the weekly one
    daily, weekly = compose_digests(
        [item(grant(org, dashboard)), item(grant(org, dashboard, period="7d"))]
    )
    text, html, images = parts(daily)
    assert "No data for this period." in html and "No data for this period." in text
    assert "Calls: 0 " in text  # a count over no events is 0, as on the dashboard
    assert not images  # empty charts are a sentence, not an empty picture
    text, html, images = parts(weekly)
    assert "Calls: 9 " in text and len(images) == 2
    assert weekly.subject == "Usage: weekly digest (last 7 days)"


def test_mime_structure_headers_and_cids(org, dashboard):
    seed(org, "acme", 6)
    [message] = compose_digests([item(grant(org, dashboard))])
    root = parsed(message)
    assert root.get_content_type() == "multipart/related"
    assert root["List-Unsubscribe"] == "<https://sightline.example.com/s/unsubscribe/tok_abc123>"
    assert root["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert root["To"] == "viewer@example.com"
    body, *images = root.get_payload()
    assert body.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in body.get_payload()] == ["text/plain", "text/html"]
    text, html, _ = parts(message)
    referenced = set(re.findall(r'src="cid:([^"]+)"', html))
    attached = {image["Content-ID"].strip("<>") for image in images}
    assert referenced == attached and len(attached) == 2
    for image in images:
        assert image.get_content_type() == "image/png"
        assert image["Content-Disposition"].startswith("inline")
        width, height = png_size(image.get_payload(decode=True))
        assert width == 1120 and height > 100  # 560 CSS px at twice the density
    for page in (html, text):
        assert "https://app.example.com/reports" in page
        assert "https://sightline.example.com/s/unsubscribe/tok_abc123" in page


def test_chart_pixels_follow_the_data(org, dashboard):
    seed(org, "acme", 2, model="gpt")
    seed(org, "globex", 40, model="gpt")
    seed(org, "globex", 25, model="claude")
    acme, globex = compose_digests(
        [item(grant(org, dashboard)), item(grant(org, dashboard, tenant_id="globex"))]
    )
    acme_bars, globex_bars = (parts(m)[2][-1].get_payload(decode=True) for m in (acme, globex))
    assert png_pixels_differ(acme_bars, globex_bars)


def test_shared_work_and_locale(org, dashboard):
    """Two subscribers of one grant share one read and one render; the locale formats the
    numbers as the cards do."""
    seed(org, "acme", 12345, cost=0.5)
    g = grant(org, dashboard, locale="de-DE", theme={"mode": "dark"})
    first, second = compose_digests([item(g, "a@example.com"), item(g, "b@example.com")])
    assert first.to == ["a@example.com"] and second.to == ["b@example.com"]
    text, html, images = parts(first)
    assert "Calls: 12.345 " in text
    assert "6.173\u00a0€" in text  # a currency of 100 or more: no decimals
    assert "#181b22" in html  # the dark card colour
    assert [i.get_payload(decode=True) for i in images] == [
        i.get_payload(decode=True) for i in parts(second)[2]
    ]


def test_a_sparkline_kpi_shows_its_trend_as_an_inline_image(org):
    sparkline = widget(
        "w_users", title="Users", chart="sparkline", layout={"x": 0, "y": 0, "w": 3, "h": 2}
    )
    created = dashboard_create(
        organization=org.organization, spec=spec("Trend", widgets=[sparkline], default_period="24h")
    )
    dashboard_publish(dashboard=created)
    seed(org, "acme", 3, hours=2)
    seed(org, "acme", 5, hours=10)

    [message] = compose_digests([item(grant(org, created))])

    text, html, images = parts(message)
    [image] = images
    assert image["Content-ID"].strip("<>").startswith("w_users-trend.")
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
    assert png_size(image.get_payload(decode=True)) == (320, 64)
    assert (
        'alt="Trend over the period, 24 points' in html
        or 'alt="Trend over the period, 25 points' in html
    )
    assert "Users: 8 (" in text and "Trend over the period" in text


class Recording:
    """The real backend, keeping every statement's parameters."""

    def __init__(self, inner) -> None:
        self.inner, self.params = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def query(self, sql, params=None):
        self.params.append(params or {})
        return self.inner.query(sql, params)

    def query_many(self, statements):
        self.params += [params or {} for _, params in statements]
        return self.inner.query_many(statements)


def test_tenants_of_one_grant_are_read_together_each_seeing_its_own(org, dashboard, settings):
    """Digests that differ only in the tenant are one grouped read (dashboards_data_of_tenants);
    each still shows only its own tenant's numbers, a tenant without events its zeros."""
    from warehouse.backends import get_backend, set_backend

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    seed(org, "acme", 7, cost=2.5, model="gpt")
    seed(org, "globex", 913, cost=100.0, model="claude")
    real = get_backend()
    recording = Recording(real)
    set_backend(recording)
    try:
        acme, globex, initech = compose_digests(
            [item(grant(org, dashboard, tenant_id=t)) for t in ("acme", "globex", "initech")]
        )
    finally:
        set_backend(real)
    grouped = [p for p in recording.params if "scope_tenant_ids" in p]
    assert grouped and all(p["scope_tenant_ids"] == ["acme", "globex", "initech"] for p in grouped)
    assert not [p for p in recording.params if "scope_tenant_id" in p]  # no tenant read alone
    text, html, _ = parts(acme)
    assert "Calls: 7 " in text and "gpt: 7" in text
    assert "913" not in text + html and "claude" not in text + html
    text, html, _ = parts(globex)
    assert "Calls: 913 " in text and "claude: 913" in text and "gpt" not in text + html
    text, html, images = parts(initech)
    assert "Calls: 0 " in text and "No data for this period." in text and not images


@pytest.mark.parametrize(
    ("periods", "change"),
    [(("24h",), "No previous period"), (("24h", "7d"), "▲ 50.0% vs previous period")],
    ids=["24h-only", "24h-and-7d"],
)
def test_a_digest_compares_only_with_what_its_session_could_open(org, dashboard, periods, change):
    """A session that may see the last 24 hours only subscribed: its daily digest reads
    nothing older (as its embed), so the KPIs have no previous day."""
    seed(org, "acme", 3, hours=2)
    seed(org, "acme", 2, hours=30)

    [message] = compose_digests([item(grant(org, dashboard, allowed_periods=periods))])

    text, _, _ = parts(message)
    assert f"Calls: 3 ({change})" in text


def test_digests_of_sessions_with_other_periods_keep_their_own_comparison(org, dashboard):
    """One tenant's digests from a 24h-only session and a wider one, and another tenant's:
    read together where they can, each with its own session's comparison."""
    for tenant in ("acme", "globex"):
        seed(org, tenant, 3, hours=2)
        seed(org, tenant, 2, hours=30)

    narrow, wide, other = compose_digests(
        [
            item(grant(org, dashboard, tenant_id="acme", allowed_periods=("24h",))),
            item(grant(org, dashboard, tenant_id="acme", allowed_periods=("24h", "7d"))),
            item(grant(org, dashboard, tenant_id="globex", allowed_periods=("24h", "7d"))),
        ]
    )

    assert "Calls: 3 (No previous period)" in parts(narrow)[0]
    assert "Calls: 3 (▲ 50.0% vs previous period)" in parts(wide)[0]
    assert "Calls: 3 (▲ 50.0% vs previous period)" in parts(other)[0]
