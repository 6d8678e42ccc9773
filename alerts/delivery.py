"""Notifications: a delivery row per (rule, tenant, transition, channel) is written in the same
transaction as the state change; sending is then one attempt at a time, each recorded.

Idempotency: `idempotency_key` is unique, and an attempt first CLAIMS its delivery with a
conditional UPDATE (pending -> sending). A retried or duplicated task finds the delivery sent
(or being sent) and does nothing, so a notification goes out at most once per transition.
A claim older than CLAIM_STALE_AFTER (a worker died mid-send) can be taken over.

E-mails of a rule with `email_composer`, and deliveries without a rule (a viewer's digest), are
written by a composer another app registers here at start-up (`email_composer_register`, from
its AppConfig.ready): alerts never imports that app, and every e-mail still goes through the
same claim, attempts, retries and re-sends.

Webhook requests are signed: X-Sightline-Timestamp is the unix time of the attempt and
X-Sightline-Signature is "v1=" + hex(HMAC-SHA256(org.webhook_secret, f"{timestamp}.{body}")).
"""

import hashlib
import hmac
import logging
import smtplib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage, send_mail
from django.db.models import Q
from django.utils import timezone

from alerts.conditions import OPERATOR_SYMBOLS
from alerts.models import (
    AlertDelivery,
    AlertDeliveryAttempt,
    AlertEvaluation,
    AlertRule,
    Channel,
    DeliveryStatus,
)
from alerts.selectors import CLAIM_STALE_AFTER
from alerts.webhooks import AddressCheck, WebhookError, webhook_post
from core.ids import new_id
from core.isotime import iso_utc
from core.metrics import ALERT_DELIVERIES
from core.text import one_line

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30  # Celery: 30 s, 1 min, 2 min, 4 min between attempts
EAGER_RETRY_BASE_SECONDS = 0.1  # in-process (no broker): short and bounded, 1.5 s in all
RETRYABLE_STATUSES = frozenset({408, 425, 429})  # plus every 5xx
USER_AGENT = "Sightline-Webhooks/1"


class DeliverySkipped(Exception):
    """A composer has nothing to send (the subscription was paused or unsubscribed, the widget
    is gone): the delivery fails with this reason; retried only when `retry` (the warehouse
    was down, say), like any passing failure."""

    def __init__(self, reason: str, *, retry: bool = False) -> None:
        super().__init__(reason)
        self.retry = retry


EmailComposer = Callable[[AlertDelivery], EmailMessage]
_composers: dict[str, EmailComposer] = {}


def email_composer_register(name: str, composer: EmailComposer) -> None:
    _composers[name] = composer


@dataclass(frozen=True)
class Notice:
    """One tenant's notified transition (or re-notification) of one rule."""

    tenant_id: str
    state: str
    value: float | None
    transition_id: str


@dataclass(frozen=True)
class AttemptOutcome:
    delivery_id: str
    attempted: bool  # False: already sent, being sent, gone, or out of attempts
    status: str
    attempt_number: int = 0

    @property
    def should_retry(self) -> bool:
        return self.attempted and self.status == DeliveryStatus.PENDING


def retry_delay(*, attempt_number: int, base: float = RETRY_BASE_SECONDS) -> float:
    return base * 2 ** (attempt_number - 1)


def dashboard_url(dashboard_id: str) -> str:
    return f"{settings.PUBLIC_URL}/app/dashboards/{dashboard_id}"


def notification_payload(
    *,
    rule: AlertRule,
    tenant_id: str | None,
    value: float | None,
    state: str,
    at: datetime,
    notification_id: str,
    test: bool = False,
) -> dict[str, Any]:
    return {
        "notification_id": notification_id,
        "rule": {"id": rule.pk, "name": rule.name},
        "tenant_id": tenant_id,
        "value": value,
        "threshold": rule.threshold_value,
        "operator": rule.operator,
        "state": state,
        "dashboard_url": dashboard_url(rule.dashboard_id),
        "widget_id": rule.widget_id,
        "time": iso_utc(at, timespec="auto"),
        "test": test,
    }


def rule_channels(rule: AlertRule) -> list[tuple[str, str]]:
    channels = []
    if rule.webhook_url:
        channels.append((Channel.WEBHOOK, rule.webhook_url))
    if rule.email_to:
        channels.append((Channel.EMAIL, ", ".join(rule.email_to)))
    return channels


