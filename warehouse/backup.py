"""Exporting and re-importing the events table (`manage.py backup` / `manage.py restore`).

The export is what every read sees: `FINAL`, one row per (org, tenant, event, timestamp,
insert_id), read in key order in pages (keyset pagination, bounded memory whatever the size)
and written as gzip-compressed JSON lines, one event a line in EVENT_COLUMNS order. It works the
same on chDB and on a ClickHouse server, and across server versions. The import inserts the
rows back in batches through the normal insert path; the insert_ids make importing twice
harmless (reads use FINAL).
"""

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson

from warehouse.backends import Backend, get_backend
from warehouse.events import EVENT_COLUMNS, EventRow, insert_events
from warehouse.schema import EVENTS_TABLE

PAGE_ROWS = 50_000
_KEY = "org_id, tenant_id, event_name, toString(timestamp), insert_id"
_SELECT = (
    "SELECT org_id, tenant_id, event_name, toString(timestamp), user_id, insert_id,"
    f" string_props, numeric_props FROM {EVENTS_TABLE} FINAL"
)


def _pages(backend: Backend, page_rows: int) -> Iterator[list[list]]:
    after: list | None = None
    while True:
        if after is None:
            sql, params = f"{_SELECT} ORDER BY {_KEY} LIMIT {int(page_rows)}", None
        else:
            sql = (
                f"{_SELECT} WHERE ({_KEY}) > ({{a:String}}, {{b:String}}, {{c:String}},"
                f" {{d:String}}, {{e:String}}) ORDER BY {_KEY} LIMIT {int(page_rows)}"
            )
            params = dict(zip("abcde", after, strict=True))
        rows = [list(row) for row in backend.query(sql, params).rows]
        if not rows:
            return
        yield rows
        last = rows[-1]
        after = [last[0], last[1], last[2], last[3], last[5]]


def events_export(*, path: Path, backend: Backend | None = None, page_rows: int = PAGE_ROWS) -> int:
    """Write every event to `path` (gzip JSON lines); returns how many."""
    backend = backend or get_backend()
    written = 0
    with gzip.open(path, "wb") as out:
        for rows in _pages(backend, page_rows):
            for row in rows:
                out.write(orjson.dumps(row) + b"\n")
            written += len(rows)
    return written


def events_import(*, path: Path, backend: Backend | None = None, batch: int = 10_000) -> int:
    """Insert the events of an export; returns how many."""
    backend = backend or get_backend()
    imported, pending = 0, []
    with gzip.open(path, "rb") as source:
        for line in source:
            pending.append(_row(orjson.loads(line)))
            if len(pending) >= batch:
                imported += insert_events(pending, backend=backend)
                pending = []
    if pending:
        imported += insert_events(pending, backend=backend)
    return imported


def _row(values: list) -> EventRow:
    if len(values) != len(EVENT_COLUMNS):
        raise ValueError(f"an export line has {len(values)} values, not {len(EVENT_COLUMNS)}")
    org, tenant, name, stamp, user, insert_id, strings, numbers = values
    timestamp = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
    return EventRow(org, tenant, name, timestamp, user, insert_id, strings, numbers)
