"""The Redis stream that buffers accepted batches in production: one entry per accepted
request, holding its validated rows (org_id and insert_ids included) in the warehouse's batch
encoding (`warehouse.events.encode_events`), so a writer inserts many entries at once without
decoding them. Entries stay in the stream until a writer has inserted them (`ingest.drain`)."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings

from warehouse.events import EventRow, encode_events

# The field name carries the encoding's version, so a future format can live beside it.
ROWS_FIELD = b"rows.v1"
# An entry of the internal embed-usage stream (warehouse.usage rows, usage.recorder): the same
# stream, bound and writers; ingest.drain inserts it into the usage table, never into `events`.
USAGE_FIELD = b"usage.v1"


def redis_client(url: str | None = None) -> redis.Redis:
    """The client for `url` (default settings.REDIS_URL); one connection pool per URL."""
    return _client_for(url or settings.REDIS_URL)


@lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    # Bounded waits: a hung Redis turns into a 503 for the client, not a stuck request.
    return redis.Redis.from_url(
        url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30
    )


class StreamFull(Exception):
    """The stream holds its configured bound of entries: the writers are behind or stopped."""


# Check and append in one step inside Redis: concurrent web processes never overshoot the bound.
_BOUNDED_XADD = """
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
return redis.call('XADD', KEYS[1], '*', ARGV[2], ARGV[3])
"""


def stream_append(
    rows: Sequence[EventRow],
    *,
    client: redis.Redis | None = None,
    stream: str | None = None,
    max_entries: int | None = None,
) -> bytes:
    """XADD one entry for the batch; returns its id. Once this returns, the batch is durable as
    far as Redis is (append-only file in compose.yaml). The stream is never trimmed here:
    entries leave it only after they were written to the warehouse. Raises StreamFull, storing
    nothing, when it already holds `max_entries` (default settings.INGEST_STREAM_MAX_ENTRIES)
    entries: the API refuses new batches instead of filling Redis's memory."""
    return stream_append_payload(
        ROWS_FIELD, encode_events(rows), client=client, stream=stream, max_entries=max_entries
    )


def stream_append_payload(
    field: bytes,
    payload: bytes,
    *,
    client: redis.Redis | None = None,
    stream: str | None = None,
    max_entries: int | None = None,
) -> bytes:
    """XADD one already encoded entry under `field` (ROWS_FIELD or USAGE_FIELD), within the
    bound like `stream_append`."""
    client = client or redis_client()
    bound = settings.INGEST_STREAM_MAX_ENTRIES if max_entries is None else max_entries
    entry_id = client.eval(
        _BOUNDED_XADD, 1, stream or settings.INGEST_STREAM, bound, field, payload
    )
    if entry_id is None:
        raise StreamFull(f"the ingest stream holds its bound of {bound} entries")
    return entry_id


@dataclass(frozen=True)
class StreamBacklog:
    entries: int  # accepted batches not yet written (new and pending)
    bound: int
    oldest_age_seconds: float  # how far the writers are behind (0 with no backlog)
    dead_letters: int

    @property
    def full(self) -> bool:
        return self.entries >= self.bound


def stream_backlog(
    *, client: redis.Redis | None = None, stream: str | None = None, now: float | None = None
) -> StreamBacklog:
    """Numbers only, for /healthz and /metrics. Written entries are deleted from the stream
    (ingest.drain), so its length is the backlog and its first entry's id the oldest time."""
    client = client or redis_client()
    name = stream or settings.INGEST_STREAM
    pipe = client.pipeline(transaction=False)
    pipe.xlen(name)
    pipe.xrange(name, count=1)
    pipe.xlen(f"{name}:dead")
    length, first, dead = pipe.execute()
    age = 0.0
    if first:
        first_ms = int(first[0][0].split(b"-")[0])
        age = max(0.0, (now if now is not None else time.time()) - first_ms / 1000)
    return StreamBacklog(
        entries=int(length),
        bound=settings.INGEST_STREAM_MAX_ENTRIES,
        oldest_age_seconds=round(age, 3),
        dead_letters=int(dead),
    )
