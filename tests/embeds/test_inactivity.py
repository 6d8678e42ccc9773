"""inactivity_timeout (issue 11, item 5): a session ends after that many seconds without a
request from any of its pages, in every web process (the shared store: Redis in production,
this process's memory in the embedded default). The timeouts here are a few seconds (the API
refuses less than 120; the service takes any), so the tests wait for real."""

import time
import uuid

import pytest
import redis
from django.conf import settings
from django.test import override_settings

from core.activity import KEY_PREFIX, still_active
from embeds.selectors import embed_session_verify
from embeds.tokens import InvalidToken
from tests.embeds.test_revocation_across_processes import Verifier

REDIS = settings.REDIS_URL.rsplit("/", 1)[0] + "/1"  # this engineer's / suite's own database
IDLE = 2
SLOW_IDLE = 3  # through the test client and the data endpoint: slower on a loaded machine


def key() -> str:
    return f"test:{uuid.uuid4().hex}"


@pytest.mark.parametrize("storage", ["memory://", REDIS])
def test_the_store_keeps_a_key_alive_while_touched_and_ends_it_for_good(storage):
    with override_settings(RATELIMIT_STORAGE_URL=storage):
        k = key()
        assert still_active(k, idle_seconds=IDLE, fresh=True)
        time.sleep(1.2)
        assert still_active(k, idle_seconds=IDLE, fresh=False)  # touched 1.2 s ago
        time.sleep(1.2)
        assert still_active(k, idle_seconds=IDLE, fresh=False)  # 1.2 s since the last touch
        time.sleep(IDLE + 0.3)
        assert not still_active(k, idle_seconds=IDLE, fresh=False)
        assert not still_active(k, idle_seconds=IDLE, fresh=False)  # never written again


@pytest.mark.parametrize("storage", ["memory://", REDIS])
def test_a_check_without_touch_does_not_keep_the_key_alive(storage):
    with override_settings(RATELIMIT_STORAGE_URL=storage):
        k = key()
        assert still_active(k, idle_seconds=IDLE, fresh=True)
        for _ in range(3):
            time.sleep(0.9)
            still_active(k, idle_seconds=IDLE, fresh=False, touch=False)
        assert not still_active(k, idle_seconds=IDLE, fresh=False)


def test_a_key_never_seen_is_alive_only_while_fresh():
    with override_settings(RATELIMIT_STORAGE_URL=REDIS):
        assert not still_active(key(), idle_seconds=IDLE, fresh=False)
        k = key()
        assert still_active(k, idle_seconds=IDLE, fresh=True)
        ttl = redis.Redis.from_url(REDIS).ttl(KEY_PREFIX + k)
        assert 0 < ttl <= IDLE  # the idle clock is the key's TTL: nothing outlives it


def test_an_unreachable_store_does_not_end_sessions():
    with override_settings(RATELIMIT_STORAGE_URL="redis://127.0.0.1:1/0"):
        assert still_active(key(), idle_seconds=IDLE, fresh=False)


@pytest.mark.django_db
def test_a_session_without_activity_is_refused_with_session_inactive(issue, dashboard, embed_get):
    data = f"/embed/{dashboard.pk}/data"
    embed_get(data, issue(), period="7d")  # a first request warms the process up
    token = issue(inactivity_timeout=SLOW_IDLE)
    kept_busy = issue(inactivity_timeout=SLOW_IDLE)

    first = embed_get(data, token, period="7d")
    assert first.status_code == 200, first.content
    for _ in range(3):  # one of them keeps being used
        time.sleep(1.3)
        assert embed_get(data, kept_busy, period="7d").status_code == 200
    refused = embed_get(data, token, period="7d")

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "session_inactive"
    assert "widgets" not in refused.json()
    assert embed_get(data, kept_busy, period="7d").status_code == 200


@pytest.mark.django_db
def test_a_session_whose_first_request_comes_too_late_is_inactive(issue, dashboard, client):
    token = issue(inactivity_timeout=IDLE)
    time.sleep(IDLE + 0.3)

    page = client.get(f"/embed/{dashboard.pk}", {"token": token})

    assert page.status_code == 401
    assert b"session_inactive" in page.content


@pytest.mark.django_db
def test_a_session_without_a_timeout_never_touches_the_store(issue, dashboard):
    token = issue()
    with override_settings(RATELIMIT_STORAGE_URL="redis://127.0.0.1:1/0"):  # would log a warning
        embed_session_verify(token=token, dashboard_id=dashboard.pk)


@pytest.mark.django_db(transaction=True)
def test_activity_in_one_process_keeps_the_session_alive_in_another(issue, dashboard):
    """Two processes share the Redis store: requests alternate between them, each within the
    timeout of the last one anywhere but not of its own last one, and the session lives; then
    nobody asks for longer than the timeout and both refuse it."""
    with override_settings(RATELIMIT_STORAGE_URL=REDIS):
        other = Verifier(env={"RATELIMIT_STORAGE_URL": REDIS})
        try:
            assert other.verify(dashboard.pk, issue()) == "ok"  # warmed up: caches loaded
            token = issue(inactivity_timeout=IDLE)
            assert other.verify(dashboard.pk, token) == "ok"
            for _ in range(2):
                time.sleep(1.2)
                embed_session_verify(token=token, dashboard_id=dashboard.pk)  # this process
                time.sleep(1.2)  # 2.4 s since the other's last request, 1.2 s since ours
                assert other.verify(dashboard.pk, token) == "ok"
            time.sleep(IDLE + 0.5)
            assert other.verify(dashboard.pk, token) == "session_inactive"
            with pytest.raises(InvalidToken) as refused:
                embed_session_verify(token=token, dashboard_id=dashboard.pk)
            assert refused.value.code == "session_inactive"
        finally:
            other.close()
