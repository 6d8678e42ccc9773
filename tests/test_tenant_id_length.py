"""One tenant id length everywhere (core.limits.MAX_TENANT_ID_LENGTH, what ingest accepts): every
endpoint and form that takes a tenant id accepts 128 characters and refuses 129 with the
project's error, so no embed session, alert or query can name a tenant no event can carry."""

import pytest
from django.test import Client

from alerts.models import AlertRule
from core.limits import MAX_TENANT_ID_LENGTH
from dashboards.services import dashboard_create, dashboard_publish
from embeds.models import AuditLogEntry
from tests.factories import spec, widget

pytestmark = pytest.mark.django_db
LONGEST = "t" * MAX_TENANT_ID_LENGTH
TOO_LONG = "t" * (MAX_TENANT_ID_LENGTH + 1)


@pytest.fixture
def dashboard(org):
    dashboard = dashboard_create(
        organization=org.organization, spec=spec("Usage", widgets=[widget("w_calls")])
    )
    dashboard_publish(dashboard=dashboard)
    return dashboard


def refused_on(response, field: str = "tenant_id") -> bool:
    error = response.json()["error"]
    return response.status_code == 400 and any(d["field"] == field for d in error["details"])


def test_the_limit_is_ingests() -> None:
    assert MAX_TENANT_ID_LENGTH == 128


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "serializer"])
def test_embed_sessions(api, dashboard, fast) -> None:
    def post(tenant_id: str):
        body = {"tenant_id": tenant_id, "dashboard_id": dashboard.pk}
        if not fast:
            body["expires_in"] = "600"  # a number as a string: the serializer's path
        return api.post("/v1/embed-sessions", body, format="json")

    assert post(LONGEST).status_code == 201
    assert refused_on(post(TOO_LONG))
    assert AuditLogEntry.objects.filter(tenant_id__startswith="t").count() == 1


def test_embed_session_revocation_by_tenant(api) -> None:
    def revoke(tenant_id: str):
        return api.post("/v1/embed-sessions/revoke", {"tenant_id": tenant_id}, format="json")

    assert revoke(LONGEST).status_code == 200
    assert refused_on(revoke(TOO_LONG))


def test_dashboard_data(api, dashboard) -> None:
    def data(tenant_id: str):
        return api.get(f"/v1/dashboards/{dashboard.pk}/data", {"tenant_id": tenant_id})

    assert data(LONGEST).status_code == 200
    assert refused_on(data(TOO_LONG))


def test_alerts(api, dashboard) -> None:
    def create(tenant_id: str):
        body = {
            "name": "Spike",
            "dashboard_id": dashboard.pk,
            "widget_id": "w_calls",
            "condition_type": "threshold",
            "operator": "gt",
            "threshold_value": 10,
            "email_to": "ops@example.com",
            "tenant_id": tenant_id,
        }
        return api.post("/v1/alerts", body, format="json")

    assert create(LONGEST).status_code == 201
    assert refused_on(create(TOO_LONG))
    assert AlertRule.objects.count() == 1


def test_console_embed_form(org, dashboard) -> None:
    client = Client()
    client.force_login(org.owner)

    def issue(tenant_id: str):
        return client.post(
            f"/app/dashboards/{dashboard.pk}/embed",
            {"tenant_id": tenant_id, "expires_in": 900, "allowed_periods": ["7d"]},
            headers={"HX-Request": "true"},
        )

    assert issue(LONGEST).status_code == 200
    refused = issue(TOO_LONG)
    assert refused.status_code == 400 and "tenant_id" in refused.context["form"].errors
    assert AuditLogEntry.objects.filter(tenant_id__startswith="t").count() == 1


def test_the_audit_log_column_holds_exactly_the_limit() -> None:
    assert AuditLogEntry._meta.get_field("tenant_id").max_length == MAX_TENANT_ID_LENGTH
