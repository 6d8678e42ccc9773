"""The digest job (every DIGEST_JOB_SECONDS, ops.schedule): which digests are due, their
deliveries, and the composer the alerts delivery machinery calls to write them.

A digest is due once per slot: a daily one each day and a weekly one each Monday, from
SUBSCRIPTION_DIGEST_HOUR in the grant's time zone (else the organization's); the first goes
out at the first run after the confirmation. The slot is the delivery's idempotency key
(`digest:<subscription>:<slot>`), so a repeated or concurrent run sends nothing twice.

Each run composes the due digests in batches (`subscriptions.digest.compose_digests` shares
data reads and chart renders between them), then makes each delivery's first attempt here
with the message composed; a failed attempt is retried by the alerts delivery task (Celery),
which composes that one digest again, under the grant, at that moment.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from alerts.delivery import DeliverySkipped, delivery_attempt, delivery_create_composed
from alerts.dispatch import delivery_enqueue
from core.timezones import is_known_timezone
from subscriptions.digest import DigestGrant, DigestItem, DigestSkipped, compose_digests
from subscriptions.links import unsubscribe_url_mint
from subscriptions.models import DIGEST_PERIODS, Frequency, Kind, Status, Subscription
from subscriptions.services import (
    DIGEST_COMPOSER,
    subscription_mark_sent,
    subscription_mark_skipped,
)
from warehouse.query import locked_value

if TYPE_CHECKING:  # the delivery the alerts machinery hands to a composer
    from alerts.models import AlertDelivery

logger = logging.getLogger(__name__)

DIGEST_JOB_SECONDS = 300.0
BATCH = 100  # digests composed together (their PNGs stay in memory until sent)
SKIP_REASONS = {
    "dashboard_not_found": "The dashboard was deleted.",
    "not_published": "The dashboard is not published.",
    "no_visible_widgets": "None of the dashboard's widgets is visible to this subscription.",
    "invalid_period": "The digest's period is not allowed any more.",
    "invalid_grant": "The subscription's locked filters no longer apply to the dashboard.",
    "warehouse_unavailable": "The warehouse did not answer; it is tried again.",
    "render_failed": "A chart could not be drawn; it is tried again.",
}


@dataclass
class DigestRun:
    due: int = 0
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    expired_pending: int = 0

    def line(self) -> str:
        return (
            f"digests: {self.due} due, {self.sent} sent, {self.skipped} skipped, "
            f"{self.retrying} to retry; {self.expired_pending} unconfirmed removed"
        )


def digest_slot(subscription: Subscription, now: datetime) -> tuple[str, datetime]:
    """The latest slot that has begun: its key ("2026-12-01", "2026-W49") and its start."""
    name = subscription.grant.get("timezone") or subscription.organization.default_timezone
    zone = ZoneInfo(name if is_known_timezone(name) else "UTC")
    local = now.astimezone(zone)
    step = timedelta(days=1 if subscription.frequency == Frequency.DAILY else 7)
    day = local.date()
    if subscription.frequency == Frequency.WEEKLY:
        day -= timedelta(days=day.weekday())  # Monday
    start = datetime.combine(day, time(settings.SUBSCRIPTION_DIGEST_HOUR), zone)
    if local < start:
        day, start = day - step, start - step
    if subscription.frequency == Frequency.WEEKLY:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}", start
    return day.isoformat(), start


def digest_grant(subscription: Subscription) -> DigestGrant:
    grant = subscription.grant
    return DigestGrant(
        org_id=subscription.organization_id,
        dashboard_id=subscription.dashboard_id,
        tenant_id=grant["tenant_id"],
        locked_filters={
            key: locked_value(value) for key, value in (grant.get("locked_filters") or {}).items()
        },
        hidden_widgets=tuple(grant.get("hidden_widgets") or ()),
        widget_id=grant.get("widget_id") or None,
        period=DIGEST_PERIODS[subscription.frequency],
        timezone=grant.get("timezone") or subscription.organization.default_timezone,
        locale=grant.get("locale"),
        theme=grant.get("theme") or {},
        allowed_periods=tuple(grant.get("allowed_periods") or ()),
    )


def _item(subscription: Subscription) -> DigestItem:
    return DigestItem(
        grant=digest_grant(subscription),
        to=subscription.email,
        link_url=subscription.link_url,
        unsubscribe_url=unsubscribe_url_mint(subscription),
    )


# Messages composed by this process's run, handed to the composer on the first attempt.
_composed: dict[str, EmailMessage] = {}


def digest_email(delivery: "AlertDelivery") -> EmailMessage:
    """The composer of a digest delivery: the message this run composed, or (a retry, another
    process) the digest composed again now, under the grant."""
    message = _composed.pop(delivery.pk, None)
    subscription_id = delivery.payload["subscription_id"]
    subscription = (
        Subscription.objects.select_related("organization").filter(pk=subscription_id).first()
    )
    if subscription is None or subscription.status != Status.ACTIVE:
        raise DeliverySkipped("The subscription is no longer active.")
    if message is None:
        (result,) = compose_digests([_item(subscription)])
        message = _accepted(subscription, result)
    subscription_mark_sent(subscription_id=subscription.pk)
    return message


def _accepted(subscription: Subscription, result: object) -> EmailMessage:
    if isinstance(result, DigestSkipped):
        reason = SKIP_REASONS.get(result.reason, result.reason)
        if not result.retry:
            subscription_mark_skipped(subscription_id=subscription.pk, reason=reason)
        raise DeliverySkipped(reason, retry=result.retry)
    assert isinstance(result, EmailMessage)
    return result


def digests_due(*, now: datetime) -> list[tuple[Subscription, str]]:
    active = Subscription.objects.filter(kind=Kind.DIGEST, status=Status.ACTIVE).select_related(
        "organization"
    )
    due = []
    for subscription in active.order_by("id").iterator(chunk_size=500):
        slot, _ = digest_slot(subscription, now)
        if slot != subscription.last_due:
            due.append((subscription, slot))
    return due


def digests_run(*, now: datetime | None = None) -> DigestRun:
    now = now or timezone.now()
    run = DigestRun()
    run.expired_pending = _forget_unconfirmed(now)
    due = digests_due(now=now)
    run.due = len(due)
    for first in range(0, len(due), BATCH):
        _send_batch(due[first : first + BATCH], run)
    return run


def _send_batch(batch: list[tuple[Subscription, str]], run: DigestRun) -> None:
    results = compose_digests([_item(subscription) for subscription, _ in batch])
    for (subscription, slot), result in zip(batch, results, strict=True):
        with transaction.atomic():
            delivery = delivery_create_composed(
                idempotency_key=f"digest:{subscription.pk}:{slot}",
                composer=DIGEST_COMPOSER,
                to=subscription.email,
                tenant_id=subscription.tenant_id,
                payload={"subscription_id": subscription.pk, "slot": slot, "kind": "digest"},
            )
            Subscription.objects.filter(pk=subscription.pk).update(last_due=slot)
        if delivery is None:
            continue  # another run has this slot
        try:
            _composed[delivery.pk] = _accepted(subscription, result)
        except DeliverySkipped:
            pass  # the composer says so again on the attempt, which records it
        outcome = delivery_attempt(delivery_id=delivery.pk)
        _composed.pop(delivery.pk, None)
        if outcome.should_retry:
            run.retrying += 1
            delivery_enqueue(delivery.pk, after_attempt=outcome.attempt_number)
        elif outcome.status == "sent":
            run.sent += 1
        else:
            run.skipped += 1


def _forget_unconfirmed(now: datetime) -> int:
    """Pending subscriptions whose confirmation link has expired are deleted: never confirmed,
    they must not count against the tenant's cap for ever."""
    expired = now - timedelta(days=settings.SUBSCRIPTION_CONFIRM_DAYS)
    _, deleted = Subscription.objects.filter(status=Status.PENDING, created_at__lt=expired).delete()
    return deleted.get(Subscription._meta.label, 0)
