"""Writing events to the warehouse. One row is a tuple in EVENT_COLUMNS order."""

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from warehouse.backends import Backend, get_backend
from warehouse.schema import EVENTS_TABLE


class EventRow(NamedTuple):
    org_id: str
    tenant_id: str
    event_name: str
    timestamp: datetime  # UTC, millisecond precision kept
    user_id: str
    insert_id: str
    string_props: dict[str, str]
    numeric_props: dict[str, float]


EVENT_COLUMNS: tuple[str, ...] = EventRow._fields


def insert_events(rows: Sequence[EventRow], *, backend: Backend | None = None) -> int:
    """Insert validated rows; returns how many. Raises WarehouseError / WarehouseUnavailable."""
    return (backend or get_backend()).insert(EVENTS_TABLE, EVENT_COLUMNS, rows)
