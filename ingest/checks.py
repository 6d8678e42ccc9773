"""Settings mistakes that would otherwise surface as a 500 on the first request."""

from django.conf import settings
from django.core.checks import Error, register

from core.ratelimit import parse_rate

BUFFERS = ("direct", "redis")


@register()
def ingest_settings(app_configs: object = None, **kwargs: object) -> list[Error]:
    errors = []
    try:
        parse_rate(settings.INGEST_RATE_LIMIT)
    except ValueError as exc:
        errors.append(Error(f"INGEST_RATE_LIMIT: {exc}", id="ingest.E001"))
    if settings.INGEST_BUFFER not in BUFFERS:
        errors.append(Error(f"INGEST_BUFFER must be one of {BUFFERS}.", id="ingest.E002"))
    if settings.INGEST_BUFFER == "redis" and not settings.REDIS_URL:
        errors.append(Error("INGEST_BUFFER='redis' needs REDIS_URL.", id="ingest.E003"))
    return errors
