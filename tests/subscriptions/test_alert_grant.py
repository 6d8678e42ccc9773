"""Viewer alerts run through the operator alerts' evaluator under the subscription's grant:
its tenant alone, its locked filters in the scan's condition (kept when the operator changes
the dashboard), its hidden widgets re-checked at every tick; the e-mail goes to the confirmed
address with its own unsubscribe link and never another tenant's numbers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.evaluation import alerts_tick
from alerts.models import AlertRule, AlertState
from alerts.services import alert_rule_create
from dashboards.services import dashboard_publish, dashboard_widget_remove, dashboard_widget_replace
from subscriptions.models import Subscription
from subscriptions.selectors import subscriptions_list, with_reasons
from tests.embeds.conftest import TENANT_A, TENANT_B
from tests.factories import event, insert, widget
from tests.subscriptions.conftest import link_path, links, viewer_permissions

pytestmark = pytest.mark.django_db(transaction=True)
ALERT = {"kind": "alert", "email": "viewer@example.com", "widget_id": "w_kpi",
         "operator": "gt", "threshold": 3, "window": "1h"}  # fmt: skip


def calls(org_id: str, tenant_id: str, plan: str, n: int) -> None:
    insert(event(org_id=org_id, tenant_id=tenant_id, string_props={"plan": plan}) for _ in range(n))


class Ticks:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self):
        self.now += timedelta(minutes=1)
        return alerts_tick(now=self.now, dispatch=_send_now)


def _send_now(delivery_id: str) -> None:
    from alerts.delivery import delivery_attempt

    delivery_attempt(delivery_id=delivery_id, max_attempts=1)


@pytest.fixture
def confirmed(issue, subscribe, client, mailoutbox):
    """confirmed(**permissions) -> an alert subscription of tenant A, confirmed."""

    def make(**permissions):
        token = issue(permissions=viewer_permissions(**permissions))
        subscription_id = subscribe(token, **ALERT).json()["id"]
        client.post(link_path("confirm", links(mailoutbox[-1])["confirm"]))
        mailoutbox.clear()
        return Subscription.objects.get(pk=subscription_id)

    return make


def test_the_locked_filter_narrows_the_scan_and_only_the_grants_tenant_is_evaluated(
    org, dashboard, confirmed, mailoutbox
):
    org_id = org.organization.pk
    calls(org_id, TENANT_A, "pro", 2)
    calls(org_id, TENANT_A, "free", 5)  # the viewer's lock hides these
    calls(org_id, TENANT_B, "pro", 20)  # another tenant: never evaluated, never reported
    subscription = confirmed(locked_filters={"plan": "pro"})
    tick = Ticks()
    assert tick().rules_evaluated == 1
    assert mailoutbox == []  # 2 pro calls: not above 3
    calls(org_id, TENANT_A, "pro", 2)
    tick()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["viewer@example.com"]
    assert "is 4 (> 3)" in message.subject  # the 4 pro calls of tenant A, nothing else
    assert TENANT_B not in message.body + message.subject
    assert "/app/" not in message.body  # no operator console link for a viewer
    unsubscribe = links(message)["unsubscribe"]
    assert unsubscribe in message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    rule = AlertRule.objects.get(pk=subscription.alert_rule_id)
    assert set(AlertState.objects.filter(rule=rule).values_list("tenant_id", flat=True)) == {
        TENANT_A
    }
    assert Subscription.objects.get(pk=subscription.pk).last_sent_at is not None


def test_the_locked_filter_survives_the_operator_changing_the_dashboard(
    org, dashboard, confirmed, receiver_rule, mailoutbox
):
    org_id = org.organization.pk
    calls(org_id, TENANT_A, "pro", 2)
    calls(org_id, TENANT_A, "free", 5)
    confirmed(locked_filters={"plan": "pro"})
    operator = receiver_rule()
    # The operator points the widget at the free plan and drops the dashboard's filters.
    changed = widget("w_kpi", title="Calls", filters={"plan": "free"})
    dashboard_widget_replace(dashboard=dashboard, widget_id="w_kpi", widget=changed)
    dashboard_publish(dashboard=dashboard)
    Ticks()()
    # The operator's rule sees the new widget (5 free calls > 3) ...
    assert AlertState.objects.get(rule=operator, tenant_id=TENANT_A).status == "firing"
    # ... the viewer's stays under its lock (2 pro calls): nothing fires, nothing is sent.
    assert [m.to for m in mailoutbox] == [["ops@example.com"]]


def test_a_widget_gone_from_the_dashboard_is_never_evaluated_and_the_subscription_says_why(
    org, dashboard, confirmed, mailoutbox
):
    calls(org.organization.pk, TENANT_A, "pro", 9)
    subscription = confirmed()
    dashboard_widget_remove(dashboard=dashboard, widget_id="w_kpi")
    dashboard_publish(dashboard=dashboard)
    summary = Ticks()()
    assert summary.rules_disabled == 1 and mailoutbox == []
    (listed,) = with_reasons(subscriptions_list(organization=org.organization))
    assert listed.pk == subscription.pk and "w_kpi" in listed.skipped_reason


def test_a_grant_that_hides_the_widget_cannot_be_evaluated(org, dashboard):
    grant = {"tenant_id": TENANT_A, "locked_filters": {}, "hidden_widgets": ["w_kpi"]}
    with pytest.raises(Exception, match="invalid"):
        alert_rule_create(
            organization=org.organization, grant=grant, name="x", dashboard_id=dashboard.pk,
            widget_id="w_kpi", operator="gt", threshold_value=1, email_to=["a@example.com"],
        )  # fmt: skip
    # A rule stored with such a grant (say, written before a check existed) is disabled at the
    # next tick, never evaluated.
    rule = AlertRule.objects.create(
        organization=org.organization, name="x", dashboard_id=dashboard.pk, widget_id="w_kpi",
        operator="gt", threshold_value=-1, email_to=["a@example.com"], tenant_id=TENANT_A,
        grant=grant,
    )  # fmt: skip
    summary = Ticks()()
    assert summary.rules_evaluated == 0 and summary.rules_disabled == 1
    rule.refresh_from_db()
    assert not rule.enabled and "hidden" in rule.disabled_reason


@pytest.fixture
def receiver_rule(org, dashboard):
    def make():
        return alert_rule_create(
            organization=org.organization, name="Operator", dashboard_id=dashboard.pk,
            widget_id="w_kpi", operator="gt", threshold_value=3, window="1h",
            tenant_id=TENANT_A, email_to=["ops@example.com"],
        )  # fmt: skip

    return make


def test_list_and_range_locks_narrow_the_scan_and_the_tick_keeps_running(
    org, dashboard, confirmed, receiver_rule, mailoutbox
):
    """A viewer alert under a list lock (IN) and one under a numeric range lock are evaluated
    in the same tick as an operator's rule: each counts only its lock's rows, and neither
    breaks the tick for the others."""
    org_id = org.organization.pk
    calls(org_id, TENANT_A, "pro", 2)
    calls(org_id, TENANT_A, "team", 2)
    calls(org_id, TENANT_A, "free", 9)  # outside the list lock
    amounts = [50, 150, 250, 400, 900]  # 150, 250 and 400 are inside [100, 500)
    insert(
        event(org_id=org_id, tenant_id=TENANT_A, numeric_props={"amount": amount})
        for amount in amounts
    )
    by_list = confirmed(locked_filters={"plan": ["pro", "team"]})
    mailoutbox.clear()
    operator = receiver_rule()
    Ticks()()
    # 4 calls of pro or team are above 3: the viewer under the list lock is told, with 4.
    assert any("is 4 (> 3)" in m.subject for m in mailoutbox if m.to == ["viewer@example.com"])
    assert AlertState.objects.get(rule=operator, tenant_id=TENANT_A).status == "firing"
    rule = AlertRule.objects.get(pk=by_list.alert_rule_id)
    assert AlertState.objects.get(rule=rule, tenant_id=TENANT_A).status == "firing"


def test_a_range_lock_counts_only_the_rows_inside_the_range(org, dashboard, confirmed, mailoutbox):
    org_id = org.organization.pk
    amounts = [50, 150, 250, 400, 499.5, 500, 900]  # 4 inside [100, 500)
    insert(
        event(org_id=org_id, tenant_id=TENANT_A, numeric_props={"amount": amount})
        for amount in amounts
    )
    calls(org_id, TENANT_A, "pro", 6)  # no amount at all: outside any range
    confirmed(locked_filters={"amount": {"gte": 100, "lt": 500}})
    Ticks()()
    (message,) = mailoutbox
    assert "is 4 (> 3)" in message.subject
