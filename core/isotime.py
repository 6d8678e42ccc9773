"""The one ISO 8601 form of an instant Sightline writes: UTC with a `Z` (`2026-04-14T10:00:00Z`)."""

from datetime import UTC, datetime
from typing import Literal

Timespec = Literal["auto", "seconds", "milliseconds", "microseconds"]


def iso_utc(moment: datetime, *, timespec: Timespec = "seconds") -> str:
    """An aware (or UTC-naive) datetime as `YYYY-MM-DDTHH:MM:SS[.fff[fff]]Z`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec=timespec) + "Z"
