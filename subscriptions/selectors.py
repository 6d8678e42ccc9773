"""Reads for viewer subscriptions: a viewer's own, and the operator's list."""

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import Organization
from alerts.selectors import alert_rules_disabled_reasons
from core.errors import NotFound
from embeds.tokens import EmbedClaims
from subscriptions.models import Status, Subscription


def subscriptions_of_viewer(*, claims: EmbedClaims, dashboard_id: str) -> QuerySet[Subscription]:
    """The session's viewer's subscriptions to this dashboard: of its tenant, by its `user`
    (every session of that user), or by the session itself when it names no user."""
    own = Subscription.objects.filter(
        organization_id=claims.org_id, tenant_id=claims.tenant_id, dashboard_id=dashboard_id
    ).exclude(status=Status.UNSUBSCRIBED)
    own = (
        own.filter(viewer_user=claims.user)
        if claims.user
        else own.filter(viewer_user="", session_jti=claims.jti)
    )
    return own.order_by("-created_at", "id")


def subscription_of_viewer(
    *, claims: EmbedClaims, dashboard_id: str, subscription_id: str
) -> Subscription:
    found = subscriptions_of_viewer(claims=claims, dashboard_id=dashboard_id).filter(
        pk=subscription_id
    )
    subscription = found.first()
    if subscription is None:
        raise NotFound("Not found.")
    return subscription


OPERATOR_FILTERS = ("kind", "status", "tenant_id", "dashboard_id", "email")


def subscriptions_list(
    *, organization: Organization, filters: dict[str, str] | None = None
) -> QuerySet[Subscription]:
    """The organization's subscriptions, newest first, narrowed by exact filters."""
    subscriptions = Subscription.objects.filter(organization=organization)
    for name, value in (filters or {}).items():
        if name not in OPERATOR_FILTERS:
            raise ValueError(f"Not a subscription filter: {name}")
        if value:
            lookup = "email__iexact" if name == "email" else name
            subscriptions = subscriptions.filter(**{lookup: value})
    return subscriptions.order_by("-created_at", "id")


def subscription_get(*, organization: Organization, subscription_id: str) -> Subscription:
    """The organization's subscription; another organization's is the same NotFound."""
    subscription = subscriptions_list(organization=organization).filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound("Subscription not found.")
    return subscription


def with_reasons(subscriptions: Iterable[Subscription]) -> list[Subscription]:
    """The subscriptions, an alert whose rule the evaluator turned off (its widget gone or
    hidden, its dashboard unpublished) saying why in `skipped_reason`: one query for all."""
    listed = list(subscriptions)
    reasons = alert_rules_disabled_reasons(
        rule_ids=[s.alert_rule_id for s in listed if s.alert_rule_id]
    )
    for subscription in listed:
        if subscription.alert_rule_id in reasons and not subscription.skipped_reason:
            subscription.skipped_reason = reasons[subscription.alert_rule_id]
    return listed


def subscription_to_dict(subscription: Subscription) -> dict:
    """The JSON shape of a subscription, for the viewer endpoints and the API."""
    return {
        "id": subscription.pk,
        "kind": subscription.kind,
        "dashboard_id": subscription.dashboard_id,
        "tenant_id": subscription.tenant_id,
        "email": subscription.email,
        "frequency": subscription.frequency or None,
        "widget_id": subscription.widget_id or None,
        "operator": subscription.operator or None,
        "threshold": subscription.threshold_value,
        "window": subscription.window or None,
        "status": subscription.status,
        "skipped_reason": subscription.skipped_reason,
        "created_at": subscription.created_at,
        "confirmed_at": subscription.confirmed_at,
        "last_sent_at": subscription.last_sent_at,
    }
