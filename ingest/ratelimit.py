"""Requests per API key in fixed windows, counted in the Django cache (Redis in production,
so every web process shares the count)."""

import math
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey

PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Rate:
    requests: int
    period_seconds: int


@lru_cache(maxsize=16)
def parse_rate(text: str) -> Rate:
    """'600/m' -> Rate(600, 60). Units: s, m, h."""
    count, _, unit = text.strip().partition("/")
    unit = unit.strip().lower()
    if not count.strip().isdigit() or int(count) < 1 or unit not in PERIOD_SECONDS:
        raise ValueError(f"A rate looks like '600/m' (n/s, n/m or n/h), not {text!r}.")
    return Rate(int(count), PERIOD_SECONDS[unit])


def rate_limit_consume(*, bucket: str, rate: Rate, now: float | None = None) -> int | None:
    """Count one request against `bucket`. None when allowed, else the seconds to wait."""
    now = time.time() if now is None else now
    window = int(now // rate.period_seconds)
    key = f"ratelimit:{bucket}:{rate.period_seconds}:{window}"
    cache.add(key, 0, timeout=rate.period_seconds + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # the window's key expired between add and incr: a fresh window
        cache.add(key, 1, timeout=rate.period_seconds + 1)
        used = 1
    if used <= rate.requests:
        return None
    return max(1, math.ceil((window + 1) * rate.period_seconds - now))


class ApiKeyRateThrottle(BaseThrottle):
    """settings.INGEST_RATE_LIMIT per API key; the exception handler answers 429 + Retry-After."""

    def allow_request(self, request: Request, view: object) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True  # authentication and permissions answer 401/403 first
        self._wait = rate_limit_consume(
            bucket=f"ingest:{key.pk}", rate=parse_rate(settings.INGEST_RATE_LIMIT)
        )
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
