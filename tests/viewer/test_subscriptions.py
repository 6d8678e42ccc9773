"""A viewer subscribes from the embed: permission, the grant, double opt-in, single-purpose
links, the cap, the viewer's own list, rate limits."""

import hashlib

import pytest
from django.test import override_settings

from alerts.models import AlertRule
from alerts.selectors import alert_rule_list
from subscriptions.models import Status, Subscription, UnsubscribeLink
from tests.embeds.conftest import TENANT_A, TENANT_B
from tests.subscriptions.conftest import link_path, links, viewer_permissions

pytestmark = pytest.mark.django_db
DIGEST = {"kind": "digest", "email": "viewer@example.com", "frequency": "daily"}
ALERT = {"kind": "alert", "email": "viewer@example.com", "widget_id": "w_kpi",
         "operator": "gt", "threshold": 10, "window": "1h"}  # fmt: skip


def test_a_viewer_token_without_allow_subscriptions_cannot_subscribe(issue, subscribe, mailoutbox):
    token = issue(permissions=viewer_permissions(allow_subscriptions=False))
    for body in (DIGEST, ALERT, {"kind": "nonsense"}):
        response = subscribe(token, **body)
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "subscriptions_not_allowed"
    assert not Subscription.objects.exists()
    assert mailoutbox == []


def test_subscribing_stores_the_grant_and_sends_only_the_confirmation(
    org, issue, subscribe, client, dashboard, mailoutbox
):
    permissions = viewer_permissions(locked_filters={"plan": "pro"}, hidden_widgets=("w_secret",))
    token = issue(permissions=permissions, user="viewer-1", timezone="Europe/Berlin")
    response = subscribe(token, **DIGEST)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["frequency"] == "daily"
    subscription = Subscription.objects.get(pk=body["id"])
    grant = subscription.grant
    assert grant["tenant_id"] == TENANT_A and grant["locked_filters"] == {"plan": "pro"}
    assert grant["hidden_widgets"] == ["w_secret"] and grant["user"] == "viewer-1"
    assert grant["timezone"] == "Europe/Berlin" and grant["jti"] == subscription.session_jti
    # One e-mail: the confirmation, with a confirm link and a one-click unsubscribe.
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["viewer@example.com"]
    found = links(message)
    assert set(found) == {"confirm", "unsubscribe"}
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert found["unsubscribe"] in message.extra_headers["List-Unsubscribe"]
    # Only hashes are stored; the raw tokens are 256-bit.
    for token_value in found.values():
        assert len(token_value) >= 43
        assert token_value not in str(Subscription.objects.values().get(pk=subscription.pk))
    assert subscription.confirm_token_hash == hashlib.sha256(found["confirm"].encode()).hexdigest()
    listed = client.get(
        f"/embed/{dashboard.pk}/subscriptions", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()["results"]
    assert [s["id"] for s in listed] == [subscription.pk]


def test_confirm_and_unsubscribe_links_are_single_purpose_and_idempotent(
    issue, subscribe, client, mailoutbox
):
    subscription_id = subscribe(issue(permissions=viewer_permissions()), **DIGEST).json()["id"]
    found = links(mailoutbox[0])

    def status() -> str:
        return Subscription.objects.get(pk=subscription_id).status

    # A prefetcher's GET shows a button and changes nothing.
    page = client.get(link_path("confirm", found["confirm"]))
    assert page.status_code == 200 and b'<form method="post">' in page.content
    assert status() == Status.PENDING
    # Each token is unknown to the other purpose.
    assert client.post(link_path("unsubscribe", found["confirm"])).status_code == 404
    assert client.post(link_path("confirm", found["unsubscribe"])).status_code == 404
    assert status() == Status.PENDING
    # A guessed token is unknown too.
    assert client.post(link_path("confirm", "A" * 43)).status_code == 404
    # Confirming acts once; again it says so.
    assert b"Subscription confirmed" in client.post(link_path("confirm", found["confirm"])).content
    assert status() == Status.ACTIVE
    assert b"Already confirmed" in client.post(link_path("confirm", found["confirm"])).content
    # RFC 8058 one-click unsubscribe: a POST with no cookie and no CSRF token.
    page = client.get(link_path("unsubscribe", found["unsubscribe"]))
    assert page.status_code == 200 and status() == Status.ACTIVE
    response = client.post(
        link_path("unsubscribe", found["unsubscribe"]), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200 and b"You are unsubscribed" in response.content
    assert status() == Status.UNSUBSCRIBED
    assert (
        b"Already unsubscribed"
        in client.post(link_path("unsubscribe", found["unsubscribe"])).content
    )
    # A confirmation after unsubscribing does not bring it back.
    client.post(link_path("confirm", found["confirm"]))
    assert status() == Status.UNSUBSCRIBED
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"


def test_an_alert_on_a_widget_the_session_cannot_see_is_a_404(issue, subscribe, mailoutbox):
    token = issue(permissions=viewer_permissions(hidden_widgets=("w_secret",)))
    for widget_id in ("w_secret", "w_nope"):
        response = subscribe(token, **{**ALERT, "widget_id": widget_id})
        assert response.status_code == 404, response.content
    single = issue(permissions=viewer_permissions(widget_id="w_kpi"))
    assert subscribe(single, **{**ALERT, "widget_id": "w_progress"}).status_code == 404
    assert subscribe(single, **ALERT).status_code == 201
    assert len(mailoutbox) == 1


def test_a_confirmed_alert_becomes_a_rule_under_the_grant(
    org, issue, subscribe, client, mailoutbox
):
    token = issue(permissions=viewer_permissions(locked_filters={"plan": "pro"}))
    subscription_id = subscribe(token, **ALERT).json()["id"]
    assert not AlertRule.objects.exists()  # nothing is evaluated before the confirmation
    client.post(link_path("confirm", links(mailoutbox[0])["confirm"]))
    subscription = Subscription.objects.get(pk=subscription_id)
    rule = AlertRule.objects.get(pk=subscription.alert_rule_id)
    assert rule.tenant_id == TENANT_A and rule.email_to == ["viewer@example.com"]
    assert rule.grant["locked_filters"] == {"plan": "pro"}
    assert (rule.operator, rule.threshold_value, rule.window) == ("gt", 10, "1h")
    # The operator's alert list is theirs alone: viewers' rules are subscriptions.
    assert list(alert_rule_list(organization=org.organization)) == []


def test_a_period_the_session_may_not_see_cannot_be_subscribed(issue, subscribe):
    token = issue(permissions=viewer_permissions(allowed_periods=("7d",)))
    response = subscribe(token, **DIGEST)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "period_not_allowed"
    assert subscribe(token, **{**DIGEST, "frequency": "weekly"}).status_code == 201
    short = issue(permissions=viewer_permissions(max_date_range_days=1))
    assert subscribe(short, **{**ALERT, "window": "7d"}).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**DIGEST, "frequency": "hourly"}, "frequency"),
        ({**DIGEST, "email": "not an address"}, "email"),
        ({**DIGEST, "extra": 1}, "extra"),
        ({**ALERT, "threshold": "10"}, "threshold"),
        ({**ALERT, "operator": "between"}, "operator"),
        ({**ALERT, "window": "2y"}, "window"),
        ({**DIGEST, "link_url": "https://evil.example/x"}, "link_url"),
    ],
)
def test_bad_input_is_a_clear_400_and_nothing_is_stored(issue, subscribe, body, field, mailoutbox):
    response = subscribe(issue(permissions=viewer_permissions()), **body)
    assert response.status_code == 400, response.content
    assert field in [d["field"] for d in response.json()["error"]["details"]]
    assert not Subscription.objects.exists() and mailoutbox == []


