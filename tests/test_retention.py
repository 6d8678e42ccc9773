"""Per-organization retention, as the settings page promises: events older than the
organization's `retention_days` "are not shown and are removed". Every read path asks for a
window longer than the retention and must see the recent events only; the hourly job deletes
the old ones from the warehouse, organization by organization."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from accounts.models import Organization
from accounts.retention import events_retention_enforce
from alerts.models import AlertState
from alerts.services import alert_rule_create
from dashboards.services import dashboard_create, dashboard_publish
from ops.schedule import PERIODIC_JOBS
from tests.factories import event, insert, spec, widget
from warehouse.reads import CompiledQuery, run
from warehouse.scope import DangerousOrgWideScope

pytestmark = pytest.mark.django_db
TENANT = "acme"
RETENTION_DAYS = 7


def keep(organization: Organization, days: int) -> None:
    organization.retention_days = days
    organization.save(update_fields=["retention_days"])


def seed(org_id: str) -> None:
    """One recent and two old events (10 and 20 days ago: past a 7-day retention, inside 30d)."""
    now = datetime.now(UTC)
    insert(
        event(
            org_id=org_id,
            tenant_id=TENANT,
            event_name="api.call",
            timestamp=now - timedelta(days=days),
            user_id=f"u{days}",
            string_props={"model": "claude" if days < 1 else "gpt-4"},
        )
        for days in (0.01, 10, 20)
    )
    insert(
        [
            event(
                org_id=org_id,
                tenant_id=TENANT,
                event_name="old.only",
                timestamp=now - timedelta(days=12),
            )
        ]
    )


def stored(org_id: str) -> int:
    scope = DangerousOrgWideScope(org_id=org_id)
    sql = "SELECT count() FROM events WHERE org_id = {scope_org_id:String}"
    return run(CompiledQuery(sql, {"scope_org_id": org_id}, scope)).scalar()


@pytest.fixture
def kept(org) -> Organization:
    keep(org.organization, RETENTION_DAYS)
    seed(org.organization.pk)
    return org.organization


@pytest.fixture
def dashboard(kept):
    widgets = [
        widget("w_calls"),
        widget("w_table", kind="table", chart="table", group_by=["model"]),
    ]
    dashboard = dashboard_create(organization=kept, spec=spec("Usage", widgets=widgets))
    dashboard_publish(dashboard=dashboard)
    return dashboard


def kpi(data: dict) -> float:
    return next(w for w in data["widgets"] if w["id"] == "w_calls")["data"]["value"]


@pytest.mark.parametrize(
    "window",
    [{"period": "30d"}, {"period": "90d"}, {"period": "custom", "from": "2020-01-01"}],
    ids=["30d", "90d", "custom"],
)
def test_dashboard_data_shows_only_what_retention_keeps(api, dashboard, window) -> None:
    if window["period"] == "custom":
        window = {**window, "from": (datetime.now(UTC) - timedelta(days=300)).date().isoformat()}
        window["to"] = datetime.now(UTC).date().isoformat()
    response = api.get(f"/v1/dashboards/{dashboard.pk}/data", {"tenant_id": TENANT, **window})
    assert response.status_code == 200, response.content
    assert kpi(response.json()) == 1


def test_a_longer_retention_shows_the_older_events(api, org, dashboard) -> None:
    keep(org.organization, 30)
    response = api.get(
        f"/v1/dashboards/{dashboard.pk}/data", {"tenant_id": TENANT, "period": "30d"}
    )
    assert kpi(response.json()) == 3  # the same request: only the retention changed


def test_embed_data_drill_and_export_show_only_what_retention_keeps(api, client, dashboard) -> None:
    session = api.post(
        "/v1/embed-sessions",
        {
            "tenant_id": TENANT,
            "dashboard_id": dashboard.pk,
            "permissions": {"allow_drill_down": True},
            "allow_export": True,
        },
        format="json",
    ).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {session['token']}"}
    base = f"/embed/{dashboard.pk}"

    data = client.get(f"{base}/data", {"period": "90d"}, **auth)
    drill = client.get(f"{base}/drill", {"period": "90d", "widget": "w_calls"}, **auth)
    export = client.get(f"{base}/export", {"period": "90d", "widget": "w_table"}, **auth)

    assert data.status_code == drill.status_code == export.status_code == 200
    assert kpi(data.json()) == 1
    assert len(drill.json()["rows"]) == 1
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert [row[0] for row in rows[1:]] == ["claude"]  # gpt-4 only has old events


def test_the_builder_preview_shows_only_what_retention_keeps(org, dashboard) -> None:
    client = Client()
    client.force_login(org.owner)
    response = client.get(
        f"/app/dashboards/{dashboard.pk}/preview", {"tenant_id": TENANT, "period": "90d"}
    )
    assert response.status_code == 200
    assert kpi(response.context["data"]) == 1


def test_discovery_lists_only_events_retention_keeps(api, kept) -> None:
    found = api.get("/v1/discover").json()
    assert [e["name"] for e in found["events"]] == ["api.call"]  # old.only is past retention
    assert found["events"][0]["count"] == 1


def test_alerts_count_only_what_retention_keeps(org, dashboard) -> None:
    from alerts.evaluation import alerts_tick

    rule = alert_rule_create(
        organization=org.organization,
        name="More than one call",
        dashboard_id=dashboard.pk,
        widget_id="w_calls",
        operator="gt",
        threshold_value=1,
        email_to=["ops@example.com"],
        window="30d",
    )
    summary = alerts_tick()
    assert summary.rules_evaluated == 1
    assert not AlertState.objects.filter(rule=rule, status="firing").exists()  # 1 call, not 3


def test_the_hourly_job_removes_old_events_per_organization(org, other_org, settings) -> None:
    assert any(job.task == "accounts.tasks.enforce_retention" for job in PERIODIC_JOBS)
    keep(org.organization, RETENTION_DAYS)
    seed(org.organization.pk)
    seed(other_org.organization.pk)  # keeps 365 days: nothing of it goes

    deleted = events_retention_enforce()

    assert deleted == {org.organization.pk: 3}
    assert stored(org.organization.pk) == 1
    assert stored(other_org.organization.pk) == 4
    assert events_retention_enforce() == {}  # nothing left to delete: no statement sent


def test_the_warehouse_ttl_stays_the_outer_bound(org, settings) -> None:
    settings.WAREHOUSE_RETENTION_DAYS = 5  # shorter than the organization's 7: the TTL's job
    keep(org.organization, RETENTION_DAYS)
    seed(org.organization.pk)
    assert events_retention_enforce() == {}
