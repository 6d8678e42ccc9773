"""The single-purpose secrets of a subscription's e-mails: a confirmation token (one per
subscription) and unsubscribe tokens (a fresh one in every e-mail). Each is 256 random bits
(`secrets.token_urlsafe`); only its SHA-256 is stored, in a column of its own purpose, so a
confirmation token can never unsubscribe and an unsubscribe token can never confirm."""

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings

from subscriptions.models import UnsubscribeLink

if TYPE_CHECKING:
    from subscriptions.models import Subscription

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def confirm_url(token: str) -> str:
    return f"{settings.PUBLIC_URL}/subscriptions/confirm/{token}"


def unsubscribe_url_mint(subscription: "Subscription") -> str:
    """A new unsubscribe link for one e-mail of the subscription (its hash is stored)."""
    token = new_token()
    UnsubscribeLink.objects.create(subscription=subscription, token_hash=token_hash(token))
    return f"{settings.PUBLIC_URL}/subscriptions/unsubscribe/{token}"


def unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058: mail clients offer one-click unsubscribing (a POST to the URL)."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
