"""The 60-second evaluator against real events in chDB and a real HTTP receiver."""

import hashlib
import hmac
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from alerts.delivery import delivery_attempt
from alerts.evaluation import TICK_LOCK_KEY, alerts_tick, tick_lock
from alerts.models import AlertDelivery, AlertEvaluation, AlertRule, AlertState, DeliveryStatus
from alerts.tasks import deliver_notification
from dashboards.services import (
    dashboard_delete,
    dashboard_publish,
    dashboard_unpublish,
    dashboard_update,
)
from tests.factories import event, insert, widget

pytestmark = pytest.mark.django_db


def calls(org, tenant_id: str, count: int, *, minutes_ago: float = 1, **props) -> None:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    insert(
        event(org_id=org.organization.pk, tenant_id=tenant_id, timestamp=at, **props)
        for _ in range(count)
    )


def states(rule: AlertRule) -> dict[str, str]:
    """The tenants not ok (a tenant without a stored state is ok)."""
    stored = AlertState.objects.filter(rule=rule).exclude(status="ok")
    return dict(stored.values_list("tenant_id", "status"))


@pytest.mark.parametrize(
    ("operator", "threshold", "fires"),
    [
        ("gt", 2, True), ("gt", 3, False),
        ("gte", 3, True), ("gte", 4, False),
        ("lt", 4, True), ("lt", 3, False),
        ("lte", 3, True), ("lte", 2, False),
        ("eq", 3, True), ("eq", 2, False),
    ],
)  # fmt: skip
def test_each_operator(org, make_rule, receiver, clock, operator, threshold, fires) -> None:
    calls(org, "acme", 3)
    rule = make_rule(operator, threshold)

    summary = clock.tick()

    assert summary.rules_evaluated == 1 and summary.queries == 1
    assert states(rule) == ({"acme": "firing"} if fires else {})
    assert [p["state"] for p in receiver.payloads()] == (["firing"] if fires else [])


def test_fires_and_resolves_per_tenant(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 5, minutes_ago=55)  # leaves the 1h window after a few ticks
    calls(org, "globex", 1)
    rule = make_rule("gt", 2)

    clock.tick()
    assert states(rule) == {"acme": "firing"}
    [fired] = receiver.payloads()
    assert fired["tenant_id"] == "acme" and fired["value"] == 5.0 and fired["state"] == "firing"

    clock.tick(minutes=10)  # acme's events are now older than the window: it counts as 0
    assert states(rule) == {"acme": "resolved"}
    resolved = receiver.payloads()[-1]
    assert (resolved["tenant_id"], resolved["state"], resolved["value"]) == (
        "acme",
        "resolved",
        0.0,
    )

    clock.tick()
    assert states(rule) == {}
    assert len(receiver.payloads()) == 2  # resolved -> ok is silent


def test_payload_has_the_documented_fields(org, make_rule, receiver, clock, dashboard) -> None:
    calls(org, "acme", 3)
    rule = make_rule("gte", 3, name="Busy tenant")

    clock.tick()

    [payload] = receiver.payloads()
    assert payload["rule"] == {"id": rule.pk, "name": "Busy tenant"}
    assert (
        payload["threshold"] == 3.0
        and payload["operator"] == "gte"
        and payload["widget_id"] == "w_calls"
    )
    assert payload["dashboard_url"] == f"http://testserver/app/dashboards/{dashboard.pk}"
    assert payload["test"] is False and payload["time"].endswith("Z")


def test_no_repeat_while_firing(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1)

    for _ in range(4):
        clock.tick()

    assert len(receiver.payloads()) == 1


def test_renotifies_after_the_interval_while_firing(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1, renotify_minutes=5)

    for _ in range(5):
        clock.tick()
    assert len(receiver.payloads()) == 1
    clock.tick()  # five minutes after the first notification

    payloads = receiver.payloads()
    assert [p["state"] for p in payloads] == ["firing", "firing"]
    assert payloads[0]["notification_id"] != payloads[1]["notification_id"]


