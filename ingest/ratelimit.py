"""Requests per API key (settings.INGEST_RATE_LIMIT), counted by core.ratelimit in the storage
every web process shares."""

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey
from core.ratelimit import parse_rate, rate_limit_consume


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
