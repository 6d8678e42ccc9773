"""Notifications that must not be lost: line breaks in a rule name, a tenant id or an
organization name stay out of mail headers; a send that raises fails its delivery cleanly;
deliveries left `sending` by a dead worker are sent again, once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from alerts.delivery import delivery_attempt
from alerts.models import AlertDelivery, DeliveryStatus
from tests.factories import event, insert

pytestmark = pytest.mark.django_db

INJECTION = "Spike\r\nBcc: attacker@evil.example"


def calls(org, tenant_id: str, count: int) -> None:
    at = datetime.now(UTC) - timedelta(minutes=1)
    insert(
        event(org_id=org.organization.pk, tenant_id=tenant_id, timestamp=at) for _ in range(count)
    )


def test_line_breaks_in_rule_name_and_tenant_id_stay_out_of_the_headers(
    org, make_rule, clock, mailoutbox
) -> None:
    tenant = "acme\nX-Injected: 1"
    calls(org, tenant, 3)
    make_rule("gt", 1, name=INJECTION, webhook_url="", email_to=["ops@example.com"])

    clock.tick()

    [message] = mailoutbox
    assert message.subject == (
        "[Sightline] FIRING: Spike Bcc: attacker@evil.example for tenant acme X-Injected: 1"
    )
    headers = message.message().as_string().split("\n\n", 1)[0]
    assert "\nBcc:" not in headers and "\nX-Injected" not in headers
    assert message.recipients() == ["ops@example.com"]
    assert AlertDelivery.objects.get().status == DeliveryStatus.SENT


def test_the_api_test_notification_with_a_line_break_in_the_name(
    api, dashboard, mailoutbox
) -> None:
    body = {
        "name": INJECTION,
        "dashboard_id": dashboard.pk,
        "widget_id": "w_calls",
        "operator": "gt",
        "threshold_value": 1,
        "email_to": ["ops@example.com"],
    }
    created = api.post("/v1/alerts", body, format="json")
    assert created.status_code == 201, created.json()
    response = api.post(f"/v1/alerts/{created.json()['id']}/test")
    assert response.status_code == 200  # was a 500 (BadHeaderError)
    [delivery] = response.json()["deliveries"]
    assert delivery["status"] == "sent"
    assert "\n" not in mailoutbox[0].subject and "\r" not in mailoutbox[0].subject


def test_a_line_break_in_the_organization_name_keeps_invites_working(api, org, mailoutbox) -> None:
    org.organization.name = "Acme\r\nBcc: attacker@evil.example"
    org.organization.save()
    response = api.post(
        "/v1/members/invite", {"email": "new@example.com", "role": "member"}, format="json"
    )
    assert response.status_code == 201, response.content
    [message] = mailoutbox
    assert message.subject == "You are invited to Acme Bcc: attacker@evil.example on Sightline"
    assert message.recipients() == ["new@example.com"]


def test_a_header_the_mailer_refuses_fails_the_delivery_instead_of_losing_it(
    org, make_rule, clock, mailoutbox
) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1, webhook_url="", email_to=["ops@example.com"])
    clock.tick()
    delivery = AlertDelivery.objects.get()
    # A destination written before addresses were validated, with a line break in it.
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        target="ops@example.com\nBcc: attacker@evil.example", status=DeliveryStatus.PENDING
    )
    mailoutbox.clear()

    outcome = delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert outcome.attempted and delivery.status == DeliveryStatus.FAILED  # never `sending`
    assert "BadHeaderError" in delivery.attempts.order_by("-number").first().error
    assert mailoutbox == []


def test_a_delivery_left_sending_by_a_dead_worker_is_sent_once_by_a_later_tick(
    org, make_rule, receiver, clock
) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1, renotify_minutes=None)
    clock.tick()
    assert len(receiver.payloads()) == 1
    delivery = AlertDelivery.objects.get()
    # A second notification, claimed by a worker that died before it sent anything.
    abandoned = AlertDelivery.objects.create(
        rule=delivery.rule,
        tenant_id="acme",
        channel=delivery.channel,
        target=delivery.target,
        payload={**delivery.payload, "notification_id": "n_abandoned"},
        idempotency_key="abandoned",
        status=DeliveryStatus.SENDING,
        claimed_at=timezone.now() - timedelta(minutes=6),
    )
    in_flight = AlertDelivery.objects.create(
        rule=delivery.rule,
        tenant_id="acme",
        channel=delivery.channel,
        target=delivery.target,
        payload={**delivery.payload, "notification_id": "n_in_flight"},
        idempotency_key="in-flight",
        status=DeliveryStatus.SENDING,
        claimed_at=timezone.now(),
    )

    clock.tick()
    clock.tick()  # again: nothing is sent twice

    abandoned.refresh_from_db()
    in_flight.refresh_from_db()
    ids = [payload["notification_id"] for payload in receiver.payloads()]
    assert ids.count("n_abandoned") == 1 and abandoned.status == DeliveryStatus.SENT
    assert "n_in_flight" not in ids and in_flight.status == DeliveryStatus.SENDING
