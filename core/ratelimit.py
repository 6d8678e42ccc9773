"""Every rate limit and concurrency budget of Sightline, counted by the `limits` library in
one storage that all web processes share: Redis when `RATELIMIT_STORAGE_URL` names it
(production), this process's memory otherwise (the embedded default runs one process).

Rates are fixed windows ("600/m": 600 per minute, units s, m, h). A concurrency budget is a
row of slots, each a moving window of one entry that lives `lease_seconds` at most: taking a
slot is one atomic acquire in the storage, giving it back clears it, and a process that dies
holding one loses it when the lease ends. When the storage cannot be reached the limits are
not enforced (logged): a Redis hiccup must not turn into refusing every request.
"""

import logging
import math
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache

from django.conf import settings
from limits import (
    RateLimitItem,
    RateLimitItemPerHour,
    RateLimitItemPerMinute,
    RateLimitItemPerSecond,
)
from limits.errors import StorageError
from limits.storage import MemoryStorage, MovingWindowSupport, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from core.errors import RateLimited

logger = logging.getLogger(__name__)

RATE_UNITS: dict[str, type[RateLimitItem]] = {
    "s": RateLimitItemPerSecond,
    "m": RateLimitItemPerMinute,
    "h": RateLimitItemPerHour,
}
KEY_PREFIX = "sightline:ratelimit"


@lru_cache(maxsize=32)
def parse_rate(text: str) -> RateLimitItem:
    """'600/m' -> 600 per minute. Units: s, m, h."""
    count, _, unit = text.strip().partition("/")
    unit = unit.strip().lower()
    if not count.strip().isdigit() or int(count) < 1 or unit not in RATE_UNITS:
        raise ValueError(f"A rate looks like '600/m' (n/s, n/m or n/h), not {text!r}.")
    return RATE_UNITS[unit](int(count))


@cache
def _storage(url: str) -> Storage:
    if url.startswith("memory://"):
        return MemoryStorage()
    return storage_from_string(url, key_prefix=KEY_PREFIX, wrap_exceptions=True)


def ratelimit_storage() -> Storage:
    return _storage(settings.RATELIMIT_STORAGE_URL)


def rate_limit_consume(*, bucket: str, rate: RateLimitItem) -> int | None:
    """Count one request against `bucket`. None when allowed, else the seconds to wait."""
    limiter = FixedWindowRateLimiter(ratelimit_storage())
    try:
        if limiter.hit(rate, bucket):
            return None
        reset_at = limiter.get_window_stats(rate, bucket).reset_time
    except StorageError:
        logger.warning("rate limit storage unavailable; %s not limited", bucket, exc_info=True)
        return None
    return max(1, math.ceil(reset_at - time.time()))


def rate_limit_check(*, bucket: str, rate: RateLimitItem) -> None:
    """rate_limit_consume, raising RateLimited (429 + Retry-After) when over the rate."""
    wait = rate_limit_consume(bucket=bucket, rate=rate)
    if wait is not None:
        raise RateLimited(wait)


@contextmanager
def concurrency_slot(*, bucket: str, budget: int, lease_seconds: int) -> Iterator[None]:
    """Hold one of `budget` slots of `bucket` for the duration of the block; RateLimited
    (429, Retry-After: 1) when all of them are taken."""
    storage = ratelimit_storage()
    assert isinstance(storage, MovingWindowSupport)
    first = random.randrange(budget)  # spread the holders over the slots
    held = None
    try:
        for offset in range(budget):
            key = f"{bucket}:slot:{(first + offset) % budget}"
            if storage.acquire_entry(key, 1, lease_seconds):
                held = key
                break
        else:
            raise RateLimited(1, "Too many queries at once for this organization; retry shortly.")
    except StorageError:
        logger.warning("rate limit storage unavailable; %s not limited", bucket, exc_info=True)
    try:
        yield
    finally:
        if held is not None:
            try:
                storage.clear(held)
            except StorageError:  # the lease ends it
                logger.warning("could not give back %s", held, exc_info=True)