@override_settings(SUBSCRIPTIONS_MAX_PER_TENANT=2)
def test_the_per_tenant_cap_and_duplicates(issue, subscribe):
    token = issue(permissions=viewer_permissions())
    assert subscribe(token, **DIGEST).status_code == 201
    duplicate = subscribe(token, **{**DIGEST, "email": "VIEWER@example.com"})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "already_subscribed"
    assert subscribe(token, **{**DIGEST, "email": "two@example.com"}).status_code == 201
    response = subscribe(token, **{**DIGEST, "email": "three@example.com"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "subscription_limit_reached"
    assert "2 subscriptions" in response.json()["error"]["message"]
    # Another tenant has a cap of its own.
    other = issue(tenant_id=TENANT_B, permissions=viewer_permissions())
    assert subscribe(other, **{**DIGEST, "email": "three@example.com"}).status_code == 201


@override_settings(SUBSCRIPTION_RATE_LIMIT="2/h")
def test_subscribing_is_rate_limited_per_session(issue, subscribe):
    token = issue(permissions=viewer_permissions())
    for address in ("a@example.com", "b@example.com"):
        assert subscribe(token, **{**DIGEST, "email": address}).status_code == 201
    response = subscribe(token, **{**DIGEST, "email": "c@example.com"})
    assert response.status_code == 429 and "Retry-After" in response


@override_settings(SUBSCRIPTION_LINK_RATE_LIMIT="2/m")
def test_the_link_pages_are_rate_limited_per_client(client):
    for _ in range(2):
        assert client.get(link_path("confirm", "x" * 43)).status_code == 404
    assert client.get(link_path("confirm", "x" * 43)).status_code == 429


def test_a_viewer_lists_and_deletes_only_their_own(issue, subscribe, client, dashboard):
    mine = issue(permissions=viewer_permissions(), user="alice")
    again = issue(permissions=viewer_permissions(), user="alice")  # another session of alice
    theirs = issue(permissions=viewer_permissions(), user="bob")
    subscription_id = subscribe(mine, **DIGEST).json()["id"]
    bobs = subscribe(theirs, **{**DIGEST, "email": "bob@example.com"}).json()["id"]
    url = f"/embed/{dashboard.pk}/subscriptions"

    def listed(token: str) -> list[str]:
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        return [s["id"] for s in response.json()["results"]]

    assert listed(again) == [subscription_id] and listed(theirs) == [bobs]
    assert client.delete(f"{url}/{bobs}", HTTP_AUTHORIZATION=f"Bearer {mine}").status_code == 404
    assert (
        client.delete(f"{url}/{subscription_id}", HTTP_AUTHORIZATION=f"Bearer {again}").status_code
        == 204
    )
    assert not Subscription.objects.filter(pk=subscription_id).exists()
    assert not UnsubscribeLink.objects.filter(subscription_id=subscription_id).exists()
    assert Subscription.objects.filter(pk=bobs).exists()
    assert client.get(url).status_code == 401
