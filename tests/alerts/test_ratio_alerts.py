"""Alerts watch ratio widgets (issue 14, item 3): an error rate per tenant, in the same shared
scan as the other widgets of the event."""

import pytest

from alerts.models import AlertState
from tests.alerts.test_evaluation import calls

pytestmark = pytest.mark.django_db


def test_an_error_rate_fires_per_tenant_and_shares_the_scan(org, make_rule, receiver, clock):
    calls(org, "acme", 7, string_props={"status": "ok"})
    calls(org, "acme", 3, string_props={"status": "error"})  # 30 %
    calls(org, "globex", 9, string_props={"status": "ok"})
    calls(org, "globex", 1, string_props={"status": "error"})  # 10 %
    rate = make_rule("gt", 0.2, widget_id="w_error_rate", name="Error rate above 20 %")
    make_rule("gt", 5, widget_id="w_calls")  # same event and window: the same scan

    summary = clock.tick()

    assert summary.rules_evaluated == 2 and summary.queries == 1
    assert dict(AlertState.objects.filter(rule=rate).values_list("tenant_id", "status")) == {
        "acme": "firing"
    }
    fired = [p for p in receiver.payloads() if p["rule"]["id"] == rate.pk]
    assert [(p["tenant_id"], p["value"]) for p in fired] == [("acme", 0.3)]


def test_a_tenant_without_events_has_no_rate_and_does_not_fire(org, make_rule, clock):
    calls(org, "acme", 2, string_props={"status": "ok"})
    rate = make_rule("lt", 0.5, widget_id="w_error_rate")  # 0 % is below: fires

    clock.tick()

    states = dict(AlertState.objects.filter(rule=rate).values_list("tenant_id", "status"))
    assert states == {"acme": "firing"}  # 0 / 2 = 0; tenants with nothing to divide: no value


def test_a_funnel_cannot_be_watched(org, receiver) -> None:
    from alerts.selectors import published_widget_choices
    from alerts.services import alert_rule_create
    from core.errors import ApiError
    from dashboards.services import dashboard_create, dashboard_publish
    from tests.factories import spec

    funnel = {"id": "w_funnel", "kind": "funnel", "steps": ["visit", "pay"], "title": "Checkout"}
    dashboard = dashboard_create(organization=org.organization, spec=spec(widgets=[funnel]))
    dashboard_publish(dashboard=dashboard)
    assert not [
        c
        for c in published_widget_choices(organization=org.organization)
        if c.widget_id == "w_funnel"
    ]
    with pytest.raises(ApiError):
        alert_rule_create(
            organization=org.organization,
            name="Checkout",
            dashboard_id=dashboard.pk,
            widget_id="w_funnel",
            operator="lt",
            threshold_value=1,
            webhook_url=receiver.url,
            window="1h",
        )
