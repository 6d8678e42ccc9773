"""The batch writer: moves accepted batches from the Redis stream into the warehouse.

Each writer is a consumer of one consumer group. A round
  1. re-reads its own pending entries (a previous insert that failed),
  2. claims entries another consumer read but never acknowledged for `claim_idle_ms` (a
     worker that died between XREADGROUP and XACK),
  3. reads new entries,
each time up to `max_entries` entries (1,000 events each at most), inserted as ONE warehouse
insert, then XACK + XDEL in one transaction. Entries are acknowledged only after the insert
succeeded, so a crash at any point re-delivers them; re-inserting is harmless because the
insert_ids were fixed when the batch was accepted and reads use FINAL.

While the warehouse fails, entries stay pending and every writer backs off together
(exponential, capped; the state lives in Redis). Memory stays bounded by one read whatever the
backlog. An entry that is not an event batch, or whose data the warehouse refuses, is moved,
unchanged, to a dead-letter stream (`<stream>:dead`) instead of blocking the others.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django.conf import settings

from core.metrics import INGEST_DEAD_LETTERED, INGEST_EVENTS_WRITTEN
from ingest.stream import ROWS_FIELD, USAGE_FIELD
from warehouse.backends import WarehouseError, WarehouseRefusedData, WarehouseUnavailable
from warehouse.events import decode_events, insert_encoded_events
from warehouse.usage import usage_decode, usage_insert_encoded

logger = logging.getLogger(__name__)

CONSUMER_GROUP = "sightline-writers"
DEFAULT_MAX_ENTRIES = 50  # 50 batches of at most 1,000 events: one warehouse insert
DEFAULT_MAX_SECONDS = 5.0  # a round ends even with a backlog left; the next one continues
BACKOFF_BASE_MS = 500
BACKOFF_CAP_MS = 30_000
FORGET_CONSUMERS_AFTER_MS = 3_600_000  # a consumer name per worker thread: restarts leave old ones

Entry = tuple[bytes, dict[bytes, bytes] | None]
Writer = tuple[Callable[[list[bytes]], int], Callable[[bytes], object]]  # insert, decode
# What each kind of entry is written as: event batches into `events`, the internal usage
# stream's batches into its own table (warehouse.usage).
WRITERS: dict[bytes, Writer] = {
    ROWS_FIELD: (insert_encoded_events, decode_events),
    USAGE_FIELD: (usage_insert_encoded, usage_decode),
}


@dataclass(frozen=True)
class DrainConfig:
    stream: str
    consumer: str
    group: str = CONSUMER_GROUP
    max_entries: int = DEFAULT_MAX_ENTRIES
    claim_idle_ms: int = 30_000
    max_seconds: float = DEFAULT_MAX_SECONDS
    backoff_base_ms: int = BACKOFF_BASE_MS
    backoff_cap_ms: int = BACKOFF_CAP_MS
    forget_consumers_after_ms: int = FORGET_CONSUMERS_AFTER_MS

    @property
    def backoff_key(self) -> str:
        return f"{self.stream}:backoff"

    @property
    def failures_key(self) -> str:
        return f"{self.stream}:failures"

    @property
    def dead_letter_stream(self) -> str:
        return f"{self.stream}:dead"

    @classmethod
    def from_settings(cls, **overrides: object) -> "DrainConfig":
        values: dict = {
            "stream": settings.INGEST_STREAM,
            "consumer": consumer_name(),
            "max_entries": settings.INGEST_DRAIN_MAX_ENTRIES,
            "claim_idle_ms": int(settings.INGEST_CLAIM_IDLE_SECONDS * 1000),
        }
        values.update(overrides)
        return cls(**values)


@dataclass
class DrainResult:
    entries: int = 0
    events: int = 0
    reclaimed: int = 0
    dead_lettered: int = 0
    backing_off: bool = False


def consumer_name() -> str:
    """Stable per worker thread, distinct across hosts, processes and threads: a consumer
    re-reads its own pending entries first, and two threads never share them."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def stream_drain(*, client: redis.Redis, config: DrainConfig) -> DrainResult:
    """One round of the writer. Safe to run in many processes at once."""
    result = DrainResult()
    if client.exists(config.backoff_key):
        result.backing_off = True
        return result
    _ensure_group(client, config)
    deadline = time.monotonic() + config.max_seconds
    sources: list[tuple[Callable[[], list[Entry]], bool]] = [
        (lambda: _read(client, config, "0"), False),
        (lambda: _claim_idle(client, config), True),
        (lambda: _read(client, config, ">"), False),
    ]
    for read, reclaimed in sources:
        while time.monotonic() < deadline:
            entries = read()
            if not entries:
                break
            if not _write(client, config, entries, result):
                result.backing_off = True
                return result
            if reclaimed:
                result.reclaimed += len(entries)
    _forget_idle_consumers(client, config)
    return result


