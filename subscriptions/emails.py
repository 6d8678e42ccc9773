"""The e-mails of viewer subscriptions that are not digests: the confirmation (the double
opt-in) and a threshold alert's notification. Every one carries a fresh one-click unsubscribe
link in its text and in `List-Unsubscribe` / `List-Unsubscribe-Post` (RFC 8058).

A subscriber's alert e-mail is composed here, not by the alerts app's built-in notification:
it never names the rule, the operator's console or another tenant; the alerts delivery
machinery sends it (alerts.delivery `email_composer_register`, done in apps.py)."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage

from alerts.conditions import OPERATOR_SYMBOLS
from alerts.delivery import DeliverySkipped
from core.text import one_line
from dashboards.selectors import dashboards_find, published_spec
from subscriptions.links import confirm_url, unsubscribe_headers, unsubscribe_url_mint
from subscriptions.models import Kind, Status, Subscription
from subscriptions.services import subscription_mark_sent

if TYPE_CHECKING:  # the delivery the alerts machinery hands to a composer
    from alerts.models import AlertDelivery


def _dashboard_and_widget_names(subscription: Subscription) -> tuple[str, str]:
    dashboard = dashboards_find(
        dashboard_ids=[subscription.dashboard_id], organization_id=subscription.organization_id
    ).get(subscription.dashboard_id)
    spec = published_spec(dashboard) if dashboard is not None else None
    if spec is None:
        return "the dashboard", subscription.widget_id
    widget = spec.widget(subscription.widget_id) if subscription.widget_id else None
    return spec.name, (widget.title or widget.id) if widget else subscription.widget_id


def what_it_is(subscription: Subscription, *, widget_title: str) -> str:
    if subscription.kind == Kind.DIGEST:
        return f"a {subscription.frequency} digest"
    symbol = OPERATOR_SYMBOLS.get(subscription.operator, subscription.operator)
    window = f" over {subscription.window}" if subscription.window else ""
    return f"an alert when {widget_title}{window} is {symbol} {subscription.threshold_value:g}"


def confirmation_send(subscription: Subscription, *, token: str) -> None:
    """The one e-mail sent before confirmation. Raises what the e-mail backend raises."""
    dashboard_name, widget_title = _dashboard_and_widget_names(subscription)
    unsubscribe = unsubscribe_url_mint(subscription)
    what = what_it_is(subscription, widget_title=widget_title)
    body = (
        f"Someone asked to send {what} of “{dashboard_name}” to this address.\n\n"
        f"To start receiving it, confirm here:\n{confirm_url(token)}\n\n"
        "If it was not you, ignore this e-mail: nothing will be sent without the confirmation.\n\n"
        f"Never send me this again: {unsubscribe}\n"
    )
    EmailMessage(
        subject=one_line(f"Confirm your subscription to {dashboard_name}"),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.email],
        headers=unsubscribe_headers(unsubscribe),
    ).send()


def alert_email(delivery: "AlertDelivery") -> EmailMessage:
    """The composer of a subscriber's alert notification (a delivery of its alert rule)."""
    subscription = Subscription.objects.filter(
        alert_rule_id=delivery.rule_id, kind=Kind.ALERT
    ).first()
    if subscription is None or subscription.status != Status.ACTIVE:
        raise DeliverySkipped("The subscription is no longer active.")
    payload = delivery.payload
    dashboard_name, widget_title = _dashboard_and_widget_names(subscription)
    unsubscribe = unsubscribe_url_mint(subscription)
    value = "no data" if payload["value"] is None else f"{payload['value']:g}"
    symbol = OPERATOR_SYMBOLS.get(subscription.operator, subscription.operator)
    condition = f"{symbol} {subscription.threshold_value:g}"
    if payload["state"] == "firing":
        headline = f"{widget_title} is {value} ({condition})"
    else:
        headline = f"{widget_title} is back to {value} (no longer {condition})"
    lines = [
        headline,
        f"Dashboard: {dashboard_name}",
        f"Time: {payload['time']}",
        f"Open: {subscription.link_url}" if subscription.link_url else "",
        "",
        f"Unsubscribe: {unsubscribe}",
    ]
    message = EmailMessage(
        subject=one_line(f"[{payload['state'].upper()}] {headline}"),
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscription.email],
        headers=unsubscribe_headers(unsubscribe),
    )
    subscription_mark_sent(subscription_id=subscription.pk)
    return message
