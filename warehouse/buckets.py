"""Time buckets of a timeseries: which size, and every bucket start of a window.

Bucket edges are in the viewer's timezone (a "day" is a local day, a week starts on a local
Monday), and each start is reported as the UTC instant it is. The SQL side (`BUCKET_SQL`, used
by the compiler) computes the same edges with ClickHouse's tz-aware functions; the correctness
tests check both agree, DST days included.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.periods import AUTO_BUCKET, BUCKET_SIZES

MAX_POINTS = 1000  # a finer bucket that would draw more points is coarsened

# The timezone is a parameter too; ClickHouse substitutes it before analysis, so it can be the
# (constant) tz argument. Weeks start on Monday.
BUCKET_SQL = {
    "hour": "toStartOfHour(@, {tz:String})",
    "day": "toStartOfDay(@, {tz:String})",
    "week": "toDateTime(toMonday(@, {tz:String}), {tz:String})",
    "month": "toDateTime(toStartOfMonth(@, {tz:String}), {tz:String})",
}


def bucket_sql_of(bucket: str, moment: str = "timestamp") -> str:
    """The bucket start of `moment` (an SQL expression of ours), as Unix seconds."""
    return f"toUnixTimestamp({BUCKET_SQL[bucket].replace('@', moment)})"


def resolve_bucket(requested: str | None, start: datetime, end: datetime) -> str:
    """`auto`: hour up to 48 hours (24h), day up to 120 days (7d, 30d, 90d), else week.
    An explicit size is kept unless it would draw more than MAX_POINTS points (hourly over
    90 days), then the next coarser size is used; the data says which one was used."""
    span = end - start
    if requested in (None, AUTO_BUCKET):
        if span <= timedelta(hours=48):
            return "hour"
        return "day" if span <= timedelta(days=120) else "week"
    assert requested in BUCKET_SIZES, requested
    approx = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}
    size = requested
    while size in approx and span / approx[size] > MAX_POINTS:
        size = BUCKET_SIZES[BUCKET_SIZES.index(size) + 1]
    return size


def bucket_start(moment: datetime, size: str, tz: ZoneInfo) -> datetime:
    """The UTC start of the bucket holding `moment` (an aware datetime)."""
    local = moment.astimezone(tz)
    if size == "hour":
        # Floor in local wall time, then back to the instant: right for :30 and :45 offsets.
        floored = local.replace(minute=0, second=0, microsecond=0)
        return floored.astimezone(UTC)
    day = local.date()
    if size == "week":
        day -= timedelta(days=day.weekday())
    elif size == "month":
        day = day.replace(day=1)
    return _local_midnight(day, tz)


def bucket_starts(size: str, start: datetime, end: datetime, tz: ZoneInfo) -> list[datetime]:
    """Every bucket start (UTC) of buckets overlapping [start, end), oldest first."""
    return list(_iter_starts(size, start, end, tz))


def _iter_starts(size: str, start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[datetime]:
    current = bucket_start(start, size, tz)
    while current < end:
        yield current
        current = _next_start(current, size, tz)


def _next_start(current: datetime, size: str, tz: ZoneInfo) -> datetime:
    if size == "hour":
        # Step in absolute time and re-floor: a DST change keeps hours distinct and ordered.
        candidate = bucket_start(current + timedelta(hours=1), size, tz)
        return candidate if candidate > current else current + timedelta(hours=1)
    day = current.astimezone(tz).date()
    if size == "day":
        return _local_midnight(day + timedelta(days=1), tz)
    if size == "week":
        return _local_midnight(day + timedelta(days=7), tz)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return _local_midnight(date(year, month, 1), tz)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """00:00 local of `day`, as UTC. (Where midnight does not exist, zoneinfo moves it.)"""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
