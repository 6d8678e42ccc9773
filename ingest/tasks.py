"""Celery entry points of ingest. The logic lives in ingest.drain."""

from dataclasses import asdict

from celery import shared_task
from django.conf import settings

from ingest.drain import DrainConfig, stream_drain
from ingest.stream import redis_client


@shared_task(ignore_result=True)
def drain_stream() -> dict | None:
    """Every second (ops.schedule): write buffered batches to the warehouse. A no-op when
    the API inserts directly (the embedded default)."""
    if settings.INGEST_BUFFER != "redis":
        return None
    return asdict(stream_drain(client=redis_client(), config=DrainConfig.from_settings()))
