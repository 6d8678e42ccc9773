"""Making an accepted batch durable before the API answers 202.

settings.INGEST_BUFFER:
  "direct" (embedded default): insert into the warehouse now;
  "redis"  (production): append to the Redis stream; `ingest.drain` writes it in large batches.
Either way a failure means the client is NOT told the batch was accepted: 503, send it again.
"""

import logging
from collections.abc import Sequence

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.errors import ApiError
from ingest.stream import StreamFull, stream_append
from warehouse.backends import WarehouseError
from warehouse.events import EventRow, insert_events

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1


class IngestUnavailable(ApiError):
    status, code = 503, "ingest_unavailable"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


class IngestBacklogFull(ApiError):
    status, code = 503, "ingest_backlog_full"

    def __init__(self, message: str) -> None:
        super().__init__(
            message, headers={"Retry-After": str(settings.INGEST_BACKLOG_RETRY_AFTER_SECONDS)}
        )


def events_buffer(rows: Sequence[EventRow]) -> None:
    mode = settings.INGEST_BUFFER
    if mode == "direct":
        _insert_now(rows)
    elif mode == "redis":
        _append_to_stream(rows)
    else:
        raise ImproperlyConfigured(f"INGEST_BUFFER must be 'direct' or 'redis', not {mode!r}.")


def _insert_now(rows: Sequence[EventRow]) -> None:
    try:
        insert_events(rows)
    except WarehouseError:
        logger.exception("Warehouse insert of %d events failed", len(rows))
        raise IngestUnavailable(
            "The event store is unavailable; nothing was stored. Send the batch again."
        ) from None


def _append_to_stream(rows: Sequence[EventRow]) -> None:
    try:
        stream_append(rows)
    except StreamFull:
        logger.warning("Ingest stream at its bound: refused a batch of %d events", len(rows))
        raise IngestBacklogFull(
            "Too many accepted events are waiting to be written; nothing was stored. "
            "Send the batch again after Retry-After seconds."
        ) from None
    except redis.RedisError:
        logger.exception("Appending %d events to the ingest stream failed", len(rows))
        raise IngestUnavailable(
            "The ingest buffer is unavailable; nothing was stored. Send the batch again."
        ) from None