def delivery_rows(
    *, rule: AlertRule, evaluation: AlertEvaluation | None, notices: Iterable[Notice]
) -> list[AlertDelivery]:
    """One pending delivery (unsaved) per notice and channel. The evaluator saves them in the
    transaction that moved the states: transitions and notifications commit together."""
    rows = []
    for notice in notices:
        payload = notification_payload(
            rule=rule,
            tenant_id=notice.tenant_id,
            value=notice.value,
            state=notice.state,
            at=evaluation.evaluated_at if evaluation else timezone.now(),
            notification_id=notice.transition_id,
        )
        for channel, destination in rule_channels(rule):
            rows.append(
                AlertDelivery(
                    rule=rule,
                    evaluation=evaluation,
                    tenant_id=notice.tenant_id,
                    channel=channel,
                    target=destination,
                    payload=payload,
                    composer=rule.email_composer if channel == Channel.EMAIL else "",
                    idempotency_key=f"{rule.pk}:{notice.tenant_id}:{notice.transition_id}:{channel}",
                )
            )
    return rows


def delivery_create_composed(
    *, idempotency_key: str, composer: str, to: str, tenant_id: str, payload: dict[str, Any]
) -> AlertDelivery | None:
    """A pending e-mail that `composer` writes when it is sent; None when a delivery with this
    key exists already (a repeated or concurrent run of the same job sends nothing twice)."""
    delivery = AlertDelivery(
        idempotency_key=idempotency_key,
        composer=composer,
        channel=Channel.EMAIL,
        target=to,
        tenant_id=tenant_id,
        payload=payload,
    )
    AlertDelivery.objects.bulk_create([delivery], ignore_conflicts=True)
    return delivery if AlertDelivery.objects.filter(pk=delivery.pk).exists() else None


def deliveries_create_for_test(*, rule: AlertRule) -> list[AlertDelivery]:
    """A test notification on every channel of the rule, marked `test: true`."""
    notification_id = new_id("test")
    payload = notification_payload(
        rule=rule,
        tenant_id=rule.tenant_id or None,
        value=rule.threshold_value,
        state="firing",
        at=timezone.now(),
        notification_id=notification_id,
        test=True,
    )
    rows = [
        AlertDelivery(
            rule=rule,
            tenant_id=rule.tenant_id,
            channel=channel,
            target=destination,
            payload=payload,
            is_test=True,
            idempotency_key=f"{rule.pk}:test:{notification_id}:{channel}",
        )
        for channel, destination in rule_channels(rule)
    ]
    return AlertDelivery.objects.bulk_create(rows)


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def delivery_attempt(
    *, delivery_id: str, max_attempts: int = MAX_ATTEMPTS, check: AddressCheck | None = None
) -> AttemptOutcome:
    """Claims the delivery, makes one attempt, records it. Safe to call any number of times."""
    delivery = _claim(delivery_id)
    if delivery is None:
        current = (
            AlertDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
        )
        return AttemptOutcome(delivery_id=delivery_id, attempted=False, status=current or "gone")
    number = delivery.attempts.count() + 1
    started_at, started = timezone.now(), time.perf_counter()
    try:
        succeeded, retryable, status_code, error = _send(delivery, check=check)
    except Exception as exc:  # a bug must fail this delivery, not leave it `sending` forever
        logger.exception("delivery %s: the send raised", delivery.pk)
        succeeded, retryable, status_code = False, False, None
        error = f"Could not send: {type(exc).__name__}: {exc}"
    AlertDeliveryAttempt.objects.create(
        delivery=delivery,
        number=number,
        started_at=started_at,
        status_code=status_code,
        error=error[:500],
        duration_ms=(time.perf_counter() - started) * 1000,
        succeeded=succeeded,
    )
    if succeeded:
        status = DeliveryStatus.SENT
    elif retryable and number < max_attempts:
        status = DeliveryStatus.PENDING
    else:
        status = DeliveryStatus.FAILED
    outcome = {DeliveryStatus.SENT: "sent", DeliveryStatus.PENDING: "retry"}.get(status, "failed")
    ALERT_DELIVERIES.labels(channel=delivery.channel, outcome=outcome).inc()
    AlertDelivery.objects.filter(pk=delivery.pk).update(
        status=status, claimed_at=None, sent_at=timezone.now() if succeeded else None
    )
    return AttemptOutcome(
        delivery_id=delivery.pk, attempted=True, status=status, attempt_number=number
    )


