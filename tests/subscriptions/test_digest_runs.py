"""The digest job: a confirmed digest goes out once per slot under its grant (tenant, locked
filters kept when the operator changes the dashboard), through the alerts delivery machinery
(one idempotent delivery per slot, its attempts recorded), with a one-click unsubscribe link;
paused, pending and unsubscribed ones send nothing."""

import email
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from alerts.models import AlertDelivery
from dashboards.services import dashboard_publish, dashboard_widget_replace
from subscriptions.models import Subscription
from subscriptions.runs import digest_slot, digests_run
from subscriptions.services import subscription_set_paused
from tests.embeds.conftest import TENANT_A, TENANT_B
from tests.factories import event, insert, widget
from tests.subscriptions.conftest import link_path, links, viewer_permissions

pytestmark = pytest.mark.django_db
DIGEST = {"kind": "digest", "email": "viewer@example.com", "frequency": "daily"}


def calls(org_id: str, tenant_id: str, plan: str, n: int) -> None:
    insert(event(org_id=org_id, tenant_id=tenant_id, string_props={"plan": plan}) for _ in range(n))


@pytest.fixture
def confirmed(issue, subscribe, client, mailoutbox):
    def make(body=DIGEST, **permissions) -> Subscription:
        token = issue(permissions=viewer_permissions(**permissions), timezone="UTC")
        subscription_id = subscribe(token, **body).json()["id"]
        client.post(link_path("confirm", links(mailoutbox[-1])["confirm"]))
        mailoutbox.clear()
        return Subscription.objects.get(pk=subscription_id)

    return make


def kpi_text(message) -> str:
    """The plain-text part, where each KPI is a line."""
    return message.body


def test_a_digest_goes_out_once_per_slot_under_its_locked_filter(
    org, dashboard, confirmed, mailoutbox, client
):
    org_id = org.organization.pk
    calls(org_id, TENANT_A, "pro", 3)
    calls(org_id, TENANT_A, "free", 40)
    calls(org_id, TENANT_B, "pro", 500)
    subscription = confirmed(locked_filters={"plan": "pro"}, hidden_widgets=("w_secret",))
    # The operator points the KPI at the free plan: the subscriber's lock still applies.
    changed = widget("w_kpi", title="Calls", filters={"plan": "free"})
    dashboard_widget_replace(dashboard=dashboard, widget_id="w_kpi", widget=changed)
    dashboard_publish(dashboard=dashboard)

    run = digests_run()
    assert (run.due, run.sent) == (1, 1), run.line()
    (message,) = mailoutbox
    assert message.to == ["viewer@example.com"]
    text = message.body
    assert "Calls" in text and "Internal margin" not in text  # w_secret stays hidden
    assert "\n3\n" in f"\n{text}\n" or " 3\n" in text or ": 3" in text, text
    assert "40" not in text.replace("2026", "") and "500" not in text  # nor free, nor tenant B
    assert TENANT_B not in text
    unsubscribe = links(message)["unsubscribe"]
    assert unsubscribe in message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parsed = email.message_from_bytes(message.message().as_bytes())
    assert [p for p in parsed.walk() if p.get_content_type() == "image/png"], "charts"
    delivery = AlertDelivery.objects.get(payload__subscription_id=subscription.pk)
    assert delivery.status == "sent" and delivery.attempts.count() == 1
    assert Subscription.objects.get(pk=subscription.pk).last_sent_at is not None

    # The same slot again: nothing more.
    assert digests_run().sent == 0 and len(mailoutbox) == 1
    # Its unsubscribe link ends it: the next slot sends nothing.
    client.post(link_path("unsubscribe", unsubscribe))
    assert digests_run(now=timezone.now() + timedelta(days=1)).due == 0
    assert len(mailoutbox) == 1


def test_paused_and_pending_digests_send_nothing(
    org, dashboard, confirmed, issue, subscribe, mailoutbox
):
    paused = confirmed()
    subscription_set_paused(subscription=paused, paused=True)
    subscribe(issue(permissions=viewer_permissions()), **{**DIGEST, "email": "p@example.com"})
    mailoutbox.clear()
    assert digests_run().due == 0 and mailoutbox == []
    subscription_set_paused(subscription=Subscription.objects.get(pk=paused.pk), paused=False)
    assert digests_run().sent == 1


def test_a_skipped_digest_says_why(org, dashboard, confirmed, mailoutbox):
    from dashboards.services import dashboard_unpublish

    subscription = confirmed()
    dashboard_unpublish(dashboard=dashboard)
    run = digests_run()
    assert (run.due, run.sent, run.skipped) == (1, 0, 1)
    assert mailoutbox == []
    assert "not published" in Subscription.objects.get(pk=subscription.pk).skipped_reason


def test_unconfirmed_subscriptions_expire(org, dashboard, issue, subscribe, settings):
    subscribe(issue(permissions=viewer_permissions()), **DIGEST)
    later = timezone.now() + timedelta(days=settings.SUBSCRIPTION_CONFIRM_DAYS + 1)
    assert digests_run(now=later).expired_pending == 1
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("frequency", "now", "slot"),
    [
        ("daily", datetime(2026, 12, 2, 9, 0, tzinfo=UTC), "2026-12-02"),
        ("daily", datetime(2026, 12, 2, 7, 59, tzinfo=UTC), "2026-12-01"),
        ("weekly", datetime(2026, 12, 2, 9, 0, tzinfo=UTC), "2026-W49"),  # a Wednesday
        ("weekly", datetime(2026, 11, 30, 7, 0, tzinfo=UTC), "2026-W48"),  # Monday, before 8
        ("weekly", datetime(2026, 11, 30, 8, 0, tzinfo=UTC), "2026-W49"),
    ],
)
def test_slots(org, frequency, now, slot):
    subscription = Subscription(
        organization=org.organization, frequency=frequency, grant={"timezone": "UTC"}
    )
    assert digest_slot(subscription, now)[0] == slot


def test_slots_follow_the_grants_time_zone(org):
    subscription = Subscription(
        organization=org.organization, frequency="daily", grant={"timezone": "Asia/Tokyo"}
    )
    # 23:30 UTC is 08:30 the next day in Tokyo: that day's slot has begun.
    assert digest_slot(subscription, datetime(2026, 12, 1, 23, 30, tzinfo=UTC))[0] == "2026-12-02"


def test_the_digest_job_keeps_the_sessions_periods(org, dashboard, confirmed, mailoutbox):
    """The grant stored at subscribing carries the session's periods (24 hours only here):
    the digest the job sends reads no previous day, as that session's embed would not."""
    org_id = org.organization.pk
    calls(org_id, TENANT_A, "pro", 3)
    insert(
        event(org_id=org_id, tenant_id=TENANT_A, timestamp=datetime.now(UTC) - timedelta(hours=30))
        for _ in range(2)
    )
    confirmed(allowed_periods=("24h",))

    assert digests_run().sent == 1
    assert "Calls: 3 (No previous period)" in mailoutbox[0].body, mailoutbox[0].body