def test_signature_verifies_with_the_org_secret_only(
    org, other_org, make_rule, receiver, clock
) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1)

    clock.tick()

    [request] = receiver.requests
    timestamp, signature = (
        request.headers["X-Sightline-Timestamp"],
        request.headers["X-Sightline-Signature"],
    )
    signed = timestamp.encode() + b"." + request.body

    def expected(secret: str) -> str:
        return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()

    assert hmac.compare_digest(signature, expected(org.organization.webhook_secret))
    assert not hmac.compare_digest(signature, expected(other_org.organization.webhook_secret))
    assert abs(int(timestamp) - datetime.now(UTC).timestamp()) < 300


def test_retries_after_a_500_then_succeeds(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1)
    receiver.reply(500)

    clock.tick()

    delivery = AlertDelivery.objects.get()
    attempts = list(delivery.attempts.values_list("number", "status_code", "succeeded"))
    assert attempts == [(1, 500, False), (2, 200, True)]
    assert delivery.status == DeliveryStatus.SENT
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body  # the same notification, re-sent


def test_gives_up_after_the_last_attempt(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1)
    for _ in range(10):
        receiver.reply(503)

    clock.tick()

    delivery = AlertDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts.count() == 5 and len(receiver.requests) == 5


def test_a_4xx_is_not_retried(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1)
    receiver.reply(404)

    clock.tick()

    delivery = AlertDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts.count() == 1


def test_a_retried_task_never_sends_twice(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1)
    clock.tick()
    delivery = AlertDelivery.objects.get()

    deliver_notification.delay(delivery.pk)
    outcome = delivery_attempt(delivery_id=delivery.pk)

    assert outcome.attempted is False and outcome.status == DeliveryStatus.SENT
    assert len(receiver.requests) == 1
    assert delivery.attempts.count() == 1


def test_email_content(org, make_rule, clock, mailoutbox, dashboard) -> None:
    calls(org, "acme", 4)
    make_rule(
        "gte",
        3,
        name="Busy tenant",
        webhook_url="",
        email_to=["ops@example.com", "cto@example.com"],
    )

    clock.tick()

    [message] = mailoutbox
    assert message.subject == "[Sightline] FIRING: Busy tenant for tenant acme"
    assert message.to == ["ops@example.com", "cto@example.com"]
    assert "Value: 4" in message.body and "Condition: value ≥ 3" in message.body
    assert f"http://testserver/app/dashboards/{dashboard.pk}" in message.body
    assert AlertDelivery.objects.get().status == DeliveryStatus.SENT


def test_webhook_and_email_are_separate_deliveries(
    org, make_rule, receiver, clock, mailoutbox
) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1, email_to=["ops@example.com"])

    clock.tick()

    assert sorted(AlertDelivery.objects.values_list("channel", flat=True)) == ["email", "webhook"]
    assert len(receiver.payloads()) == 1 and len(mailoutbox) == 1


def test_overlapping_ticks_do_nothing(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1)

    with tick_lock(TICK_LOCK_KEY) as held:
        assert held
        summary = clock.tick()

    assert summary.locked and summary.rules_evaluated == 0
    assert not AlertEvaluation.objects.exists() and not receiver.requests
    assert clock.tick().rules_evaluated == 1  # the lock was released


def test_the_same_tick_twice_or_late_never_double_fires(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 3)
    rule = make_rule("gt", 1)
    first = clock.tick()
    AlertState.objects.filter(rule=rule).update(status="ok")  # would fire again if re-evaluated

    again = alerts_tick(now=clock.now)
    late = alerts_tick(now=clock.now - timedelta(seconds=30))

    assert first.rules_evaluated == 1 and again.rules_evaluated == 0 and late.rules_evaluated == 0
    assert AlertEvaluation.objects.filter(rule=rule).count() == 1
    assert len(receiver.payloads()) == 1


def test_widgets_over_one_event_and_window_share_one_scan_grouped_by_tenant(
    org, make_rule, clock
) -> None:
    for tenant in ("a", "b", "c", "d"):
        calls(org, tenant, 2)
    calls(org, "a", 3, string_props={"status": "error"})
    every = make_rule("gt", 1)
    errors = make_rule("gt", 1, widget_id="w_errors")
    make_rule("gt", 1, widget_id="w_latency", window="24h")  # another window: its own scan

    summary = clock.tick()

    assert summary.queries == 2 and summary.rules_evaluated == 3
    assert states(every) == {t: "firing" for t in ("a", "b", "c", "d")}
    assert states(errors) == {"a": "firing"}


