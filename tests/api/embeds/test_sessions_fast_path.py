"""The fast validation of POST /v1/embed-sessions (msgspec) and the DRF serializer agree: for
every body the fast path accepts, both give the same SessionRequest; every body it declines
goes to the serializer, which names the errors (test_sessions_api covers those answers)."""

import pytest

from api.embeds.fast import session_request_fast
from api.embeds.serializers import EmbedSessionCreateSerializer

BASE = {"tenant_id": "t1", "dashboard_id": "dash_1"}
ACCEPTED = [
    BASE,
    {**BASE, "expires_in": 60, "user": "ann@example.com", "allow_export": True},
    {**BASE, "timezone": "Europe/Paris", "theme": {"primaryColor": "#112233", "mode": "dark"}},
    {
        **BASE,
        "permissions": {
            "locked_filters": {"region": "eu"},
            "hidden_widgets": ["w_a", "w_a", "w_b"],
            "allowed_periods": ["30d", "7d", "30d"],
            "allow_drill_down": True,
            "max_date_range_days": 31,
        },
    },
    {**BASE, "permissions": {}, "theme": {}, "timezone": None, "user": ""},
    {**BASE, "permissions": {"max_date_range_days": None}},
    {**BASE, "widget_id": "w_a", "single_use_url": True},
    {**BASE, "widget_id": None, "single_use_url": False},
]
DECLINED = [  # each is something the serializer coerces, trims or refuses
    {**BASE, "tenant_id": " t1 "},
    {**BASE, "tenant_id": ""},
    {**BASE, "tenant_id": 5},
    {**BASE, "expires_in": "60"},
    {**BASE, "expires_in": 0},
    {**BASE, "expires_in": 10**9},
    {**BASE, "allow_export": "true"},
    {**BASE, "timezone": "Mars/Olympus"},
    {**BASE, "timezone": ""},
    {**BASE, "theme": {"primaryColor": "red"}},
    {**BASE, "theme": {"primaryColor": None}},
    {**BASE, "theme": {"mode": "neon"}},
    {**BASE, "permissions": None},
    {**BASE, "permissions": {"allowed_periods": []}},
    {**BASE, "permissions": {"allowed_periods": ["1y"]}},
    {**BASE, "permissions": {"hidden_widgets": [" w_a"]}},
    {**BASE, "permissions": {"locked_filters": {"region": ""}}},
    {**BASE, "permissions": {"max_date_range_days": True}},
    {**BASE, "surprise": 1},
    {**BASE, "widget_id": ""},
    {**BASE, "widget_id": " w_a"},
    {**BASE, "widget_id": 7},
    {**BASE, "single_use_url": "yes"},
    {"tenant_id": "t1"},
    ["not", "an", "object"],
]


def _serialized(body):
    serializer = EmbedSessionCreateSerializer(data=body)
    return serializer.to_request() if serializer.is_valid() else None


@pytest.mark.parametrize("body", ACCEPTED)
def test_the_fast_path_gives_what_the_serializer_gives(body):
    fast = session_request_fast(body)
    assert fast is not None
    assert fast == _serialized(body)


@pytest.mark.parametrize("body", DECLINED)
def test_the_fast_path_leaves_the_rest_to_the_serializer(body):
    assert session_request_fast(body) is None
