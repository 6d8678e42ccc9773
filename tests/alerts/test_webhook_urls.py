"""Webhook URLs the sender cannot use are refused when the rule is saved (API and console),
and one already stored fails its delivery cleanly instead of crashing the sender."""

import pytest
from django.test import Client

from alerts.delivery import delivery_attempt
from alerts.models import AlertDelivery, AlertRule, DeliveryStatus
from alerts.webhooks import WebhookRefused, validate_webhook_url, webhook_post
from tests.console.alerts.test_console import form_data

pytestmark = pytest.mark.django_db

BAD_URLS = [
    "https://hooks.example.com/caf\u00e9",  # non-ASCII path
    "https://b\u00fccher.example/hook",  # a host name not in its xn-- form
    "https://a..b/hook",  # an empty label
    "https://-bad.example/hook",
    "https://" + "a" * 64 + ".example/hook",  # a label over 63 characters
    "https://exa mple.com/hook",
    "https://hooks.example.com/a\tb",
]
GOOD_URLS = [
    "https://hooks.example.com/caf%C3%A9?x=1",
    "https://xn--bcher-kva.example/hook",
    "https://my_host.internal:8443/hook",
    "https://[2606:4700::1]/hook",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_urls_are_refused(url) -> None:
    assert validate_webhook_url(url)


@pytest.mark.parametrize("url", GOOD_URLS)
def test_good_urls_pass(url) -> None:
    assert validate_webhook_url(url) is None


def _body(dashboard, url: str) -> dict:
    return {
        "name": "Errors",
        "dashboard_id": dashboard.pk,
        "widget_id": "w_errors",
        "operator": "gt",
        "threshold_value": 10,
        "webhook_url": url,
    }


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_api_refuses_them_on_create_and_creates_nothing(api, dashboard, url) -> None:
    response = api.post("/v1/alerts", _body(dashboard, url), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert [d["field"] for d in error["details"]] == ["webhook_url"]
    assert not AlertRule.objects.exists()


def test_the_api_refuses_them_on_update_and_changes_nothing(api, dashboard, receiver) -> None:
    created = api.post("/v1/alerts", _body(dashboard, receiver.url), format="json").json()
    response = api.patch(f"/v1/alerts/{created['id']}", {"webhook_url": BAD_URLS[0]}, format="json")
    assert response.status_code == 400
    assert AlertRule.objects.get(pk=created["id"]).webhook_url == receiver.url


def test_another_organizations_rule_is_404_and_a_read_key_403(
    api, dashboard, receiver, other_org, client_for, read_key
) -> None:
    created = api.post("/v1/alerts", _body(dashboard, receiver.url), format="json").json()
    foreign = client_for(other_org.admin_key.secret).patch(
        f"/v1/alerts/{created['id']}", {"webhook_url": GOOD_URLS[0]}, format="json"
    )
    assert foreign.status_code == 404
    read_only = client_for(read_key.secret).patch(
        f"/v1/alerts/{created['id']}", {"webhook_url": GOOD_URLS[0]}, format="json"
    )
    assert read_only.status_code == 403
    assert AlertRule.objects.get(pk=created["id"]).webhook_url == receiver.url


@pytest.mark.parametrize("url", BAD_URLS[:3])
def test_the_console_refuses_them_next_to_the_field(org, dashboard, receiver, url) -> None:
    owner = Client()
    owner.force_login(org.owner)
    response = owner.post("/app/alerts/new", form_data(dashboard, receiver, webhook_url=url))
    assert response.status_code == 400
    assert "webhook_url" in response.context["form"].errors
    assert not AlertRule.objects.exists()


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_stored_bad_url_fails_its_delivery_cleanly(api, dashboard, receiver, url) -> None:
    created = api.post("/v1/alerts", _body(dashboard, receiver.url), format="json").json()
    AlertRule.objects.filter(pk=created["id"]).update(webhook_url=url)  # saved before the check

    response = api.post(f"/v1/alerts/{created['id']}/test")

    assert response.status_code == 200  # was a 500, and the delivery stayed `sending`
    [delivery] = response.json()["deliveries"]
    assert delivery["status"] == "failed"
    assert len(delivery["attempts"]) == 1  # refused: never retried
    assert AlertDelivery.objects.get().status == DeliveryStatus.FAILED
    assert delivery_attempt(delivery_id=delivery["id"]).attempted is False


def test_a_redirect_to_a_bad_url_is_refused(receiver) -> None:
    receiver.reply(302, {"Location": "/caf\u00e9"})
    with pytest.raises(WebhookRefused):
        webhook_post(receiver.url, b"{}", {"Content-Type": "application/json"})
