"""Writes for viewer subscriptions: create (from a verified embed session, with its grant),
confirm, unsubscribe, pause / resume and delete.

A subscription is created `pending` and nothing but the confirmation e-mail is sent until its
link is used (double opt-in). Confirming an alert subscription creates its alert rule: the
alerts evaluator then checks it every tick like an operator's rule, under the grant.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from alerts.services import alert_rule_create, alert_rule_delete_by_id, alert_rule_set_enabled
from core.errors import ApiError, Conflict, Forbidden, InvalidInput, NotFound
from core.periods import ALERT_WINDOWS, ROLLING_PERIODS
from dashboards.selectors import dashboard_version_spec
from embeds.permissions import check_period, visible_widgets
from embeds.selectors import VerifiedEmbed
from embeds.tokens import EmbedClaims
from subscriptions.inputs import NewSubscription
from subscriptions.links import new_token, token_hash
from subscriptions.models import DIGEST_PERIODS, Kind, Status, Subscription, UnsubscribeLink

ALERT_COMPOSER = "subscriptions.alert"
DIGEST_COMPOSER = "subscriptions.digest"
LIVE = (Status.PENDING, Status.ACTIVE, Status.PAUSED)  # what counts against the cap


def grant_of(claims: EmbedClaims) -> dict[str, Any]:
    """What the session allows, as stored with the subscription (JSON, the token's own form)."""
    permissions = claims.permissions.as_claim()
    return {
        "tenant_id": claims.tenant_id,
        "locked_filters": permissions["locked_filters"],
        "hidden_widgets": permissions["hidden_widgets"],
        "widget_id": claims.permissions.widget_id,
        "allowed_periods": permissions["allowed_periods"],
        "max_date_range_days": permissions["max_date_range_days"],
        "timezone": claims.timezone,
        "locale": claims.locale,
        "theme": dict(claims.theme),
        "user": claims.user,
        "jti": claims.jti,
    }


def check_may_subscribe(claims: EmbedClaims) -> None:
    if not claims.permissions.allow_subscriptions:
        raise Forbidden("This embed session may not subscribe.", code="subscriptions_not_allowed")


def subscription_create(*, verified: VerifiedEmbed, new: NewSubscription) -> Subscription:
    """A pending subscription under the session's grant. 403 when the session may not
    subscribe or may not see the digest's period; 404 for a widget it cannot see; 409 at the
    tenant's cap or for a duplicate. The caller sends the confirmation e-mail."""
    claims = verified.claims
    check_may_subscribe(claims)
    if new.kind == Kind.DIGEST:
        period = DIGEST_PERIODS[new.frequency]
        check_period(claims.permissions, period=period, length=ROLLING_PERIODS[period])
    else:
        _check_alert(verified, new)
    token = new_token()
    subscription = Subscription(
        organization=verified.dashboard.organization,
        dashboard_id=verified.dashboard.pk,
        tenant_id=claims.tenant_id,
        kind=new.kind,
        email=new.email,
        frequency=new.frequency,
        widget_id=new.widget_id,
        operator=new.operator,
        threshold_value=new.threshold,
        window=new.window,
        grant=grant_of(claims),
        viewer_user=claims.user,
        session_jti=claims.jti,
        link_url=new.link_url,
        confirm_token_hash=token_hash(token),
    )
    with transaction.atomic():
        # One creation per organization at a time: the cap cannot be overrun by a race.
        Organization.objects.select_for_update().filter(pk=claims.org_id).first()
        live = Subscription.objects.filter(
            organization_id=claims.org_id, tenant_id=claims.tenant_id, status__in=LIVE
        )
        cap = settings.SUBSCRIPTIONS_MAX_PER_TENANT
        if live.count() >= cap:
            raise Conflict(
                f"This tenant has {cap} subscriptions, the most it may have: "
                "unsubscribe from one first.",
                code="subscription_limit_reached",
            )
        same = {"email__iexact": new.email, "dashboard_id": verified.dashboard.pk, "kind": new.kind}
        if new.kind == Kind.DIGEST:
            same["frequency"] = new.frequency
        else:
            same.update(widget_id=new.widget_id, operator=new.operator)
            same.update(threshold_value=new.threshold, window=new.window)
        if live.filter(**same).exists():
            raise Conflict("This address is already subscribed.", code="already_subscribed")
        subscription.save()
    subscription.confirm_token = token  # the raw token, for the confirmation e-mail only
    return subscription


def _check_alert(verified: VerifiedEmbed, new: NewSubscription) -> None:
    claims = verified.claims
    spec = dashboard_version_spec(version=verified.version)
    widget = next(
        (w for w in visible_widgets(claims.permissions, spec) if w.id == new.widget_id), None
    )
    if widget is None:
        raise NotFound("Not found.")
    if widget.kind == "funnel":
        raise InvalidInput(
            "The subscription is invalid.",
            details=[{"field": "widget_id", "message": "A funnel has no single value to watch."}],
        )
    window = new.window or spec.default_period
    length = ALERT_WINDOWS.get(window, ROLLING_PERIODS.get(spec.default_period))
    max_days = claims.permissions.max_date_range_days
    if max_days is not None and length is not None and length > timedelta(days=max_days):
        raise Forbidden(
            f"This embed may look at most {max_days} days at a time.",
            code="date_range_not_allowed",
        )


@dataclass(frozen=True)
class LinkOutcome:
    """What a confirm or unsubscribe link did, for its page."""

    state: str  # "done", "already", "expired", "unknown", "unavailable"
    subscription: Subscription | None = None
    message: str = ""


def subscription_for_confirm_token(token: str) -> Subscription | None:
    return Subscription.objects.filter(confirm_token_hash=token_hash(token)).first()


def subscription_for_unsubscribe_token(token: str) -> Subscription | None:
    link = UnsubscribeLink.objects.filter(token_hash=token_hash(token)).first()
    return link.subscription if link is not None else None


def subscription_confirm(*, token: str, now: Any = None) -> LinkOutcome:
    """Pending -> active (an alert gets its rule). Idempotent: a second use says so."""
    now = now or timezone.now()
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update()
            .filter(confirm_token_hash=token_hash(token))
            .first()
        )
        if subscription is None:
            return LinkOutcome("unknown")
        if subscription.status != Status.PENDING:
            return LinkOutcome("already", subscription)
        ttl = timedelta(days=settings.SUBSCRIPTION_CONFIRM_DAYS)
        if subscription.created_at < now - ttl:
            return LinkOutcome("expired", subscription)
        if subscription.kind == Kind.ALERT:
            try:
                subscription.alert_rule_id = _alert_rule_for(subscription).pk
            except ApiError as error:
                return LinkOutcome("unavailable", subscription, _reason(error))
        subscription.status, subscription.confirmed_at = Status.ACTIVE, now
        subscription.save(update_fields=["status", "confirmed_at", "alert_rule_id"])
    return LinkOutcome("done", subscription)


