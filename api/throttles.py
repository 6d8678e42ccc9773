"""Requests per API key, counted by core.ratelimit in the storage every web process shares;
429 + Retry-After (the exception handler) when over. One throttle, one rate per family of
routes: the configuration routes (settings.API_RATE_LIMIT) and ingest (INGEST_RATE_LIMIT)."""

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey
from core.ratelimit import parse_rate, rate_limit_consume


class _PerApiKeyThrottle(BaseThrottle):
    bucket_prefix: str
    rate_setting: str  # read per request, so a changed setting applies at once

    def allow_request(self, request: Request, view: object) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True  # authentication and permissions answer 401/403 first
        self._wait = rate_limit_consume(
            bucket=f"{self.bucket_prefix}:{key.pk}",
            rate=parse_rate(getattr(settings, self.rate_setting)),
        )
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class ApiKeyThrottle(_PerApiKeyThrottle):
    """settings.API_RATE_LIMIT per API key on the configuration routes."""

    bucket_prefix, rate_setting = "api", "API_RATE_LIMIT"


class IngestRateThrottle(_PerApiKeyThrottle):
    """settings.INGEST_RATE_LIMIT per API key on POST /v1/events."""

    bucket_prefix, rate_setting = "ingest", "INGEST_RATE_LIMIT"
