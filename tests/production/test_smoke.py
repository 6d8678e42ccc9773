"""The documented flow on the production topology (real processes, real sockets): register →
ingest → the event is queryable within 2 s → publish → embed session → embed data → an alert
fires once and only once; /metrics sums both web processes; logs are JSON lines."""

import time

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.production.conftest import (
    dashboard_create,
    kpi_value,
    new_org,
    start_topology,
    stored_count,
)
from tests.production.http import call

pytestmark = pytest.mark.production

VISIBLE_WITHIN_SECONDS = 2.0  # the documented promise: beat drains the stream every second
ALERT_TICK_WAIT_SECONDS = 150  # beat's first 60-second tick, on a loaded machine


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    topology = start_topology("smoke", tmp_path_factory.mktemp("smoke"))
    yield topology
    topology.stop()


def event(tenant: str) -> dict:
    return {"events": [{"tenant_id": tenant, "event_name": "api.call", "user_id": "u1"}]}


def test_the_documented_flow(topology, receiver) -> None:
    web1, web2 = topology.web_urls
    org = new_org(topology)
    dashboard_id = dashboard_create(web1, org["admin_key"])

    sent = time.monotonic()
    status, _, body = call("POST", f"{web2}/v1/events", event("t1"), key=org["ingest_key"])
    assert (status, body) == (202, {"accepted": 1})
    while stored_count(topology, org["org_id"]) != 1:
        assert time.monotonic() - sent < 30, "the event never became queryable"
        time.sleep(0.05)
    visible_after = time.monotonic() - sent
    print(f"event queryable {visible_after:.2f} s after its 202")
    assert visible_after <= VISIBLE_WITHIN_SECONDS
    assert kpi_value(web1, org["admin_key"], dashboard_id, "t1") == 1.0

    status, _, _ = call(
        "POST", f"{web1}/v1/dashboards/{dashboard_id}/publish", {}, key=org["admin_key"]
    )
    assert status in (200, 201)
    status, _, session = call(
        "POST", f"{web2}/v1/embed-sessions",
        {"tenant_id": "t1", "dashboard_id": dashboard_id, "expires_in": 600},
        key=org["admin_key"],
    )  # fmt: skip
    assert status == 201, session
    status, _, page = call("GET", session["embed_url"])
    assert status == 200
    status, _, data = call(
        "GET", f"{web1}/embed/{dashboard_id}/data?period=7d", key=session["token"]
    )
    assert status == 200, data
    assert data["widgets"][0]["data"]["value"] == 1.0

    status, _, rule = call(
        "POST", f"{web1}/v1/alerts",
        {"name": "Any call", "dashboard_id": dashboard_id, "widget_id": "w_calls",
         "condition_type": "threshold", "operator": "gt", "threshold_value": 0,
         "window": "1h", "tenant_id": "t1", "webhook_url": receiver.url},
        key=org["admin_key"],
    )  # fmt: skip
    assert status == 201, rule
    deadline = time.monotonic() + ALERT_TICK_WAIT_SECONDS
    while not receiver.bodies:  # beat's tick → the worker evaluates → the worker delivers
        assert time.monotonic() < deadline, topology.log("beat")[-2000:]
        time.sleep(0.5)
    for _ in range(2):  # more evaluations (as a late or duplicated tick would): no second one
        topology.run("manage", "alerts_tick")
    time.sleep(3)
    assert len(receiver.bodies) == 1, receiver.bodies


def test_metrics_sum_both_web_processes_and_logs_are_json(topology) -> None:
    web1, web2 = topology.web_urls
    org = new_org(topology, "Metrics")
    before = _accepted(web1)
    for url in (web1, web2, web2):
        status, _, _ = call("POST", f"{url}/v1/events", event("t9"), key=org["ingest_key"])
        assert status == 202
    assert _accepted(web1) - before == 3
    assert _accepted(web2) == _accepted(web1)
    status, _, _ = call("POST", f"{web1}/v1/events", {"events": [{}]}, key=org["ingest_key"])
    assert status == 400  # Django logs the refusal: one JSON object a line
    time.sleep(0.5)
    records = [orjson.loads(line) for line in topology.log("web1").splitlines() if line[:1] == "{"]
    refused = [r for r in records if r["logger"] == "django.request" and r["level"] == "WARNING"]
    assert refused and "/v1/events" in refused[-1]["message"]


def _accepted(url: str) -> float:
    status, _, text = call("GET", f"{url}/metrics")
    assert status == 200
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "sightline_ingest_events_accepted_total":
                return sample.value
    return 0.0
