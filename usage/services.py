"""What the embed front door records (usage.recorder buffers it): who, for which dashboard
version, and what happened; and the load-time beacon the embed page sends once drawn."""

import orjson
from django.conf import settings

from core.errors import InvalidInput
from core.ratelimit import parse_rate, rate_limit_check, rate_limit_consume
from usage.recorder import UsageContext, usage_record

__all__ = ["UsageContext", "usage_load_report", "usage_request_record"]

MAX_LOAD_MS = 600_000  # a page that took longer than 10 minutes measured something else
BEACON_MAX_BYTES = 1024
# A session refused for its rates leaves one `rate_limited` row a minute at most: enough for
# the Top errors table, and a client flooding past its limit cannot write a row per refusal.
REFUSED_ROWS_RATE = "1/m"


def usage_request_record(context: UsageContext, *, kind: str, error_code: str = "") -> None:
    """One embed view, data / drill / values / config request or export, and its error code
    when it failed. A refused request (warehouse.usage.REFUSED_CODES) is an error, never a view
    or a data request, and `rate_limited` is recorded once a minute per session at most."""
    if error_code == "rate_limited" and rate_limit_consume(
        bucket=f"usage:refused:{context.session_id}", rate=parse_rate(REFUSED_ROWS_RATE)
    ):
        return
    usage_record(context, kind=kind, error_code=error_code)


def usage_load_report(context: UsageContext, *, body: bytes) -> None:
    """The beacon: `{"load_ms": <number>}`, the time from the frame's navigation to every
    widget drawn, as the page measured it. Strict: any other key, a non-number or a value out
    of (0, 600000] is a 400 and nothing is recorded. At most USAGE_BEACON_RATE_LIMIT per
    session (429 with Retry-After)."""
    if len(body) > BEACON_MAX_BYTES:
        raise InvalidInput("The beacon body is too large.", details=[_detail("Too large.")])
    try:
        payload = orjson.loads(body or b"null")
    except orjson.JSONDecodeError:
        raise InvalidInput("The body is not JSON.", code="malformed_json") from None
    if not isinstance(payload, dict):
        raise InvalidInput("The body must be a JSON object.", details=[_detail("Required.")])
    unknown = sorted(set(payload) - {"load_ms"})
    if unknown:
        raise InvalidInput(
            "The request is invalid.",
            details=[{"field": key, "message": "Unknown field."} for key in unknown],
        )
    load_ms = payload.get("load_ms")
    if isinstance(load_ms, bool) or not isinstance(load_ms, int | float):
        raise InvalidInput("The request is invalid.", details=[_detail("A number is required.")])
    if not 0 < load_ms <= MAX_LOAD_MS:
        raise InvalidInput(
            "The request is invalid.",
            details=[_detail(f"Must be more than 0 and at most {MAX_LOAD_MS}.")],
        )
    rate_limit_check(
        bucket=f"usage:beacon:{context.session_id}",
        rate=parse_rate(settings.USAGE_BEACON_RATE_LIMIT),
    )
    usage_record(context, kind="load", load_ms=float(load_ms))


def _detail(message: str) -> dict[str, str]:
    return {"field": "load_ms", "message": message}
