"""A second look at the designer's grant (issue 11's security list): ways to see more than
the token allows that the first tests did not try."""

import json
from typing import Any

import pytest

from dashboards.models import DashboardVariant
from embeds.tokens import EmbedPermissions
from tests.factories import widget

pytestmark = pytest.mark.django_db

ALL_PERIODS = ("24h", "7d", "30d", "90d", "custom")
BOX = {"x": 0, "y": 0, "w": 6, "h": 4}


def designer(**extra: Any) -> EmbedPermissions:
    return EmbedPermissions(allowed_periods=ALL_PERIODS, role="designer", **extra)


@pytest.fixture
def put(client):
    def send(dashboard_id: str, token: str, body: Any) -> Any:
        return client.put(
            f"/embed/{dashboard_id}/variant",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return send


@pytest.mark.parametrize(
    "shape",
    [
        {"kind": "timeseries", "chart": "line", "bucket": "day"},
        {"kind": "breakdown", "chart": "bar", "group_by": ["model"], "limit": 10},
    ],
    ids=["over-time", "by-model"],
)
def test_a_hidden_widget_cannot_be_copied_in_another_shape(issue, put, dashboard, seeded, shape):
    """w_secret (sum of cost over api.call) is hidden: the same numbers as a series or a
    breakdown are the hidden widget again."""
    token = issue(user="jane", permissions=designer(hidden_widgets=("w_secret",)))
    twin = widget("w_my_cost", title="Mine", metric="sum", prop="cost", layout=BOX, **shape)

    response = put(dashboard.pk, token, {"widgets": [twin]})

    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "widget_hidden"
    assert not DashboardVariant.objects.exists()


def test_what_a_visible_widget_computes_stays_chartable_in_any_shape(issue, put, dashboard, seeded):
    """The count of api.call is visible (w_kpi): hiding w_secret does not forbid it."""
    token = issue(user="jane", permissions=designer(hidden_widgets=("w_secret",)))
    counts = widget(
        "w_my_counts", kind="breakdown", chart="bar", group_by=["plan"], limit=5, layout=BOX
    )

    assert put(dashboard.pk, token, {"widgets": [counts]}).status_code == 200


def test_edit_state_never_offers_values_from_outside_the_lock(issue, embed_get, dashboard, seeded):
    """The tenant's top values are counted over all its rows: a session under a locked filter
    gets none, even when an unlocked session of the same tenant asked first (the cache)."""
    free = issue(user="ann", permissions=designer())
    locked = issue(user="jane", permissions=designer(locked_filters={"plan": "pro"}))

    first = embed_get(f"/embed/{dashboard.pk}/variant", free).json()["schema"]
    second = embed_get(f"/embed/{dashboard.pk}/variant", locked)

    assert "claude" in first["top_values"]["model"]  # only ever on plan=free rows
    assert second.status_code == 200, second.content
    assert second.json()["schema"]["top_values"] == {}
    assert "claude" not in second.content.decode()