def _ensure_group(client: redis.Redis, config: DrainConfig) -> None:
    try:
        # From the first entry: batches accepted before any writer ever ran are not skipped.
        client.xgroup_create(config.stream, config.group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _forget_idle_consumers(client: redis.Redis, config: DrainConfig) -> None:
    """Remove consumers (other than this one) that own no pending entry and have been silent
    for forget_consumers_after_ms: workers that were restarted or scaled away."""
    for consumer in client.xinfo_consumers(config.stream, config.group):
        name = consumer["name"]
        name = name.decode() if isinstance(name, bytes) else name
        silent = consumer["idle"] >= config.forget_consumers_after_ms
        if name != config.consumer and consumer["pending"] == 0 and silent:
            client.xgroup_delconsumer(config.stream, config.group, name)


def _read(client: redis.Redis, config: DrainConfig, start: str) -> list[Entry]:
    """start "0": this consumer's pending entries; ">": entries never delivered to anyone."""
    reply = client.xreadgroup(
        config.group, config.consumer, {config.stream: start}, count=config.max_entries
    )
    return reply[0][1] if reply else []


def _claim_idle(client: redis.Redis, config: DrainConfig) -> list[Entry]:
    """Up to max_entries entries that other consumers read but left unacknowledged for
    claim_idle_ms. XAUTOCLAIM scans the pending list in steps; follow its cursor to the end."""
    start = "0-0"
    while True:
        cursor, claimed, *_ = client.xautoclaim(
            config.stream,
            config.group,
            config.consumer,
            min_idle_time=config.claim_idle_ms,
            start_id=start,
            count=config.max_entries,
        )
        if claimed:
            logger.warning(
                "Took over %d stream entries idle for %d ms", len(claimed), config.claim_idle_ms
            )
            return claimed
        if cursor in (b"0-0", "0-0"):
            return []
        start = cursor


def _write(
    client: redis.Redis, config: DrainConfig, entries: list[Entry], result: DrainResult
) -> bool:
    """Insert the entries' batches as one insert, then acknowledge them. False when the
    warehouse failed: the entries stay pending and writers back off."""
    by_field: dict[bytes, dict[bytes, bytes]] = {field: {} for field in WRITERS}
    done: list[bytes] = []
    for entry_id, fields in entries:
        field = next((name for name in WRITERS if name in (fields or {})), None)
        if not fields:  # deleted while pending: nothing left to write
            done.append(entry_id)
        elif field is None:
            _dead_letter(client, config, entry_id, fields, result)
        else:
            by_field[field][entry_id] = fields[field]
    written = 0
    try:
        for field, payloads in by_field.items():
            written += _insert(client, config, payloads, entries, result, WRITERS[field])
    except WarehouseError as exc:
        _back_off(client, config, exc)
        return False
    for payloads in by_field.values():
        done.extend(payloads)
    _acknowledge(client, config, done)
    INGEST_EVENTS_WRITTEN.inc(written)
    result.entries += len(done)
    result.events += written
    return True


def _insert(
    client: redis.Redis,
    config: DrainConfig,
    payloads: dict[bytes, bytes],
    entries: list[Entry],
    result: DrainResult,
    writer: Writer,
) -> int:
    """One insert of every payload of one kind (`writer` inserts and decodes it). When the
    warehouse refuses it (not merely unreachable), the payloads are tried one by one: each
    that is not a batch of its kind, or whose data the warehouse refuses (WarehouseRefusedData),
    is set aside; any other failure is the warehouse's, and raises (everything stays pending;
    what was inserted meanwhile is written again later, harmlessly)."""
    if not payloads:
        return 0
    insert, decode = writer
    try:
        return insert(list(payloads.values()))
    except WarehouseUnavailable:
        raise
    except WarehouseError:
        logger.warning("An insert of %d stream entries was refused; trying each", len(payloads))
    fields_of = dict(entries)
    written = 0
    for entry_id, payload in list(payloads.items()):
        try:
            written += insert([payload])
        except WarehouseUnavailable:
            raise
        except WarehouseError as exc:
            if not isinstance(exc, WarehouseRefusedData) and _decodes(payload, decode):
                raise
            _dead_letter(client, config, entry_id, fields_of[entry_id] or {}, result)
            del payloads[entry_id]
    return written


def _decodes(payload: bytes, decode: Callable[[bytes], object]) -> bool:
    try:
        decode(payload)
    except ValueError:
        return False
    return True


def _acknowledge(client: redis.Redis, config: DrainConfig, entry_ids: list[bytes]) -> None:
    pipe = client.pipeline(transaction=True)
    if entry_ids:
        pipe.xack(config.stream, config.group, *entry_ids)
        pipe.xdel(config.stream, *entry_ids)
    pipe.delete(config.failures_key)  # the warehouse works: the next failure starts over
    pipe.execute()


def _back_off(client: redis.Redis, config: DrainConfig, exc: Exception) -> None:
    failures = int(client.incr(config.failures_key))
    delay_ms = min(config.backoff_cap_ms, config.backoff_base_ms * 2 ** min(failures - 1, 30))
    client.set(config.backoff_key, failures, px=max(1, delay_ms))
    client.expire(config.failures_key, max(1, 10 * config.backoff_cap_ms // 1000))
    logger.warning(
        "Warehouse insert failed (%s); attempt %d, writers pause %d ms", exc, failures, delay_ms
    )


def _dead_letter(
    client: redis.Redis,
    config: DrainConfig,
    entry_id: bytes,
    fields: dict[bytes, bytes],
    result: DrainResult,
) -> None:
    """Keep an entry that is not an event batch, unchanged, where an operator can look at it;
    never drop it."""
    logger.error(
        "Stream entry %r is not an event batch; moved to %s", entry_id, config.dead_letter_stream
    )
    result.dead_lettered += 1
    INGEST_DEAD_LETTERED.inc()
    pipe = client.pipeline(transaction=True)
    pipe.xadd(config.dead_letter_stream, {**fields, b"source_id": entry_id})
    pipe.xack(config.stream, config.group, entry_id)
    pipe.xdel(config.stream, entry_id)
    pipe.execute()
