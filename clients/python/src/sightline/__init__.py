"""Sightline backend SDK: embed sessions, events, dashboards, discovery, alerts and
organization settings of a Sightline server.

    from sightline import Sightline

    client = Sightline(host="https://analytics.example.com", api_key="sl_...")
    session = client.create_embed_session(tenant_id="acme", dashboard_id="dash_...")
"""

from sightline._client import VERSION, EmbedSession, SentEvents, Sightline
from sightline.errors import (
    SightlineApiError,
    SightlineArgumentError,
    SightlineAuthenticationError,
    SightlineConflictError,
    SightlineConnectionError,
    SightlineError,
    SightlineInvalidRequestError,
    SightlineNotFoundError,
    SightlinePermissionError,
    SightlineRateLimitError,
    SightlineServerError,
)

__version__ = VERSION
__all__ = [
    "EmbedSession",
    "SentEvents",
    "Sightline",
    "SightlineApiError",
    "SightlineArgumentError",
    "SightlineAuthenticationError",
    "SightlineConflictError",
    "SightlineConnectionError",
    "SightlineError",
    "SightlineInvalidRequestError",
    "SightlineNotFoundError",
    "SightlinePermissionError",
    "SightlineRateLimitError",
    "SightlineServerError",
]
