"""The one rule for timezone names, used by dashboards, embeds, alerts and settings alike."""

import functools
from zoneinfo import available_timezones


@functools.cache
def known_timezones() -> frozenset[str]:
    """IANA names of Python's tzdata, all of which ClickHouse knows too. "localtime" is the
    host's zone under another name: not IANA, and not the same on the web and warehouse side."""
    return frozenset(available_timezones()) - {"localtime"}


def is_known_timezone(name: object) -> bool:
    return isinstance(name, str) and name in known_timezones()


def timezone_names() -> list[str]:
    return sorted(known_timezones())
