"""The stream's bound (settings.INGEST_STREAM_MAX_ENTRIES) with REAL Redis: once the writers
are behind by that many batches, POST /v1/events answers 503 with Retry-After and stores
nothing; /healthz reports the backlog (numbers only); a drain makes room again."""

import orjson
import pytest
from django.test import override_settings

from ingest.drain import DrainConfig, stream_drain
from ingest.stream import redis_client
from tests.ingest.conftest import an_event, post_events, stored_count
from tests.ops.test_metrics import _samples, _value

pytestmark = pytest.mark.django_db


def test_a_full_stream_refuses_with_503_and_retry_after_and_stores_nothing(
    redis_buffer, ingest_client, org, client
) -> None:
    with override_settings(INGEST_STREAM_MAX_ENTRIES=3, INGEST_BACKLOG_RETRY_AFTER_SECONDS=7):
        for _ in range(3):
            assert post_events(ingest_client, [an_event()]).status_code == 202
        refused = post_events(ingest_client, [an_event(), an_event()])
        assert refused.status_code == 503
        assert refused["Retry-After"] == "7"
        assert refused.json()["error"]["code"] == "ingest_backlog_full"
        assert redis_client().xlen(redis_buffer) == 3  # nothing added

        health = client.get("/healthz")
        assert health.status_code == 200
        body = orjson.loads(health.content)
        assert body["status"] == "backlogged"
        backlog = body["ingest_backlog"]
        assert backlog["entries"] == 3 and backlog["bound"] == 3 and backlog["full"] is True
        assert backlog["oldest_age_seconds"] >= 0 and backlog["dead_letters"] == 0

        stream_drain(client=redis_client(), config=DrainConfig(stream=redis_buffer, consumer="w1"))
        assert stored_count(org.organization.pk) == 3
        assert post_events(ingest_client, [an_event()]).status_code == 202
        after = orjson.loads(client.get("/healthz").content)
        assert after["status"] == "ok" and after["ingest_backlog"]["entries"] == 1


def test_healthz_says_only_down_when_redis_does_not_answer(redis_buffer, client) -> None:
    with override_settings(REDIS_URL="redis://127.0.0.1:6419/0"):  # nothing listens (our range)
        from ingest.stream import _client_for

        _client_for.cache_clear()
        try:
            response = client.get("/healthz")
        finally:
            _client_for.cache_clear()
    assert response.status_code == 503
    assert orjson.loads(response.content) == {"status": "degraded", "ingest_buffer": "down"}
    assert b"6419" not in response.content


def test_stream_backlog_gauges_come_from_redis(redis_buffer, client, client_for, org) -> None:
    ingest = client_for(org.ingest_key.secret)
    for _ in range(2):
        assert post_events(ingest, [an_event()]).status_code == 202
    samples = _samples(client.get("/metrics"))
    assert _value(samples, "sightline_ingest_stream_up") == 1
    assert _value(samples, "sightline_ingest_stream_backlog_entries") == 2
    assert _value(samples, "sightline_ingest_drain_lag_seconds") >= 0
    assert _value(samples, "sightline_ingest_stream_bound_entries") > 0