def test_rules_on_the_same_widget_share_one_query(org, make_rule, clock) -> None:
    calls(org, "a", 2)
    for threshold in (1, 5, 10):
        make_rule("gt", threshold)

    assert clock.tick().queries == 1


def test_absent_tenant_counts_as_zero_for_count(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 3, minutes_ago=55)
    rule = make_rule("lt", 1, name="Tenant went quiet")

    clock.tick()
    assert states(rule) == {}
    assert AlertState.objects.filter(rule=rule, tenant_id="acme").exists()  # remembered
    clock.tick(minutes=10)

    assert states(rule) == {"acme": "firing"}
    assert receiver.payloads()[-1]["value"] == 0.0


def test_absent_tenant_has_no_data_for_avg(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 2, minutes_ago=55, numeric_props={"latency_ms": 900})
    rule = make_rule("gt", 500, widget_id="w_latency")

    clock.tick()
    assert states(rule) == {"acme": "firing"}
    clock.tick(minutes=10)

    assert states(rule) == {"acme": "resolved"}
    assert receiver.payloads()[-1]["value"] is None


def test_widget_filters_and_sum_metric(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 2, string_props={"status": "error"})
    calls(org, "acme", 5, string_props={"status": "success"}, numeric_props={"cost": 1.5})
    errors = make_rule("gte", 2, widget_id="w_errors")
    cost = make_rule("gt", 7, widget_id="w_cost")

    clock.tick()

    assert states(errors) == {"acme": "firing"} and states(cost) == {"acme": "firing"}
    values = {p["rule"]["id"]: p["value"] for p in receiver.payloads()}
    assert values == {errors.pk: 2.0, cost.pk: 7.5}


def test_tenant_id_narrows_the_rule(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 5)
    calls(org, "globex", 5)
    rule = make_rule("gt", 1, tenant_id="globex")
    quiet = make_rule("lt", 1, tenant_id="initech")  # no events at all: counts as 0

    clock.tick()

    assert states(rule) == {"globex": "firing"}
    assert states(quiet) == {"initech": "firing"}


def test_other_organizations_events_never_count(org, other_org, make_rule, clock) -> None:
    insert(event(org_id=other_org.organization.pk, tenant_id="acme") for _ in range(10))
    calls(org, "acme", 1)
    rule = make_rule("gt", 2)

    clock.tick()

    assert states(rule) == {}


def test_rule_on_a_removed_widget_is_disabled_with_a_reason(
    org, make_rule, dashboard, receiver, clock
) -> None:
    calls(org, "acme", 3)
    rule = make_rule("gt", 1)
    dashboard_update(dashboard=dashboard, changes={"widgets": [widget("w_other")]})
    dashboard_publish(dashboard=dashboard)

    summary = clock.tick()

    rule.refresh_from_db()
    assert summary.rules_disabled == 1 and rule.enabled is False
    assert rule.disabled_reason == "The widget w_calls is not on the published dashboard any more."
    assert not receiver.requests


def test_rule_on_an_unpublished_dashboard_is_disabled(org, make_rule, dashboard, clock) -> None:
    rule = make_rule("gt", 1)
    dashboard_unpublish(dashboard=dashboard)

    clock.tick()

    rule.refresh_from_db()
    assert (rule.enabled, rule.disabled_reason) == (False, "The dashboard is not published.")


def test_rule_on_a_deleted_dashboard_is_disabled(org, make_rule, dashboard, clock) -> None:
    rule = make_rule("gt", 1)
    dashboard_delete(dashboard=dashboard)

    clock.tick()

    rule.refresh_from_db()
    assert (rule.enabled, rule.disabled_reason) == (False, "The dashboard was deleted.")


def test_disabled_rules_are_not_evaluated(org, make_rule, receiver, clock) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1, enabled=False)

    assert clock.tick().rules_evaluated == 0
    assert not receiver.requests


