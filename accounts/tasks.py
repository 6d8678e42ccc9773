"""Celery entry points of accounts. The logic lives in accounts.retention."""

from celery import shared_task

from accounts.retention import events_retention_enforce


@shared_task(ignore_result=True)
def enforce_retention() -> dict[str, int]:
    """Hourly (ops.schedule): remove each organization's events older than its retention."""
    return events_retention_enforce()
