"""/v1/alerts: CRUD, validation, scopes, organization scoping, test notifications, history."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import KeyScope
from accounts.services import api_key_create
from alerts.models import AlertDelivery, AlertRule, AlertState
from dashboards.services import (
    dashboard_create,
    dashboard_publish,
    dashboard_unpublish,
    dashboard_update,
)
from tests.alerts.conftest import WIDGETS
from tests.factories import event, insert, spec, widget

pytestmark = pytest.mark.django_db


@pytest.fixture
def body(dashboard, receiver) -> dict:
    return {
        "name": "Error spike",
        "dashboard_id": dashboard.pk,
        "widget_id": "w_errors",
        "condition_type": "threshold",
        "operator": "gt",
        "threshold_value": 10,
        "webhook_url": receiver.url,
    }


def create(api, body: dict) -> dict:
    response = api.post("/v1/alerts", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def error_fields(response) -> set[str]:
    return {detail["field"] for detail in response.json()["error"]["details"]}


def test_create_and_read_back(api, body, dashboard) -> None:
    created = create(api, {**body, "email_to": "ops@example.com, cto@example.com", "window": "15m"})

    assert created["id"].startswith("alrt_")
    assert created["email_to"] == ["ops@example.com", "cto@example.com"]
    assert (created["operator"], created["threshold_value"], created["window"]) == (
        "gt",
        10.0,
        "15m",
    )
    assert created["enabled"] is True and created["disabled_reason"] is None
    assert created["tenant_id"] is None and created["renotify_minutes"] is None
    fetched = api.get(f"/v1/alerts/{created['id']}").json()
    assert fetched["dashboard_id"] == dashboard.pk and fetched["states"] == []
    listed = api.get("/v1/alerts").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == created["id"]


def test_email_only_rule(api, body) -> None:
    created = create(api, {**body, "webhook_url": None, "email_to": ["ops@example.com"]})

    assert created["webhook_url"] is None and created["email_to"] == ["ops@example.com"]


def test_patch_changes_only_the_given_fields(api, body) -> None:
    created = create(api, body)

    response = api.patch(
        f"/v1/alerts/{created['id']}",
        {"threshold_value": 2.5, "renotify_minutes": 30},
        format="json",
    )

    assert response.status_code == 200
    updated = response.json()
    assert (updated["threshold_value"], updated["renotify_minutes"]) == (2.5, 30)
    assert updated["name"] == "Error spike" and updated["operator"] == "gt"


def test_changing_the_widget_forgets_the_tenant_states(api, body) -> None:
    created = create(api, body)
    rule = AlertRule.objects.get(pk=created["id"])
    AlertState.objects.create(rule=rule, tenant_id="acme", status="firing")

    api.patch(f"/v1/alerts/{created['id']}", {"threshold_value": 3}, format="json")
    assert AlertState.objects.filter(rule=rule).count() == 1
    api.patch(f"/v1/alerts/{created['id']}", {"widget_id": "w_calls"}, format="json")

    assert AlertState.objects.filter(rule=rule).count() == 0


def test_delete(api, body) -> None:
    created = create(api, body)

    assert api.delete(f"/v1/alerts/{created['id']}").status_code == 204
    assert api.get(f"/v1/alerts/{created['id']}").status_code == 404
    assert not AlertRule.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"widget_id": "w_nope"}, "widget_id"),
        ({"webhook_url": "", "email_to": []}, "webhook_url"),
        ({"webhook_url": None}, "email_to"),
        ({"webhook_url": "ftp://example.com/hook"}, "webhook_url"),
        ({"webhook_url": "javascript:alert(1)"}, "webhook_url"),
        ({"webhook_url": "https://user:pw@example.com/hook"}, "webhook_url"),
        ({"email_to": ["not-an-address"]}, "email_to"),
        ({"email_to": "ops@example.com, nope@"}, "email_to"),
        ({"email_to": [1, 2]}, "email_to"),
        ({"threshold_value": "ten"}, "threshold_value"),
        ({"threshold_value": "10"}, "threshold_value"),
        ({"threshold_value": True}, "threshold_value"),
        ({"threshold_value": None}, "threshold_value"),
        ({"operator": "ne"}, "operator"),
        ({"condition_type": "anomaly"}, "condition_type"),
        ({"window": "2h"}, "window"),
        ({"renotify_minutes": 0}, "renotify_minutes"),
        ({"name": ""}, "name"),
        ({"threshold": 10}, "threshold"),
        ({"dashboard_id": "dash_doesnotexist00000"}, "dashboard_id"),
    ],
)
def test_bad_input_is_400_and_creates_nothing(api, body, changes, field) -> None:
    response = api.post("/v1/alerts", {**body, **changes}, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid_input"
    assert field in error_fields(response)
    assert not AlertRule.objects.exists()


def test_missing_required_fields(api) -> None:
    response = api.post("/v1/alerts", {}, format="json")

    assert response.status_code == 400
    assert {"name", "dashboard_id", "widget_id", "operator", "threshold_value"} <= error_fields(
        response
    )


def test_bad_patch_changes_nothing(api, body) -> None:
    created = create(api, body)

    response = api.patch(
        f"/v1/alerts/{created['id']}",
        {"threshold_value": 1, "webhook_url": "gopher://x"},
        format="json",
    )

    assert response.status_code == 400
    assert AlertRule.objects.get(pk=created["id"]).threshold_value == 10.0


def test_removing_every_channel_by_patch_is_400(api, body) -> None:
    created = create(api, body)

    response = api.patch(f"/v1/alerts/{created['id']}", {"webhook_url": None}, format="json")

    assert response.status_code == 400
    assert AlertRule.objects.get(pk=created["id"]).webhook_url == body["webhook_url"]


def test_unpublished_dashboard_is_409(api, body, org) -> None:
    draft = dashboard_create(organization=org.organization, spec=spec(widgets=WIDGETS))

    response = api.post("/v1/alerts", {**body, "dashboard_id": draft.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "dashboard_not_published"
    assert not AlertRule.objects.exists()


def test_a_widget_only_in_the_draft_is_not_on_the_dashboard(api, body, dashboard) -> None:
    dashboard_update(dashboard=dashboard, changes={"widgets": [*WIDGETS, widget("w_new")]})

    response = api.post("/v1/alerts", {**body, "widget_id": "w_new"}, format="json")

    assert response.status_code == 400 and error_fields(response) == {"widget_id"}


def test_another_organizations_dashboard_is_not_found(client_for, other_org, body) -> None:
    response = client_for(other_org.admin_key.secret).post("/v1/alerts", body, format="json")

    assert response.status_code == 400 and error_fields(response) == {"dashboard_id"}
    assert not AlertRule.objects.exists()


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "/test"),
        ("get", "/history"),
        ("get", "/deliveries"),
    ],
)
def test_another_organizations_alert_is_404(
    api, client_for, other_org, body, receiver, method, suffix
) -> None:
    created = create(api, body)
    other = client_for(other_org.admin_key.secret)

    response = getattr(other, method)(
        f"/v1/alerts/{created['id']}{suffix}", {"name": "x"}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert AlertRule.objects.get(pk=created["id"]).name == "Error spike"
    assert receiver.requests == []
    assert other.get("/v1/alerts").json()["count"] == 0


@pytest.mark.parametrize("scope", [KeyScope.INGEST, KeyScope.READ])
def test_non_admin_keys_are_403(client_for, org, body, scope) -> None:
    key = api_key_create(organization=org.organization, scope=scope)
    client = client_for(key.secret)

    assert client.get("/v1/alerts").status_code == 403
    response = client.post("/v1/alerts", body, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert not AlertRule.objects.exists()


def test_no_key_is_401(client, body) -> None:
    assert client.get("/v1/alerts").status_code == 401
    response = client.post("/v1/alerts", body, content_type="application/json")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"


def test_test_notification_is_sent_and_marked(api, body, receiver, mailoutbox) -> None:
    created = create(api, {**body, "email_to": ["ops@example.com"]})

    response = api.post(f"/v1/alerts/{created['id']}/test")

    assert response.status_code == 200
    deliveries = {d["channel"]: d for d in response.json()["deliveries"]}
    assert deliveries["webhook"]["status"] == "sent" and deliveries["webhook"]["test"] is True
    assert deliveries["webhook"]["attempts"][0]["status_code"] == 200
    assert deliveries["email"]["status"] == "sent"
    [payload] = receiver.payloads()
    assert payload["test"] is True and payload["rule"]["id"] == created["id"]
    assert mailoutbox[0].subject.startswith("[Sightline test] ")


def test_test_notification_reports_a_failing_receiver(api, body, receiver) -> None:
    created = create(api, body)
    receiver.reply(500)

    response = api.post(f"/v1/alerts/{created['id']}/test")

    [delivery] = response.json()["deliveries"]
    assert delivery["status"] == "failed"  # one attempt only: the operator sees it at once
    assert [a["status_code"] for a in delivery["attempts"]] == [500]


def test_history_lists_evaluations_with_deliveries_and_attempts(
    api, body, org, receiver, clock
) -> None:
    created = create(api, {**body, "widget_id": "w_calls", "threshold_value": 1, "window": "1h"})
    at = datetime.now(UTC) - timedelta(minutes=1)
    insert(event(org_id=org.organization.pk, tenant_id="acme", timestamp=at) for _ in range(3))
    insert(
        event(org_id=org.organization.pk, tenant_id="globex", timestamp=at - timedelta(minutes=55))
        for _ in range(3)
    )
    receiver.reply(500)
    clock.tick()
    clock.tick(minutes=10)  # globex resolves
    clock.tick()  # globex settles to ok, silently
    clock.tick()  # a quiet check: not in the history

    history = api.get(f"/v1/alerts/{created['id']}/history", {"limit": 2}).json()
    second_page = api.get(history["next"]).json()

    assert history["count"] == 3
    settled, resolved = history["results"]
    assert [t["to"] for t in settled["transitions"]] == ["ok"] and settled["deliveries"] == []
    assert [t["to"] for t in resolved["transitions"]] == ["resolved"]
    [fired] = second_page["results"]
    assert [t["to"] for t in fired["transitions"]] == ["firing", "firing"]
    assert fired["firing_count"] == 2
    delivery = next(d for d in fired["deliveries"] if d["tenant_id"] == "acme")
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 200]
    assert delivery["status"] == "sent"
    deliveries = api.get(f"/v1/alerts/{created['id']}/deliveries").json()
    assert deliveries["count"] == 3
    detail = api.get(f"/v1/alerts/{created['id']}").json()
    assert detail["firing_count"] == 1 and detail["states"][0]["tenant_id"] == "acme"


def test_disabled_reason_is_shown_and_cleared_on_enable(api, body, dashboard, clock) -> None:
    created = create(api, body)
    dashboard_unpublish(dashboard=dashboard)
    clock.tick()

    shown = api.get(f"/v1/alerts/{created['id']}").json()
    assert shown["enabled"] is False
    assert shown["disabled_reason"] == "The dashboard is not published."
    refused = api.patch(f"/v1/alerts/{created['id']}", {"enabled": True}, format="json")
    assert refused.status_code == 409

    dashboard_publish(dashboard=dashboard)
    enabled = api.patch(f"/v1/alerts/{created['id']}", {"enabled": True}, format="json").json()
    assert enabled["enabled"] is True and enabled["disabled_reason"] is None


def test_deleting_a_rule_keeps_nothing_behind(api, body) -> None:
    created = create(api, body)
    api.post(f"/v1/alerts/{created['id']}/test")

    api.delete(f"/v1/alerts/{created['id']}")

    assert not AlertDelivery.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/hook", "http://10.0.0.8:8080/x", "http://[::1]/", "http://169.254.169.254/"],
)
def test_a_literal_private_webhook_address_is_400_unless_allowed(api, body, settings, url) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False

    response = api.post("/v1/alerts", {**body, "webhook_url": url}, format="json")

    assert response.status_code == 400 and error_fields(response) == {"webhook_url"}
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert api.post("/v1/alerts", {**body, "webhook_url": url}, format="json").status_code == 201
