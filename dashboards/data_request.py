"""The window and filters of a data request, validated from query parameters.

Rolling periods (24h, 7d, 30d, 90d) end at the next whole minute (UTC) after now: nothing already
received is left out, and the window, hence the cache key, stays the same for a minute, so the
cache can hit. Custom ranges are [from, to); a date without a time means that local day's
midnight in `tz`, and a date-only `to` includes that whole day. Custom bounds are widened to
whole minutes (`from` down, `to` up), so bounds that differ by milliseconds share one window
and one cache entry instead of each costing a query.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson

from core.errors import InvalidInput
from core.periods import CUSTOM_PERIOD, PERIODS, ROLLING_PERIODS
from core.timezones import is_known_timezone
from dashboards.spec import KEY_RE, MAX_FILTER_VALUE_CHARS, MAX_FILTERS

MAX_CUSTOM_DAYS = 366


@dataclass(frozen=True, slots=True)
class DataRequest:
    period: str  # 24h, 7d, 30d, 90d or custom
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC, exclusive
    tz: str  # IANA name, for bucket edges
    filters: dict[str, str]  # the viewer's filters, dimension -> value


def invalid_field(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, details=[{"field": field, "message": message}])


def parse_data_request(
    params: Mapping[str, str],
    *,
    default_period: str,
    default_tz: str = "UTC",
    now: datetime | None = None,
) -> DataRequest:
    """Validate `period`, `from`/`to`, `tz` and `filters` query parameters."""
    tz_name = params.get("tz") or default_tz
    zone = _zone(tz_name)
    period = params.get("period") or default_period
    if period in ROLLING_PERIODS:
        end = _next_minute(now or datetime.now(UTC))
        start = end - ROLLING_PERIODS[period]
    elif period == CUSTOM_PERIOD:
        start, end = _custom_window(params.get("from"), params.get("to"), zone)
    else:
        raise invalid_field("period", f"period must be one of: {', '.join(PERIODS)}.")
    filters = _parse_filters(params.get("filters"))
    return DataRequest(period=period, start=start, end=end, tz=tz_name, filters=filters)


def _zone(name: str) -> ZoneInfo:
    if not is_known_timezone(name):
        raise invalid_field("tz", f"Unknown timezone {name!r}; use an IANA name like Europe/Paris.")
    return ZoneInfo(name)


def _minute_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def _next_minute(moment: datetime) -> datetime:
    floored = _minute_of(moment)
    return floored if floored == moment else floored + timedelta(minutes=1)


def _custom_window(
    raw_from: str | None, raw_to: str | None, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    start = _parse_instant(raw_from, "from", zone, end_of_day=False)
    end = _parse_instant(raw_to, "to", zone, end_of_day=True)
    if end <= start:
        raise invalid_field("to", "to must be after from.")
    start, end = _minute_of(start), _next_minute(end)
    if end - start > timedelta(days=MAX_CUSTOM_DAYS):
        raise invalid_field("to", f"A custom range spans at most {MAX_CUSTOM_DAYS} days.")
    return start, end


def _parse_instant(raw: str | None, field: str, zone: ZoneInfo, *, end_of_day: bool) -> datetime:
    if not raw:
        raise invalid_field(field, f"A custom period needs `{field}` (ISO 8601).")
    try:
        if len(raw) == 10:  # a date: local midnight; as `to`, the end of that day
            day = date.fromisoformat(raw) + timedelta(days=1 if end_of_day else 0)
            moment = datetime(day.year, day.month, day.day, tzinfo=zone)
        else:
            moment = datetime.fromisoformat(raw)
    except (ValueError, OverflowError):
        raise invalid_field(field, f"`{field}` is not an ISO 8601 date or date-time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if not 1970 <= moment.year <= 2200:
        raise invalid_field(field, f"`{field}` is out of range.")
    return moment.astimezone(UTC)


def _parse_filters(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise invalid_field(
            "filters", "filters must be a JSON object of dimension to value."
        ) from None
    if not isinstance(value, dict) or len(value) > MAX_FILTERS:
        raise invalid_field(
            "filters", f"filters must be a JSON object of at most {MAX_FILTERS} entries."
        )
    for key, item in value.items():
        if not KEY_RE.fullmatch(key):
            raise invalid_field(f"filters.{key}", "Not a valid dimension name.")
        if not isinstance(item, str) or len(item) > MAX_FILTER_VALUE_CHARS:
            raise invalid_field(f"filters.{key}", "A filter value must be a string.")
    return value
