"""Accepting a batch of events: validate all of it, then make it durable."""

from datetime import datetime

from accounts.models import ApiKey
from ingest.buffer import events_buffer
from ingest.validation import validate_batch


def events_ingest(*, api_key: ApiKey, body: bytes, received_at: datetime) -> int:
    """Accept a JSON body `{"events": [...]}`; returns how many events. The organization comes
    from the key, never from the body. Raises InvalidInput (nothing stored) or
    IngestUnavailable (nothing acknowledged)."""
    organization = api_key.organization
    rows = validate_batch(
        body,
        org_id=organization.pk,
        received_at=received_at,
        retention_days=organization.retention_days,
    )
    events_buffer(rows)
    return len(rows)
