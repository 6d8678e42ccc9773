"""Subscriptions fixtures: the embeds tests' dashboard, events and sessions, plus a viewer who
subscribes through the real embed endpoint and the links of the e-mails it receives."""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import dashboard, embed_get, issue, seeded  # noqa: F401

ALL_PERIODS = ("24h", "7d", "30d", "90d", "custom")
LINK_RE = re.compile(r"https?://\S+/subscriptions/(confirm|unsubscribe)/([A-Za-z0-9_-]+)")


def viewer_permissions(**fields: Any) -> EmbedPermissions:
    values: dict[str, Any] = {"allowed_periods": ALL_PERIODS, "allow_subscriptions": True}
    return EmbedPermissions(**{**values, **fields})


@pytest.fixture
def subscribe(client: Any, dashboard: Any) -> Callable[..., Any]:  # noqa: F811
    """subscribe(token, **body) -> the POST /embed/<dashboard>/subscriptions response."""

    def post(token: str, dashboard_id: str | None = None, **body: Any) -> Any:
        return client.post(
            f"/embed/{dashboard_id or dashboard.pk}/subscriptions",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return post


def links(message: Any) -> dict[str, str]:
    """{"confirm": token, "unsubscribe": token} of one e-mail's text."""
    return {purpose: token for purpose, token in LINK_RE.findall(message.body)}


def link_path(purpose: str, token: str) -> str:
    return f"/subscriptions/{purpose}/{token}"
