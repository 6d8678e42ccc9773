"""The first arrival stamp of a re-sent event that carries an insert_id but no timestamp.

The warehouse counts an event once per (org, tenant, event name, timestamp, insert_id). An event
sent without a timestamp is stamped with the time its request arrived, so a client that re-sends
it (a timeout, a 503) would send a new row each time. The first stamp of each
(org, tenant, event name, insert_id) is therefore remembered for INGEST_DEDUP_WINDOW_SECONDS,
and a re-send within that window is given it back: both buffers and both warehouse backends
then see the same row, and FINAL counts it once.

Cheap on purpose: events with a timestamp, or without an insert_id (a random one is made), cost
nothing. The others cost one Redis call per batch (a Lua script: `SET NX GET` for each event,
atomic, so two web processes racing on the same re-send agree) and about 100 bytes of Redis per
remembered event until the window ends. Without REDIS_URL (the embedded default, one process)
the memory is a bounded dict in the process.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import redis
from django.conf import settings

from warehouse.events import EventRow

KEY_PREFIX = b"sightline:first-stamp:"
LOCAL_MAX_ENTRIES = 1_000_000  # the embedded default: about 150 MB at most, oldest dropped first

# KEYS: one per event; ARGV[1]: this request's stamp (epoch ms); ARGV[2]: the window (ms).
# Returns, per key, the stamp remembered first (this one when the key was new).
_RECALL_SCRIPT = """
local stamps = {}
for i, key in ipairs(KEYS) do
  local first = redis.call('SET', key, ARGV[1], 'NX', 'GET', 'PX', ARGV[2])
  stamps[i] = first or ARGV[1]
end
return stamps
"""


def first_stamps_recall(*, rows: Sequence[EventRow], received_at: datetime) -> list[datetime]:
    """For rows stamped `received_at` because they came without a timestamp (each with the
    client's insert_id): the stamp each got when it was first sent within the window, or
    `received_at` for the ones seen now for the first time (then remembered). Raises
    redis.RedisError when Redis fails."""
    if not rows:
        return []
    now_ms = _epoch_ms(received_at)
    window_ms = int(settings.INGEST_DEDUP_WINDOW_SECONDS * 1000)
    keys = [_key(row) for row in rows]
    if settings.REDIS_URL:
        from ingest.stream import redis_client

        replies = _recall_script(redis_client())(keys=keys, args=[now_ms, window_ms])
        stamps = [int(stamp) for stamp in replies]
    else:
        stamps = _local.recall(keys, now_ms, window_ms)
    return [received_at if stamp == now_ms else _from_epoch_ms(stamp) for stamp in stamps]


@lru_cache(maxsize=4)
def _recall_script(client: redis.Redis) -> "redis.commands.core.Script":
    return client.register_script(_RECALL_SCRIPT)


def _key(row: EventRow) -> bytes:
    identity = "\0".join((row.org_id, row.tenant_id, row.event_name, row.insert_id))
    return KEY_PREFIX + hashlib.blake2b(identity.encode(), digest_size=16).digest()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def _epoch_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // _MILLISECOND


def _from_epoch_ms(stamp: int) -> datetime:
    return _EPOCH + stamp * _MILLISECOND


class _LocalStamps:
    """The in-process memory: insertion order is expiry order (one window for all)."""

    def __init__(self, max_entries: int) -> None:
        self._entries: OrderedDict[bytes, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def recall(self, keys: list[bytes], now_ms: int, window_ms: int) -> list[int]:
        now = time.monotonic()
        with self._lock:
            self._forget(now)
            stamps = []
            for key in keys:
                entry = self._entries.get(key)
                if entry is None or entry[1] <= now:
                    entry = (now_ms, now + window_ms / 1000)
                    self._entries[key] = entry
                    self._entries.move_to_end(key)
                stamps.append(entry[0])
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
            return stamps

    def _forget(self, now: float) -> None:
        while self._entries:
            key, (_, expires) = next(iter(self._entries.items()))
            if expires > now:
                return
            del self._entries[key]


_local = _LocalStamps(LOCAL_MAX_ENTRIES)
