"""GET /v1/subscriptions, GET/PATCH/DELETE /v1/subscriptions/<id>: the operator's view of
viewers' subscriptions. Admin scope, another organization's is a 404, throttled per key."""

import pytest

from accounts.models import KeyScope
from accounts.services import api_key_create
from alerts.models import AlertRule
from subscriptions.models import Status, Subscription
from tests.embeds.conftest import TENANT_A, TENANT_B
from tests.subscriptions.conftest import link_path, links, viewer_permissions

pytestmark = pytest.mark.django_db
DIGEST = {"kind": "digest", "email": "viewer@example.com", "frequency": "weekly"}
ALERT = {"kind": "alert", "email": "viewer@example.com", "widget_id": "w_kpi",
         "operator": "gt", "threshold": 10}  # fmt: skip


@pytest.fixture
def made(issue, subscribe, client, mailoutbox):
    """made(body, tenant_id=…, confirm=True) -> the subscription's id."""

    def make(body, *, tenant_id=TENANT_A, confirm=True):
        token = issue(tenant_id=tenant_id, permissions=viewer_permissions(), user="viewer-9")
        subscription_id = subscribe(token, **body).json()["id"]
        if confirm:
            client.post(link_path("confirm", links(mailoutbox[-1])["confirm"]))
        return subscription_id

    return make


def test_list_filters_and_paginates(api, made):
    digest = made(DIGEST)
    alert = made(ALERT, confirm=False)
    other_tenant = made({**DIGEST, "email": "b@example.com"}, tenant_id=TENANT_B)
    listed = api.get("/v1/subscriptions").json()
    assert listed["count"] == 3
    assert {s["id"] for s in listed["results"]} == {digest, alert, other_tenant}
    first = next(s for s in listed["results"] if s["id"] == digest)
    assert first["status"] == "active" and first["frequency"] == "weekly"
    assert first["viewer_user"] == "viewer-9" and first["confirmed_at"]
    assert "grant" not in first and "confirm_token_hash" not in first

    def ids(**query):
        return [s["id"] for s in api.get("/v1/subscriptions", query).json()["results"]]

    assert ids(kind="alert") == [alert]
    assert ids(status="pending") == [alert]
    assert ids(tenant_id=TENANT_B) == [other_tenant]
    assert ids(email="B@EXAMPLE.COM") == [other_tenant]
    page = api.get("/v1/subscriptions", {"limit": 1}).json()
    assert len(page["results"]) == 1 and page["next"]
    for query, field in (({"status": "sleeping"}, "status"), ({"sort": "x"}, "sort")):
        bad = api.get("/v1/subscriptions", query)
        assert bad.status_code == 400
        assert [d["field"] for d in bad.json()["error"]["details"]] == [field]


def test_pause_resume_and_delete(api, made):
    alert = made(ALERT)
    rule_id = Subscription.objects.get(pk=alert).alert_rule_id
    paused = api.patch(f"/v1/subscriptions/{alert}", {"paused": True}, format="json")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert AlertRule.objects.get(pk=rule_id).enabled is False
    resumed = api.patch(f"/v1/subscriptions/{alert}", {"paused": False}, format="json")
    assert resumed.json()["status"] == "active" and AlertRule.objects.get(pk=rule_id).enabled
    bad = api.patch(f"/v1/subscriptions/{alert}", {"paused": "maybe", "x": 1}, format="json")
    assert bad.status_code == 400
    assert api.delete(f"/v1/subscriptions/{alert}").status_code == 204
    assert not Subscription.objects.filter(pk=alert).exists()
    assert not AlertRule.objects.filter(pk=rule_id).exists()
    assert api.get(f"/v1/subscriptions/{alert}").status_code == 404


def test_a_pending_subscription_cannot_be_paused(api, made):
    pending = made(DIGEST, confirm=False)
    response = api.patch(f"/v1/subscriptions/{pending}", {"paused": True}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "subscription_not_active"
    assert Subscription.objects.get(pk=pending).status == Status.PENDING


def test_another_organizations_subscription_is_a_404(client_for, other_org, made):
    digest = made(DIGEST)
    other = client_for(other_org.admin_key.secret)
    assert other.get("/v1/subscriptions").json()["count"] == 0
    for method, body in (("get", None), ("patch", {"paused": True}), ("delete", None)):
        response = getattr(other, method)(f"/v1/subscriptions/{digest}", body, format="json")
        assert response.status_code == 404, method
    assert Subscription.objects.get(pk=digest).status == Status.ACTIVE


@pytest.mark.parametrize("scope", [KeyScope.INGEST, KeyScope.READ])
def test_non_admin_keys_are_403(client_for, org, made, scope):
    digest = made(DIGEST)
    client = client_for(api_key_create(organization=org.organization, scope=scope).secret)
    assert client.get("/v1/subscriptions").status_code == 403
    assert client.delete(f"/v1/subscriptions/{digest}").status_code == 403
    assert Subscription.objects.filter(pk=digest).exists()


def test_no_key_is_401(client):
    assert client.get("/v1/subscriptions").status_code == 401


def test_the_api_is_rate_limited_per_key(api, settings):
    settings.API_RATE_LIMIT = "2/m"
    assert [api.get("/v1/subscriptions").status_code for _ in range(3)] == [200, 200, 429]
