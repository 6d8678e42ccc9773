"""Requests per API key on the configuration routes (settings.API_RATE_LIMIT), counted by
core.ratelimit in the storage every web process shares; 429 + Retry-After when over."""

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiKey
from core.ratelimit import parse_rate, rate_limit_consume


class ApiKeyThrottle(BaseThrottle):
    def allow_request(self, request: Request, view: object) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True  # authentication and permissions answer 401/403 first
        self._wait = rate_limit_consume(
            bucket=f"api:{key.pk}", rate=parse_rate(settings.API_RATE_LIMIT)
        )
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
