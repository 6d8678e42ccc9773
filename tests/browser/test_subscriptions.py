"""Viewer subscriptions in Debian's Chromium: a viewer subscribes to a digest from the embed,
confirms through the link in the e-mail (locmem backend, read from django.core.mail.outbox),
and sets an alert on a widget; a session without allow_subscriptions has no control."""

import email
import re
from typing import Any

import pytest
from django.core import mail

from embeds.services import Actor, SessionRequest, embed_session_create
from embeds.tokens import EmbedPermissions
from subscriptions.models import Status, Subscription
from subscriptions.runs import digests_run
from tests.browser.conftest import screenshot
from tests.browser.test_embed import ALL_PERIODS, seed_demo_events
from tests.embeds.conftest import TENANT_A, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CONFIRM = re.compile(r"http://testserver(/subscriptions/confirm/[A-Za-z0-9_-]+)")


def embed_url(live_server: Any, org: Any, dashboard: Any, **permissions: Any) -> str:
    request = SessionRequest(
        dashboard_id=dashboard.pk,
        tenant_id=TENANT_A,
        expires_in=3600,
        user="viewer-1",
        permissions=EmbedPermissions(allowed_periods=ALL_PERIODS, **permissions),
    )
    issued = embed_session_create(organization=org.organization, request=request, actor=Actor())
    return issued.embed_url.replace("http://testserver", live_server.url)


@pytest.fixture
def dashboard(org):
    seed_demo_events(org.organization.pk)
    return publish(org.organization)


def test_a_viewer_subscribes_to_a_digest_and_confirms_through_the_e_mail(
    browser_page, live_server, org, dashboard
):
    mail.outbox.clear()
    page = browser_page
    page.goto(embed_url(live_server, org, dashboard, allow_subscriptions=True))
    page.locator('[data-widget="w_kpi"][data-state="ready"]').wait_for()
    page.get_by_role("button", name="Subscribe").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("E-mail").fill("viewer@example.com")
    dialog.get_by_label("How often").select_option("weekly")
    dialog.get_by_role("button", name="Subscribe").click()
    status = dialog.get_by_role("status")
    status.filter(has_text="we sent a link to confirm").wait_for()
    assert "Nothing is sent until you confirm" in status.inner_text()
    dialog.locator(".sl-sub-item", has_text="Weekly digest to viewer@example.com").filter(
        has_text="waiting for confirmation"
    ).wait_for()
    screenshot(page, "subscriptions-embed-digest")
    # The same subscription again is a clear error, and nothing is sent for it.
    dialog.get_by_label("E-mail").fill("viewer@example.com")
    dialog.get_by_label("How often").select_option("weekly")
    dialog.get_by_role("button", name="Subscribe").click()
    status.filter(has_text="already subscribed").wait_for()
    assert len(mail.outbox) == 1
    page.js_errors.clear()  # Chromium logs the expected 409 as a console error

    # The e-mail: only a confirmation so far. Its link shows a button; the button confirms.
    (message,) = mail.outbox
    path = CONFIRM.search(message.body).group(1)
    subscription = Subscription.objects.get()
    assert subscription.status == Status.PENDING and subscription.frequency == "weekly"
    page.goto(live_server.url + path)
    assert subscription_status(subscription) == Status.PENDING  # opening the link is not enough
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Subscription confirmed").wait_for()
    screenshot(page, "subscriptions-confirmed")
    assert subscription_status(subscription) == Status.ACTIVE

    # The digest job: the KPI values and the charts, as PNGs inside the e-mail.
    assert digests_run().sent == 1
    digest = mail.outbox[-1]
    assert digest.to == ["viewer@example.com"] and "Calls" in digest.body
    parsed = email.message_from_bytes(digest.message().as_bytes())
    pngs = [part.get_payload(decode=True) for part in parsed.walk()]
    pngs = [data for data in pngs if data and data.startswith(b"\x89PNG")]
    assert len(pngs) >= 2, "the digest carries its charts"
    assert "List-Unsubscribe" in digest.extra_headers


def test_a_viewer_sets_an_alert_on_a_widget_and_removes_a_subscription(
    browser_page, live_server, org, dashboard
):
    mail.outbox.clear()
    page = browser_page
    page.goto(embed_url(live_server, org, dashboard, allow_subscriptions=True))
    card = page.locator('[data-widget="w_kpi"]')
    card.and_(page.locator('[data-state="ready"]')).wait_for()
    card.get_by_role("button", name="Alert me").click()
    dialog = page.get_by_role("dialog", name="Alert me when Calls …")
    dialog.get_by_label("When Calls").select_option("gt")
    dialog.get_by_label("Value").fill("1000")
    dialog.get_by_label("Over").select_option("24h")
    dialog.get_by_label("E-mail").fill("alerts@example.com")
    dialog.get_by_role("button", name="Create alert").click()
    dialog.get_by_role("status").filter(has_text="we sent a link to confirm").wait_for()
    subscription = Subscription.objects.get()
    assert (subscription.kind, subscription.widget_id, subscription.operator) == (
        "alert",
        "w_kpi",
        "gt",
    )
    assert (subscription.threshold_value, subscription.window) == (1000, "24h")
    assert subscription.grant["user"] == "viewer-1"
    screenshot(page, "subscriptions-embed-alert")
    item = dialog.locator(".sl-sub-item", has_text="alerts@example.com")
    item.get_by_role("button", name="Remove").click()
    dialog.get_by_text("No subscriptions yet.").wait_for()
    assert not Subscription.objects.exists()


def test_a_session_without_allow_subscriptions_has_no_subscribe_control(
    browser_page, live_server, org, dashboard
):
    page = browser_page
    page.goto(embed_url(live_server, org, dashboard))
    page.locator('[data-widget="w_kpi"][data-state="ready"]').wait_for()
    assert page.get_by_role("button", name="Subscribe").count() == 0
    assert page.get_by_role("button", name="Alert me").count() == 0


def subscription_status(subscription: Subscription) -> str:
    return Subscription.objects.values_list("status", flat=True).get(pk=subscription.pk)
