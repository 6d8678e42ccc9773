"""The rules an event must follow, as named limits and patterns, shared by both validation
paths (`ingest.typed`, `ingest.validation`).

Timestamps are ISO 8601 (`2026-04-14T10:30:05.123Z`, `+02:00` offsets, `2026-04-14`); one
without an offset is read as UTC. Precision is kept to the millisecond (truncated).
"""

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.limits import (  # noqa: F401  (re-exported: the rules of one event, in one place)
    EVENT_NAME_PATTERN,
    EVENT_NAME_RULE,
    MAX_INSERT_ID_LENGTH,
    MAX_TENANT_ID_LENGTH,
    MAX_USER_ID_LENGTH,
    PROP_KEY_PATTERN,
    PROP_KEY_RULE,
)

MAX_EVENTS_PER_BATCH = 1000
MAX_PROPS_PER_MAP = 50
MAX_STRING_PROP_LENGTH = 1024
MAX_FUTURE_SKEW = timedelta(minutes=5)


EVENT_KEYS = frozenset(
    {
        "tenant_id",
        "event_name",
        "timestamp",
        "user_id",
        "string_props",
        "numeric_props",
        "insert_id",
    }
)
BODY_KEYS = frozenset({"events"})


@dataclass(frozen=True)
class Window:
    """The instants an event may carry, fixed when the request arrived."""

    received_at: datetime  # UTC, milliseconds: the timestamp of events that carry none
    oldest: datetime
    newest: datetime

    @classmethod
    def around(cls, received_at: datetime, *, retention_days: int) -> "Window":
        received_at = to_millisecond(received_at.astimezone(UTC))
        return cls(
            received_at, received_at - timedelta(days=retention_days), received_at + MAX_FUTURE_SKEW
        )


def to_millisecond(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


class RandomIds:
    """Random 128-bit hex insert ids for events sent without one: one urandom call a batch."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._hex: str | None = None

    def get(self, index: int) -> str:
        if self._hex is None:
            self._hex = os.urandom(16 * self._count).hex()
        return self._hex[32 * index : 32 * index + 32]

    def fill(self, insert_ids: list[str | None]) -> list[str]:
        """`insert_ids` with each None replaced by the id of its index (one pass, no call per
        event: the common batch carries no insert ids at all)."""
        hex_ids = self._hex = self._hex or os.urandom(16 * self._count).hex()
        return [
            insert_id or hex_ids[start : start + 32]
            for insert_id, start in zip(insert_ids, range(0, 32 * len(insert_ids), 32), strict=True)
        ]
