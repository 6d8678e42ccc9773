"""GET /metrics: the counters move with real requests, label values never carry tenant or
organization ids, only loopback (or the token) may read it, and several processes' values are
summed (prometheus-client's multiprocess mode, in real subprocesses)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from tests.ingest.conftest import an_event, post_events

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


def _samples(response) -> dict[tuple[str, tuple], float]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_ingest_counters_and_latency_by_route_without_tenant_ids(client, client_for, org) -> None:
    ingest = client_for(org.ingest_key.secret)
    before = _samples(client.get("/metrics"))
    tenant = "tenant_secret_acme_42"
    assert post_events(ingest, [an_event(tenant_id=tenant)] * 3).status_code == 202
    assert post_events(ingest, [an_event(tenant_id=None)]).status_code == 400
    assert post_events(client_for("sk_wrong"), [an_event()]).status_code == 401

    response = client.get("/metrics")
    after = _samples(response)

    def delta(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("sightline_ingest_events_accepted_total") == 3
    assert delta("sightline_ingest_requests_accepted_total") == 1
    assert delta("sightline_ingest_requests_rejected_total", code="invalid_input") == 1
    assert delta("sightline_ingest_requests_rejected_total", code="authentication_failed") == 1
    count = "sightline_request_seconds_count"
    assert delta(count, endpoint="events-ingest", method="POST") == 3
    label_values = {value for _, labels in after for _, value in labels}
    assert tenant not in response.content.decode()
    assert org.organization.pk not in response.content.decode()
    assert not any(value.startswith("/") for value in label_values)  # names, never paths


def test_only_loopback_or_the_token_may_read_it(client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    with override_settings(METRICS_TOKEN="m-token-123"):
        assert client.get("/metrics").status_code == 404  # loopback is no longer enough
        bad = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
        assert bad.status_code == 404
        good = client.get(
            "/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer m-token-123"
        )
        assert good.status_code == 200


PROCESS = """
import django, os, sys
django.setup()
from core.metrics import INGEST_EVENTS_ACCEPTED, ALERT_DELIVERIES
INGEST_EVENTS_ACCEPTED.inc(int(sys.argv[1]))
ALERT_DELIVERIES.labels(channel="webhook", outcome="sent").inc()
"""

SCRAPE = """
import django
django.setup()
from django.test import Client
response = Client().get("/metrics")
print(response.status_code)
print(response.content.decode())
"""


def test_several_processes_are_summed(tmp_path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SIGHTLINE_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "INGEST_BUFFER": "direct",
    }
    for count in (5, 7):
        subprocess.run([sys.executable, "-c", PROCESS, str(count)], env=env, cwd=REPO, check=True)
    scraped = subprocess.run(
        [sys.executable, "-c", SCRAPE],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    status, text = scraped.split("\n", 1)
    assert status == "200"
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("sightline_ingest_events_accepted_total", ())] == 12
    key = ("sightline_alert_delivery_attempts_total", (("channel", "webhook"), ("outcome", "sent")))
    assert samples[key] == 2
    assert len(list(metrics_dir.glob("counter_*.db"))) == 3  # one file per process
