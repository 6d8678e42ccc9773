"""Writing events to the warehouse. One row is a tuple in EVENT_COLUMNS order."""

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple, overload

import orjson

from warehouse.backends import Backend, encode_compact_columns, get_backend
from warehouse.reads import CompiledQuery, run
from warehouse.schema import (
    EVENTS_LOCAL_TABLE,
    EVENTS_TABLE,
    USAGE_LOCAL_TABLE,
    USAGE_TABLE,
    cluster_name,
    cluster_servers,
)
from warehouse.scope import DangerousOrgWideScope, scope_predicate


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
_TIMESTAMP = EVENT_COLUMNS.index("timestamp")


class EventBatch(Sequence[EventRow]):
    """Rows held column by column (one list per EVENT_COLUMNS entry, equally long): what the
    ingest path builds, so that encoding a 1,000-event batch is one orjson call over eight
    lists, with no tuple per event and no transposing. Reads as a sequence of EventRow."""

    __slots__ = ("columns",)

    def __init__(self, columns: list[list[Any]]) -> None:
        if len(columns) != len(EVENT_COLUMNS) or len({len(c) for c in columns}) > 1:
            raise ValueError(f"expected {len(EVENT_COLUMNS)} columns of one length")
        self.columns = columns

    @classmethod
    def from_rows(cls, rows: Sequence[EventRow]) -> "EventBatch":
        if not rows:
            return cls([[] for _ in EVENT_COLUMNS])
        return cls([list(column) for column in zip(*rows, strict=True)])

    def __len__(self) -> int:
        return len(self.columns[0])

    @overload
    def __getitem__(self, index: int) -> EventRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[EventRow]: ...
    def __getitem__(self, index: int | slice) -> EventRow | list[EventRow]:
        if isinstance(index, slice):
            return [EventRow._make(v) for v in zip(*(c[index] for c in self.columns), strict=True)]
        return EventRow._make(column[index] for column in self.columns)

    def __iter__(self) -> Iterator[EventRow]:
        return map(EventRow._make, zip(*self.columns, strict=True))

    def set_timestamp(self, index: int, timestamp: datetime) -> None:
        self.columns[_TIMESTAMP][index] = timestamp

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"EventBatch({list(self)!r})"


def insert_events(rows: Sequence[EventRow], *, backend: Backend | None = None) -> int:
    """Insert validated rows; returns how many. Raises WarehouseError / WarehouseUnavailable."""
    return (backend or get_backend()).insert(EVENTS_TABLE, EVENT_COLUMNS, rows)


def encode_events(rows: Sequence[EventRow]) -> bytes:
    """Rows as one self-contained JSONCompactColumns document (EVENT_COLUMNS order, timestamps
    as RFC 3339 text): what the ingest stream carries, so that a writer inserts many batches
    at once without decoding them in Python (see Backend.insert_encoded). An EventBatch is
    already in columns: the same bytes, without the transposing."""
    if isinstance(rows, EventBatch):
        return orjson.dumps(rows.columns, option=orjson.OPT_NAIVE_UTC) if len(rows) else b""
    return encode_compact_columns(EVENT_COLUMNS, rows)[0]


def decode_events(payload: bytes) -> list[EventRow]:
    """The rows of an `encode_events` document. Raises ValueError if it is not one."""
    try:
        columns = orjson.loads(payload)
        if not isinstance(columns, list) or len(columns) != len(EVENT_COLUMNS):
            raise ValueError(f"expected {len(EVENT_COLUMNS)} columns")
        columns[_TIMESTAMP] = [datetime.fromisoformat(text) for text in columns[_TIMESTAMP]]
        return [EventRow(*values) for values in zip(*columns, strict=True)]
    except (orjson.JSONDecodeError, TypeError, ValueError) as exc:
        raise ValueError(f"Not an encoded event batch: {exc}") from exc


def insert_encoded_events(payloads: Sequence[bytes], *, backend: Backend | None = None) -> int:
    """Insert `encode_events` documents as one insert; returns how many rows."""
    return (backend or get_backend()).insert_encoded(
        EVENTS_TABLE, EVENT_COLUMNS, payloads, decode=decode_events
    )


# The organization-scoped tables that retention applies to, with a cluster's local table of each.
RETAINED_TABLES: dict[str, str] = {EVENTS_TABLE: EVENTS_LOCAL_TABLE, USAGE_TABLE: USAGE_LOCAL_TABLE}


def events_delete_before(
    *, org_id: str, before: datetime, backend: Backend | None = None, table: str = EVENTS_TABLE
) -> int:
    """Deletes the organization's events (or rows of another of RETAINED_TABLES, e.g. the
    usage stream) older than `before` and returns how many there were. A lightweight DELETE:
    reads stop seeing the rows at once, merges purge them later. Nothing is sent when there is
    nothing to delete (a count on the sort key's prefix is cheap)."""
    local_table = RETAINED_TABLES[table]
    backend = backend or get_backend()
    scope = DangerousOrgWideScope(org_id=org_id)
    predicate, params = scope_predicate(scope)
    older = "timestamp < {before:DateTime64(3, 'UTC')}"
    values = {**params, "before": before}
    count = run(
        CompiledQuery(f"SELECT count() FROM {table} WHERE {predicate} AND {older}", values, scope),
        backend=backend,
    ).scalar()
    if not count:
        return 0
    if not cluster_name():
        backend.command(f"DELETE FROM {table} WHERE {predicate} AND {older}", values)
        return int(count)
    # A Distributed table takes no DELETE: each shard deletes from its own table.
    for shard in cluster_servers(backend, one_per_shard=True):
        try:
            shard.command(f"DELETE FROM {local_table} WHERE {predicate} AND {older}", values)
        finally:
            shard.close()
    return int(count)
