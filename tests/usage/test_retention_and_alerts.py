"""The usage stream follows the organization's retention like its events (reads never show
older rows, the hourly job deletes them, per organization), and alert scans never count it."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.retention import events_retention_enforce
from alerts.models import AlertState
from alerts.services import alert_rule_create
from tests.embeds.conftest import TENANT_A
from usage.recorder import usage_flush
from usage.selectors import organization_usage
from warehouse.reads import CompiledQuery, run
from warehouse.scope import DangerousOrgWideScope
from warehouse.usage import UsageRow, usage_insert

pytestmark = pytest.mark.django_db


def view(org_id: str, days_ago: float, insert_id: str) -> UsageRow:
    moment = datetime.now(UTC) - timedelta(days=days_ago)
    return UsageRow(
        org_id, moment, TENANT_A, "view", "dash_x", 1, "es_1", "", None, "", insert_id, {}
    )


def stored(org_id: str) -> int:
    sql = "SELECT count() FROM usage_events FINAL WHERE org_id = {scope_org_id:String}"
    scope = DangerousOrgWideScope(org_id=org_id)
    return run(CompiledQuery(sql, {"scope_org_id": org_id}, scope)).scalar()


def test_usage_follows_the_organizations_retention(org, other_org):
    for created in (org, other_org):
        org_id = created.organization.pk
        usage_insert([view(org_id, 0.01, "a"), view(org_id, 20, "b"), view(org_id, 25, "c")])
    org.organization.retention_days = 7
    org.organization.save(update_fields=["retention_days"])

    assert (
        organization_usage(organization=org.organization, period="30d").report.totals["views"] == 1
    )  # the old rows are never shown, whatever the period asks
    assert (
        organization_usage(organization=other_org.organization, period="30d").report.totals["views"]
        == 3
    )

    deleted = events_retention_enforce()
    assert deleted[org.organization.pk] == 2
    assert stored(org.organization.pk) == 1
    assert stored(other_org.organization.pk) == 3  # another organization's retention is its own


def test_alert_scans_never_count_usage(client, issue, embed_get, dashboard, seeded, org):
    from alerts.evaluation import alerts_tick

    rule = alert_rule_create(
        organization=org.organization,
        name="3 calls or more",
        dashboard_id=dashboard.pk,
        widget_id="w_kpi",
        operator="gte",
        threshold_value=3,  # tenant A sent exactly 3 calls: firing, with the value 3
        email_to=["ops@example.com"],
        window="7d",
        tenant_id=TENANT_A,
    )
    token = issue(tenant_id=TENANT_A)
    for _ in range(5):
        client.get(f"/embed/{dashboard.pk}?token={token}")
        embed_get(f"/embed/{dashboard.pk}/data", token, period="7d")
    assert usage_flush() == 10
    assert alerts_tick().rules_evaluated == 1
    state = AlertState.objects.get(rule=rule, tenant_id=TENANT_A)
    assert (state.status, state.value) == ("firing", 3)  # the calls, not the 10 usage rows
