"""Recording embed usage without slowing the embed: a row is appended to an in-process buffer
(a deque append under a lock: microseconds), and a background thread of the process writes the
buffer every USAGE_FLUSH_SECONDS as one batch, off every request path:
  - INGEST_BUFFER=direct (embedded default): one insert into the usage table;
  - INGEST_BUFFER=redis (production): one entry of the ingest stream (`USAGE_FIELD`), written
    by the same stream writers as the events, into the usage table.

What a process that dies loses: the rows of its buffer not yet flushed, at most about one
flush interval's worth (1 s by default); a SIGKILLed web process loses them. `serve` stopping
on Ctrl-C or SIGTERM flushes before it closes the warehouse (tests/usage/test_process_exit.py
kills a real `serve` both ways). Once flushed into the Redis stream, rows are as durable as
accepted events. Usage is the operator's analytics, not the
customer's data, so this trade is deliberate: recording never waits for Redis or the
warehouse, and a warehouse or Redis outage drops usage rows (counted in the log) once the
buffer holds USAGE_BUFFER_MAX_ROWS, never failing an embed request.
"""

import itertools
import logging
import os
import secrets
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from django.conf import settings

from ingest.stream import USAGE_FIELD, StreamFull, stream_append_payload
from warehouse.backends import WarehouseError
from warehouse.usage import UsageRow, usage_encode, usage_insert

logger = logging.getLogger(__name__)

MAX_FLUSH_ROWS = 10_000  # rows per insert / stream entry


class _Buffer:
    def __init__(self) -> None:
        self.rows: deque[UsageRow] = deque()
        self.lock = threading.Lock()
        self.flush_lock = threading.Lock()  # one flush at a time per process
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid = os.getpid()
        self.dropped = 0
        # insert_ids: a random prefix per process and a counter (core.ids.new_id draws 16
        # random characters one syscall each: ~100x the cost of the rest of a record).
        self.prefix = secrets.token_hex(8)
        self.counter = itertools.count()


_buffer = _Buffer()


@dataclass(frozen=True, slots=True)
class UsageContext:
    """The verified embed session a row belongs to (from the signed token, never the page)."""

    org_id: str
    tenant_id: str
    dashboard_id: str
    version: int
    session_id: str  # the token's jti
    user: str


def usage_record(
    context: UsageContext,
    *,
    kind: str,
    error_code: str = "",
    load_ms: float | None = None,
    extras: Mapping[str, str] | None = None,
) -> None:
    """Buffer one usage row. Never raises for the warehouse or Redis, never waits for them."""
    if not settings.USAGE_RECORDING:
        return
    if _buffer.pid != os.getpid():
        _forked()
    row = UsageRow(
        context.org_id,
        datetime.now(UTC),
        context.tenant_id,
        kind,
        context.dashboard_id,
        int(context.version),
        context.session_id,
        context.user,
        load_ms,
        error_code,
        f"u{_buffer.prefix}{next(_buffer.counter):x}",
        dict(extras) if extras else {},
    )
    buffer = _buffer
    with buffer.lock:
        if len(buffer.rows) >= settings.USAGE_BUFFER_MAX_ROWS:
            buffer.rows.popleft()  # the oldest goes: the buffer's memory stays bounded
            buffer.dropped += 1
        buffer.rows.append(row)
    _ensure_flusher()


def usage_pending() -> int:
    """Rows waiting in this process's buffer."""
    return len(_buffer.rows)


def usage_discard() -> int:
    """Drop every buffered row (tests); returns how many."""
    with _buffer.lock:
        count = len(_buffer.rows)
        _buffer.rows.clear()
        return count


def usage_flush() -> int:
    """Write every buffered row now (the flusher thread's work; tests and exit call it).
    Returns how many rows were written; on a failure they go back to the buffer for the next
    flush (within its bound) and 0 is returned."""
    buffer = _buffer
    written = 0
    with buffer.flush_lock:
        while True:
            with buffer.lock:
                count = min(len(buffer.rows), MAX_FLUSH_ROWS)
                batch = [buffer.rows.popleft() for _ in range(count)]
                dropped, buffer.dropped = buffer.dropped, 0
            if dropped:
                logger.warning("Usage buffer full: dropped the %d oldest usage rows", dropped)
            if not batch:
                return written
            try:
                _write(batch)
            except (WarehouseError, redis.RedisError, StreamFull) as exc:
                logger.warning("Writing %d usage rows failed (%s); kept for later", count, exc)
                with buffer.lock:
                    room = settings.USAGE_BUFFER_MAX_ROWS - len(buffer.rows)
                    kept = batch[-room:] if room > 0 else []
                    buffer.rows.extendleft(reversed(kept))
                    buffer.dropped += len(batch) - len(kept)
                return written
            written += count


def _write(rows: list[UsageRow]) -> None:
    if settings.INGEST_BUFFER == "redis":
        stream_append_payload(USAGE_FIELD, usage_encode(rows))
    else:
        usage_insert(rows)


def _ensure_flusher() -> None:
    """Start this process's flusher thread (after a fork, `_forked` gave the child a buffer of
    its own without one: threads do not survive a fork)."""
    buffer = _buffer
    interval = float(settings.USAGE_FLUSH_SECONDS)
    if interval <= 0:
        return
    if buffer.thread is not None and buffer.thread.is_alive():
        return
    with buffer.lock:
        if buffer.thread is not None and buffer.thread.is_alive():
            return
        buffer.thread = threading.Thread(
            target=_flush_forever, args=(interval,), name="usage-flush", daemon=True
        )
        buffer.thread.start()


def _forked() -> None:
    """In a child process after fork: the parent's rows are the parent's to write (written
    twice otherwise), its ids and its threads are not this process's."""
    global _buffer
    _buffer = _Buffer()


def _flush_forever(interval: float) -> None:
    while interval > 0:
        _buffer.wake.wait(interval)
        _buffer.wake.clear()
        interval = float(settings.USAGE_FLUSH_SECONDS)  # 0 stops the thread (the benchmark)
        try:
            usage_flush()
        except Exception:  # noqa: BLE001 - the flusher must outlive any one failure
            logger.exception("Flushing usage rows failed")
