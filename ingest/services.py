"""Accepting a batch of events: validate all of it, then make it durable."""

import logging
from datetime import datetime

import redis

from accounts.models import ApiKey
from ingest.buffer import IngestUnavailable, events_buffer
from ingest.first_stamps import first_stamps_recall
from ingest.validation import validate_batch

logger = logging.getLogger(__name__)


def events_ingest(*, api_key: ApiKey, body: bytes, received_at: datetime) -> int:
    """Accept a JSON body `{"events": [...]}`; returns how many events. The organization comes
    from the key, never from the body. Raises InvalidInput (nothing stored) or
    IngestUnavailable (nothing acknowledged). A re-sent event with an insert_id and no
    timestamp gets its first stamp back (ingest.first_stamps), so it is counted once."""
    organization = api_key.organization
    try:
        rows = validate_batch(
            body,
            org_id=organization.pk,
            received_at=received_at,
            retention_days=organization.retention_days,
            first_stamps=first_stamps_recall,
        )
    except redis.RedisError:
        logger.exception("Recalling first stamps for a batch failed")
        raise IngestUnavailable(
            "The ingest buffer is unavailable; nothing was stored. Send the batch again."
        ) from None
    events_buffer(rows)
    return len(rows)
