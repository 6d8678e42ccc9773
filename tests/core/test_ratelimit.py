"""core.ratelimit on both storages it runs on: this process's memory (the embedded default)
and the machine's real Redis (production), where two web processes share one count."""

import time

import pytest
import redis
from django.test import override_settings

from core.errors import RateLimited
from core.ids import new_id
from core.ratelimit import (
    KEY_PREFIX,
    _storage,
    concurrency_slot,
    parse_rate,
    rate_limit_consume,
)


@pytest.fixture(params=["memory", "redis"])
def storage_url(request) -> str:
    if request.param == "memory":
        return "memory://"
    return request.getfixturevalue("redis_url")


@pytest.mark.parametrize(
    ("text", "amount", "seconds"),
    [("600/m", 600, 60), ("5/s", 5, 1), (" 100 / H ", 100, 3600)],
)
def test_rates_parse(text: str, amount: int, seconds: int) -> None:
    rate = parse_rate(text)
    assert (rate.amount, rate.get_expiry()) == (amount, seconds)


@pytest.mark.parametrize("text", ["", "600", "0/m", "-1/m", "ten/m", "10/d", "1.5/s"])
def test_bad_rates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rate(text)


def test_a_window_allows_its_requests_then_says_how_long_to_wait(storage_url) -> None:
    bucket = new_id("bucket")
    with override_settings(RATELIMIT_STORAGE_URL=storage_url):
        answers = [rate_limit_consume(bucket=bucket, rate=parse_rate("3/m")) for _ in range(4)]
        assert answers[:3] == [None, None, None]
        assert 55 <= answers[3] <= 60
        assert rate_limit_consume(bucket=new_id("bucket"), rate=parse_rate("3/m")) is None


def test_the_window_ends(storage_url) -> None:
    bucket = new_id("bucket")
    with override_settings(RATELIMIT_STORAGE_URL=storage_url):
        assert rate_limit_consume(bucket=bucket, rate=parse_rate("1/s")) is None
        assert rate_limit_consume(bucket=bucket, rate=parse_rate("1/s")) == 1
        time.sleep(1.1)
        assert rate_limit_consume(bucket=bucket, rate=parse_rate("1/s")) is None


def test_two_processes_share_one_count_in_redis(redis_url) -> None:
    """A second storage client (another web process, with its own connections) sees the
    first one's hits."""
    bucket = new_id("bucket")
    with override_settings(RATELIMIT_STORAGE_URL=redis_url):
        first_process = _storage(redis_url)
        assert rate_limit_consume(bucket=bucket, rate=parse_rate("2/m")) is None
    _storage.cache_clear()
    try:
        with override_settings(RATELIMIT_STORAGE_URL=redis_url):
            assert _storage(redis_url) is not first_process
            assert rate_limit_consume(bucket=bucket, rate=parse_rate("2/m")) is None
            assert rate_limit_consume(bucket=bucket, rate=parse_rate("2/m")) is not None
    finally:
        _storage.cache_clear()
    keys = redis.Redis.from_url(redis_url).keys(f"{KEY_PREFIX}*{bucket}*")
    assert keys  # the count lives in Redis, under the project's prefix


def test_concurrency_slots_are_taken_refused_and_given_back(storage_url) -> None:
    bucket = new_id("queries")
    with override_settings(RATELIMIT_STORAGE_URL=storage_url):
        with concurrency_slot(bucket=bucket, budget=2, lease_seconds=30):
            with concurrency_slot(bucket=bucket, budget=2, lease_seconds=30):
                with pytest.raises(RateLimited) as refused:
                    with concurrency_slot(bucket=bucket, budget=2, lease_seconds=30):
                        pass
                assert refused.value.headers == {"Retry-After": "1"}
                with concurrency_slot(bucket=new_id("queries"), budget=2, lease_seconds=30):
                    pass  # another bucket: its own slots
            with concurrency_slot(bucket=bucket, budget=2, lease_seconds=30):
                pass  # one was given back
        with pytest.raises(ZeroDivisionError):
            with concurrency_slot(bucket=bucket, budget=1, lease_seconds=30):
                1 / 0  # noqa: B018
        with concurrency_slot(bucket=bucket, budget=1, lease_seconds=30):
            pass  # an error inside the block gives the slot back too


def test_a_slot_held_by_a_dead_process_frees_itself_when_its_lease_ends(storage_url) -> None:
    bucket = new_id("queries")
    with override_settings(RATELIMIT_STORAGE_URL=storage_url):
        held = concurrency_slot(bucket=bucket, budget=1, lease_seconds=1)
        held.__enter__()  # never exited: the process died
        with pytest.raises(RateLimited):
            with concurrency_slot(bucket=bucket, budget=1, lease_seconds=1):
                pass
        time.sleep(1.2)
        with concurrency_slot(bucket=bucket, budget=1, lease_seconds=1):
            pass


def test_an_unreachable_redis_enforces_nothing_instead_of_failing() -> None:
    down = "redis://127.0.0.1:6409/0"  # this engineer's port range; nothing listens there
    with override_settings(RATELIMIT_STORAGE_URL=down):
        for _ in range(3):
            assert rate_limit_consume(bucket=new_id("bucket"), rate=parse_rate("1/h")) is None
            with concurrency_slot(bucket="queries", budget=1, lease_seconds=5):
                pass
