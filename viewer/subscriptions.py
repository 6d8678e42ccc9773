"""A viewer's subscriptions from the embed, and the public pages of their e-mails' links.

`/embed/<dashboard>/subscriptions` (Authorization: Bearer <embed token>, like the data
endpoints; same origin only: the embed page calls it, no CORS): GET lists the session user's
own, POST creates one (403 without `allow_subscriptions`), DELETE …/<id> deletes one.

`/subscriptions/confirm/<token>` and `/subscriptions/unsubscribe/<token>`: a GET shows what the
link is for and a button; only the POST acts, so a mail scanner or link prefetcher that opens
every URL confirms and cancels nothing. The POST needs no CSRF token: it reads no cookie, and
the token in the URL is the whole credential, which a cross-site attacker does not have. The
unsubscribe POST is also RFC 8058's one-click request that mail clients send from the
`List-Unsubscribe-Post` header. Both are idempotent, and a link of one purpose is unknown to
the other (different columns).
"""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from core.errors import ApiError, InvalidInput
from core.ratelimit import parse_rate, rate_limit_check
from embeds.selectors import VerifiedEmbed, embed_session_verify
from interface.errors import error_response
from subscriptions import emails, selectors, services
from subscriptions.inputs import parse_new_subscription
from viewer.page_config import allowed_origins
from viewer.views import bearer_token, session_rate_check

MAX_BODY = 4096


def _verified(request: HttpRequest, dashboard_id: str) -> VerifiedEmbed:
    verified = embed_session_verify(token=bearer_token(request), dashboard_id=dashboard_id)
    session_rate_check(verified)
    return verified


def _answer(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt  # token-authenticated, never cookies
def embed_subscriptions(request: HttpRequest, dashboard_id: str) -> HttpResponse:
    try:
        if request.method not in ("GET", "POST"):
            raise ApiError("Use GET or POST here.", code="method_not_allowed", status=405)
        verified = _verified(request, dashboard_id)
        if request.method == "GET":
            own = selectors.with_reasons(
                selectors.subscriptions_of_viewer(claims=verified.claims, dashboard_id=dashboard_id)
            )
            response = JsonResponse({"results": [selectors.subscription_to_dict(s) for s in own]})
        else:
            response = JsonResponse(_create(request, verified), status=201)
    except ApiError as error:
        response = error_response(error)
    return _answer(response)


def _create(request: HttpRequest, verified: VerifiedEmbed) -> dict[str, Any]:
    claims = verified.claims
    services.check_may_subscribe(claims)  # 403 before the body is even read
    rate_limit_check(
        bucket=f"subscriptions:session:{claims.jti}",
        rate=parse_rate(settings.SUBSCRIPTION_RATE_LIMIT),
    )
    if len(request.body) > MAX_BODY:
        raise InvalidInput("The body is too large.")
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise InvalidInput("The body is not JSON.", code="malformed_json") from None
    new = parse_new_subscription(body)
    if new.link_url and _origin(new.link_url) not in allowed_origins(
        verified.dashboard.organization
    ):
        raise InvalidInput(
            "The subscription is invalid.",
            details=[{"field": "link_url", "message": "Not on an allowed embed origin."}],
        )
    with transaction.atomic():
        subscription = services.subscription_create(verified=verified, new=new)
        emails.confirmation_send(subscription, token=subscription.confirm_token)
    return selectors.subscription_to_dict(subscription)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@csrf_exempt  # token-authenticated, never cookies
def embed_subscription(
    request: HttpRequest, dashboard_id: str, subscription_id: str
) -> HttpResponse:
    try:
        if request.method != "DELETE":
            raise ApiError("Only DELETE is allowed here.", code="method_not_allowed", status=405)
        verified = _verified(request, dashboard_id)
        subscription = selectors.subscription_of_viewer(
            claims=verified.claims, dashboard_id=dashboard_id, subscription_id=subscription_id
        )
        services.subscription_delete(subscription=subscription)
        response = HttpResponse(status=204)
    except ApiError as error:
        response = error_response(error)
    return _answer(response)


# --- The links of the e-mails -----------------------------------------------------------------

PAGES = {
    ("confirm", "ask"): ("Confirm your subscription", "Confirm to start receiving it.", "Confirm"),
    ("confirm", "done"): ("Subscription confirmed", "You will receive it from now on.", ""),
    ("confirm", "already"): ("Already confirmed", "This subscription was confirmed before.", ""),
    ("confirm", "expired"): (
        "This link has expired",
        "Subscribe again from the dashboard to get a new link.",
        "",
    ),
    ("confirm", "unavailable"): ("It cannot be confirmed", "", ""),
    ("unsubscribe", "ask"): (
        "Unsubscribe",
        "You will receive no more e-mails of this subscription.",
        "Unsubscribe",
    ),
    ("unsubscribe", "done"): ("You are unsubscribed", "You will receive no more of these.", ""),
    ("unsubscribe", "already"): (
        "Already unsubscribed",
        "This subscription was cancelled before.",
        "",
    ),
}
UNKNOWN = ("This link is not valid", "It may be mistyped, or its subscription was deleted.", "")


def _page(request: HttpRequest, purpose: str, state: str, outcome: Any = None) -> HttpResponse:
    title, message, action = PAGES.get((purpose, state), UNKNOWN)
    subscription = getattr(outcome, "subscription", None)
    context = {
        "title": title,
        "message": getattr(outcome, "message", "") or message,
        "action": action,
        "state": state if (purpose, state) in PAGES else "unknown",
        "one_click": purpose == "unsubscribe",
        "what": emails.what_it_is(subscription, widget_title=subscription.widget_id)
        + f" for {subscription.email}"
        if subscription is not None
        else "",
    }
    status = 404 if context["state"] == "unknown" else 200
    response = render(request, "subscriptions/link.html", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return _answer(response)


def _link_rate_limit(request: HttpRequest) -> None:
    rate_limit_check(
        bucket=f"subscriptions:link:{request.META.get('REMOTE_ADDR', '')}",
        rate=parse_rate(settings.SUBSCRIPTION_LINK_RATE_LIMIT),
    )


def _link(
    request: HttpRequest,
    purpose: str,
    *,
    act: Callable[[], Any],
    find: Callable[[], Any],
    used: Callable[[Any], bool],
) -> HttpResponse:
    """A link's page: a GET says what the link is for (a button, or that it was used); only a
    POST acts."""
    try:
        _link_rate_limit(request)
    except ApiError as error:
        return error_response(error)
    if request.method == "POST":
        outcome = act()
        return _page(request, purpose, outcome.state, outcome)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    subscription = find()
    if subscription is None:
        return _page(request, purpose, "unknown")
    state = "already" if used(subscription) else "ask"
    return _page(request, purpose, state, services.LinkOutcome(state, subscription))


@csrf_exempt  # see the module docstring: the token is the credential, no cookie is read
def confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    return _link(
        request,
        "confirm",
        act=lambda: services.subscription_confirm(token=token),
        find=lambda: services.subscription_for_confirm_token(token),
        used=lambda subscription: subscription.status != "pending",
    )


@csrf_exempt  # RFC 8058 one-click: a mail client's POST carries no cookie and no CSRF token
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    return _link(
        request,
        "unsubscribe",
        act=lambda: services.subscription_unsubscribe(token=token),
        find=lambda: services.subscription_for_unsubscribe_token(token),
        used=lambda subscription: subscription.status == "unsubscribed",
    )