def _alert_rule_for(subscription: Subscription) -> Any:
    grant = subscription.grant
    return alert_rule_create(
        organization=subscription.organization,
        grant={
            "tenant_id": grant["tenant_id"],
            "locked_filters": grant["locked_filters"],
            "hidden_widgets": grant["hidden_widgets"],
            "widget_id": grant.get("widget_id"),
        },
        email_composer=ALERT_COMPOSER,
        name=f"Viewer alert {subscription.pk}",
        dashboard_id=subscription.dashboard_id,
        widget_id=subscription.widget_id,
        operator=subscription.operator,
        threshold_value=subscription.threshold_value,
        window=subscription.window,
        email_to=[subscription.email],
    )


def _reason(error: ApiError) -> str:
    detail = next((d.get("message") for d in error.details if d.get("message")), "")
    return detail or error.message


def subscription_unsubscribe(*, token: str) -> LinkOutcome:
    """Any of its e-mails' unsubscribe links ends the subscription; a second use says so."""
    with transaction.atomic():
        link = (
            UnsubscribeLink.objects.select_related("subscription")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if link is None:
            return LinkOutcome("unknown")
        subscription = Subscription.objects.select_for_update().get(pk=link.subscription_id)
        if subscription.status == Status.UNSUBSCRIBED:
            return LinkOutcome("already", subscription)
        _drop_rule(subscription)
        subscription.status = Status.UNSUBSCRIBED
        subscription.save(update_fields=["status", "alert_rule_id"])
    return LinkOutcome("done", subscription)


def subscription_set_paused(*, subscription: Subscription, paused: bool) -> Subscription:
    """The operator pauses or resumes an active subscription (its alert rule with it)."""
    if subscription.status in (Status.PENDING, Status.UNSUBSCRIBED):
        raise Conflict(
            f"A subscription that is {subscription.get_status_display().lower()} "
            "cannot be paused or resumed.",
            code="subscription_not_active",
        )
    with transaction.atomic():
        if subscription.alert_rule_id:
            alert_rule_set_enabled(rule_id=subscription.alert_rule_id, enabled=not paused)
        subscription.status = Status.PAUSED if paused else Status.ACTIVE
        if not paused:
            subscription.skipped_reason = ""
        subscription.save(update_fields=["status", "skipped_reason"])
    return subscription


def subscription_delete(*, subscription: Subscription) -> None:
    with transaction.atomic():
        _drop_rule(subscription)
        subscription.delete()


def subscription_mark_skipped(*, subscription_id: str, reason: str) -> None:
    Subscription.objects.filter(pk=subscription_id).update(skipped_reason=reason[:300])


def subscription_mark_sent(*, subscription_id: str) -> None:
    """An e-mail of the subscription was composed and handed to the e-mail backend."""
    Subscription.objects.filter(pk=subscription_id).update(
        last_sent_at=timezone.now(), skipped_reason=""
    )


def _drop_rule(subscription: Subscription) -> None:
    if subscription.alert_rule_id:
        alert_rule_delete_by_id(rule_id=subscription.alert_rule_id)
        subscription.alert_rule_id = ""