def delivery_send_now(*, delivery_id: str) -> AttemptOutcome:
    """Every attempt in this thread, with a short bounded backoff: for the embedded default,
    where no broker can bring a retry back later."""
    outcome = delivery_attempt(delivery_id=delivery_id)
    while outcome.should_retry:
        time.sleep(
            retry_delay(attempt_number=outcome.attempt_number, base=EAGER_RETRY_BASE_SECONDS)
        )
        outcome = delivery_attempt(delivery_id=delivery_id)
    return outcome


def _claim(delivery_id: str) -> AlertDelivery | None:
    now = timezone.now()
    claimable = Q(status=DeliveryStatus.PENDING) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_STALE_AFTER
    )
    if not AlertDelivery.objects.filter(claimable, pk=delivery_id).update(
        status=DeliveryStatus.SENDING, claimed_at=now
    ):
        return None
    return AlertDelivery.objects.select_related("rule__organization").get(pk=delivery_id)


def _send(
    delivery: AlertDelivery, *, check: AddressCheck | None
) -> tuple[bool, bool, int | None, str]:
    """(succeeded, retryable, status code, error)."""
    if delivery.channel == Channel.WEBHOOK:
        return _send_webhook(delivery, check=check)
    return _send_email(delivery)


def _send_webhook(
    delivery: AlertDelivery, *, check: AddressCheck | None
) -> tuple[bool, bool, int | None, str]:
    body = orjson.dumps(delivery.payload)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Sightline-Delivery": delivery.pk,
        "X-Sightline-Timestamp": timestamp,
        "X-Sightline-Signature": sign(
            secret=delivery.rule.organization.webhook_secret, timestamp=timestamp, body=body
        ),
    }
    try:
        response = webhook_post(delivery.target, body, headers, check=check)
    except WebhookError as exc:
        return False, exc.retryable, None, str(exc)
    code = response.status_code
    if 200 <= code < 300:
        return True, False, code, ""
    return (
        False,
        code >= 500 or code in RETRYABLE_STATUSES,
        code,
        f"The receiver answered HTTP {code}.",
    )


def email_subject(payload: dict[str, Any]) -> str:
    """One line whatever the rule name and tenant id hold (a newline would inject a header)."""
    prefix = "[Sightline test] " if payload.get("test") else "[Sightline] "
    tenant = f" for tenant {payload['tenant_id']}" if payload.get("tenant_id") else ""
    return one_line(f"{prefix}{payload['state'].upper()}: {payload['rule']['name']}{tenant}")


def email_body(payload: dict[str, Any]) -> str:
    symbol = OPERATOR_SYMBOLS.get(payload["operator"], payload["operator"])
    value = "no data" if payload["value"] is None else f"{payload['value']:g}"
    lines = [
        "This is a test notification; nothing has crossed a threshold."
        if payload.get("test")
        else "",
        f"Alert: {payload['rule']['name']} ({payload['rule']['id']})",
        f"State: {payload['state']}",
        f"Tenant: {payload['tenant_id'] or 'all tenants'}",
        f"Value: {value}",
        f"Condition: value {symbol} {payload['threshold']:g}",
        f"Widget: {payload['widget_id']}",
        f"Time: {payload['time']}",
        f"Dashboard: {payload['dashboard_url']}",
    ]
    return "\n".join(line for line in lines if line) + "\n"


def _send_email(delivery: AlertDelivery) -> tuple[bool, bool, int | None, str]:
    recipients = [address.strip() for address in delivery.target.split(",") if address.strip()]
    try:
        if delivery.composer:
            _composers[delivery.composer](delivery).send()
        else:
            send_mail(
                email_subject(delivery.payload),
                email_body(delivery.payload),
                settings.DEFAULT_FROM_EMAIL,
                recipients,
            )
    except DeliverySkipped as skipped:
        return False, skipped.retry, None, f"Not sent: {skipped}"[:500]
    except BadHeaderError as exc:  # e.g. a recipient with a line break: no retry can help
        return False, False, None, f"BadHeaderError: {exc}"[:500]
    except (smtplib.SMTPException, OSError) as exc:
        permanent = isinstance(exc, smtplib.SMTPRecipientsRefused)
        return False, not permanent, None, f"{type(exc).__name__}: {exc}"[:500]
    return True, False, None, ""
