"""Settings mistakes that would otherwise surface as a 500 on the first embed data request."""

from django.conf import settings
from django.core.checks import Error, register

from core.ratelimit import parse_rate


@register()
def embed_settings(app_configs: object = None, **kwargs: object) -> list[Error]:
    errors = []
    for name in ("EMBED_SESSION_RATE_LIMIT", "EMBED_TENANT_RATE_LIMIT"):
        try:
            parse_rate(getattr(settings, name))
        except ValueError as exc:
            errors.append(Error(f"{name}: {exc}", id="embeds.E001"))
    if settings.EMBED_ORG_CONCURRENT_QUERIES < 1:
        errors.append(Error("EMBED_ORG_CONCURRENT_QUERIES must be at least 1.", id="embeds.E002"))
    return errors
