"""What a viewer sends to subscribe, checked before anything is stored: one shape for the
embed page and any native component. Unknown keys are errors, like everywhere else."""

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from alerts.conditions import OPERATOR_SYMBOLS
from core.errors import InvalidInput
from core.periods import ALERT_WINDOWS
from subscriptions.models import Frequency, Kind

FIELDS = {
    Kind.DIGEST: {"kind", "email", "frequency", "link_url"},
    Kind.ALERT: {"kind", "email", "widget_id", "operator", "threshold", "window", "link_url"},
}
REQUIRED = {
    Kind.DIGEST: ("email", "frequency"),
    Kind.ALERT: ("email", "widget_id", "operator", "threshold"),
}


@dataclass(frozen=True)
class NewSubscription:
    kind: str
    email: str
    frequency: str = ""
    widget_id: str = ""
    operator: str = ""
    threshold: float | None = None
    window: str = ""
    link_url: str = ""


def parse_new_subscription(body: Any) -> NewSubscription:
    """The request body -> NewSubscription; InvalidInput (400) naming every bad field."""
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.")
    kind = body.get("kind")
    if kind not in FIELDS:
        raise _invalid("kind", "Must be 'digest' or 'alert'.")
    details = [
        {"field": key, "message": "Unknown field."} for key in sorted(set(body) - FIELDS[kind])
    ]
    details += [
        {"field": key, "message": "Required."} for key in REQUIRED[kind] if body.get(key) is None
    ]
    if details:
        raise InvalidInput("The subscription is invalid.", details=details)
    email = body["email"]
    if not isinstance(email, str) or len(email) > 254 or not _is_email(email.strip()):
        details.append({"field": "email", "message": "Must be an e-mail address."})
    link_url = body.get("link_url") or ""
    if not isinstance(link_url, str) or (link_url and not _is_web_url(link_url)):
        details.append({"field": "link_url", "message": "Must be an http(s) URL."})
    if kind == Kind.DIGEST:
        if body["frequency"] not in Frequency.values:
            details.append({"field": "frequency", "message": "Must be 'daily' or 'weekly'."})
        _raise_if(details)
        return NewSubscription(
            kind=kind, email=email.strip(), frequency=body["frequency"], link_url=link_url
        )
    widget_id, operator, threshold = body["widget_id"], body["operator"], body["threshold"]
    window = body.get("window") or ""
    if not isinstance(widget_id, str) or not widget_id or len(widget_id) > 64:
        details.append({"field": "widget_id", "message": "Must be a widget id."})
    if operator not in OPERATOR_SYMBOLS:
        details.append({"field": "operator", "message": f"One of: {', '.join(OPERATOR_SYMBOLS)}."})
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not math.isfinite(threshold)
    ):
        details.append({"field": "threshold", "message": "Must be a number."})
    if window and window not in ALERT_WINDOWS:
        details.append({"field": "window", "message": f"One of: {', '.join(ALERT_WINDOWS)}."})
    _raise_if(details)
    return NewSubscription(
        kind=kind,
        email=email.strip(),
        widget_id=widget_id,
        operator=operator,
        threshold=float(threshold),
        window=window,
        link_url=link_url,
    )


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return "\n" not in value and "\r" not in value


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return len(value) <= 2000 and parts.scheme in ("http", "https") and bool(parts.netloc)


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        "The subscription is invalid.", details=[{"field": field, "message": message}]
    )


def _raise_if(details: list[dict[str, str]]) -> None:
    if details:
        raise InvalidInput("The subscription is invalid.", details=details)
