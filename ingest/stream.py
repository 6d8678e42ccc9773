"""The Redis stream that buffers accepted batches in production: one entry per accepted
request, holding its validated rows (org_id and insert_ids included) in the warehouse's batch
encoding (`warehouse.events.encode_events`), so a writer inserts many entries at once without
decoding them. Entries stay in the stream until a writer has inserted them (`ingest.drain`)."""

from collections.abc import Sequence
from functools import lru_cache

import redis
from django.conf import settings

from warehouse.events import EventRow, encode_events

# The field name carries the encoding's version, so a future format can live beside it.
ROWS_FIELD = b"rows.v1"


def redis_client(url: str | None = None) -> redis.Redis:
    """The client for `url` (default settings.REDIS_URL); one connection pool per URL."""
    return _client_for(url or settings.REDIS_URL)


@lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    # Bounded waits: a hung Redis turns into a 503 for the client, not a stuck request.
    return redis.Redis.from_url(
        url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30
    )


def stream_append(
    rows: Sequence[EventRow], *, client: redis.Redis | None = None, stream: str | None = None
) -> bytes:
    """XADD one entry for the batch; returns its id. Once this returns, the batch is durable as
    far as Redis is (append-only file in compose.yaml). The stream is never trimmed here:
    entries leave it only after they were written to the warehouse."""
    client = client or redis_client()
    return client.xadd(stream or settings.INGEST_STREAM, {ROWS_FIELD: encode_events(rows)})
