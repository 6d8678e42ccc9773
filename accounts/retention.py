"""Per-organization retention: events older than an organization's `retention_days` are
removed from the warehouse. Reads already never show them (the scope of every read carries
the organization's retention, see warehouse.scope); this job frees the space. The warehouse's
TTL (WAREHOUSE_RETENTION_DAYS) stays the outer bound for every organization."""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings

from accounts.selectors import organization_retention_list
from warehouse.events import RETAINED_TABLES, events_delete_before

logger = logging.getLogger(__name__)


def events_retention_enforce(*, now: datetime | None = None) -> dict[str, int]:
    """Deletes, organization by organization, the events (and its embed-usage rows) older
    than its retention; returns {organization id: rows deleted} for those that had any.
    Organizations that keep events at least as long as the warehouse's TTL are left to the
    TTL."""
    now = now or datetime.now(UTC)
    outer = int(settings.WAREHOUSE_RETENTION_DAYS)
    deleted: dict[str, int] = {}
    for org_id, days in organization_retention_list():
        if days >= outer:
            continue
        count = 0
        for table in RETAINED_TABLES:  # the events, and the internal embed-usage stream
            count += events_delete_before(
                org_id=org_id, before=now - timedelta(days=days), table=table
            )
        if count:
            deleted[org_id] = count
            logger.info(
                "retention: deleted %d events older than %d days of %s", count, days, org_id
            )
    return deleted