def test_history_keeps_changes_and_quiet_checks_only_move_last_evaluated(
    org, make_rule, clock
) -> None:
    calls(org, "acme", 3, minutes_ago=55)
    calls(org, "globex", 1)
    rule = make_rule("gt", 2)

    clock.tick()
    clock.tick()  # nothing changes
    rule.refresh_from_db()
    assert rule.last_evaluated_at == clock.now
    clock.tick(minutes=10)  # acme resolves

    resolved, fired = AlertEvaluation.objects.filter(rule=rule)
    assert (fired.tenants_evaluated, fired.firing_count) == (2, 1)
    assert fired.transitions == [{"tenant_id": "acme", "from": "ok", "to": "firing", "value": 3.0}]
    assert resolved.transitions == [
        {"tenant_id": "acme", "from": "firing", "to": "resolved", "value": 0.0}
    ]
    assert fired.deliveries.count() == 1 and resolved.deliveries.count() == 1


def test_alerts_tick_command_prints_a_summary(org, make_rule, receiver) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1)
    out = StringIO()

    call_command("alerts_tick", stdout=out)

    assert "1 rules evaluated (1 queries, " in out.getvalue()
    assert "1 transitions, 1 deliveries, 0 disabled, 0 failed" in out.getvalue()
    assert len(receiver.payloads()) == 1


def test_ok_tenants_of_an_upper_threshold_rule_store_nothing(org, make_rule, clock) -> None:
    for tenant in ("a", "b", "c"):
        calls(org, tenant, 1)
    calls(org, "d", 5)
    rule = make_rule("gt", 3)

    clock.tick()
    clock.tick()

    # Only the tenant that left ok has a row: a steady tick reads and writes almost nothing.
    assert list(AlertState.objects.filter(rule=rule).values_list("tenant_id", flat=True)) == ["d"]


def test_a_tenant_back_to_ok_then_firing_again_notifies_again(
    org, make_rule, receiver, clock
) -> None:
    calls(org, "acme", 3, minutes_ago=55)
    rule = make_rule("gt", 1)
    clock.tick()  # firing
    clock.tick(minutes=10)  # resolved
    clock.tick()  # ok
    calls(org, "acme", 3)

    clock.tick()

    assert states(rule) == {"acme": "firing"}
    assert [p["state"] for p in receiver.payloads()] == ["firing", "resolved", "firing"]


def test_a_delivery_whose_task_was_lost_is_sent_by_a_later_tick(
    org, make_rule, receiver, clock
) -> None:
    calls(org, "acme", 3)
    make_rule("gt", 1, renotify_minutes=None)
    alerts_tick(now=clock.now, dispatch=lambda delivery_id: None)  # the task never ran
    delivery = AlertDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and not receiver.requests

    clock.tick(minutes=5)
    assert not receiver.requests  # too young: its task may still be on its way
    clock.tick(minutes=15)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(receiver.payloads()) == 1
    clock.tick(minutes=20)
    assert len(receiver.payloads()) == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_of_one_tick_fire_once_without_the_lock(org, make_rule, clock) -> None:
    """The cache lock aside, the database claim alone keeps a tick's rules to one run: two
    threads evaluate the same tick at once, each rule is evaluated and notified exactly once."""
    from django.db import connection

    from alerts.evaluation import TickSummary, _evaluate_due_rules, tick_of

    calls(org, "acme", 3)
    rules = [make_rule("gt", 1, name=f"rule {n}") for n in range(6)]
    now = clock.now + timedelta(minutes=1)
    summaries = [TickSummary(tick=tick_of(now)) for _ in range(2)]
    start = threading.Barrier(2)

    def run(summary: TickSummary) -> None:
        try:
            start.wait()
            _evaluate_due_rules(now=now, summary=summary)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(summary,)) for summary in summaries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(s.rules_evaluated for s in summaries) == len(rules)
    assert sum(s.rules_skipped for s in summaries) == len(rules)  # both runs did try each rule
    assert sum(s.rules_failed for s in summaries) == 0
    assert AlertDelivery.objects.count() == len(rules)  # one firing notification per rule
    assert AlertEvaluation.objects.count() == len(rules)
