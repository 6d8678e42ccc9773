"""Hidden widgets leave no holes (issue 14, item 8): the embed page's grid packs the visible
widgets again, in reading order; with nothing hidden the designer's layout stays as it is."""

import json

import pytest

from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import publish
from tests.factories import spec, widget

pytestmark = pytest.mark.django_db
PERIODS = ("24h", "7d", "30d", "90d", "custom")


def page_widgets(client, dashboard, token) -> dict[str, dict]:
    page = client.get(f"/embed/{dashboard.pk}", {"token": token}).content.decode()
    opening = '<script id="sl-config" type="application/json">'
    start = page.index(opening) + len(opening)
    config = json.loads(page[start : page.index("</script>", start)])
    return {w["id"]: w["layout"] for w in config["widgets"]}


@pytest.fixture
def grid(org):
    """a b c on the first row (4 columns each), d under a and b, e full width at the bottom."""
    at = {
        "a": (0, 0, 4, 2),
        "b": (4, 0, 4, 2),
        "c": (8, 0, 4, 2),
        "d": (0, 2, 8, 3),
        "e": (0, 5, 12, 4),
    }
    widgets = [
        widget(f"w_{name}", layout=dict(zip("xywh", box, strict=True))) for name, box in at.items()
    ]
    return publish(org.organization, spec("Grid", widgets=widgets))


def test_nothing_hidden_keeps_the_designers_layout(client, issue, grid) -> None:
    layouts = page_widgets(client, grid, issue(dashboard_id=grid.pk))
    assert layouts["w_c"] == {"x": 8, "y": 0, "w": 4, "h": 2}
    assert layouts["w_e"] == {"x": 0, "y": 5, "w": 12, "h": 4}


def test_hidden_widgets_leave_no_holes(client, issue, grid) -> None:
    permissions = EmbedPermissions(hidden_widgets=("w_a", "w_d"), allowed_periods=PERIODS)
    layouts = page_widgets(client, grid, issue(dashboard_id=grid.pk, permissions=permissions))
    assert set(layouts) == {"w_b", "w_c", "w_e"}
    assert layouts["w_b"] == {"x": 0, "y": 0, "w": 4, "h": 2}  # moved into a's place
    assert layouts["w_c"] == {"x": 4, "y": 0, "w": 4, "h": 2}
    assert layouts["w_e"] == {"x": 0, "y": 2, "w": 12, "h": 4}  # up to the first free row
    covered = {
        (x, y)
        for box in layouts.values()
        for x in range(box["x"], box["x"] + box["w"])
        for y in range(box["y"], box["y"] + box["h"])
    }
    assert len(covered) == sum(b["w"] * b["h"] for b in layouts.values())  # no overlaps


# --- A frame on an origin that is not allowed is explained (item 10) ------------------------


def test_a_frame_on_an_origin_not_allowed_gets_an_explanation(client, issue, org, grid) -> None:
    org.organization.allowed_embed_origins = ["https://app.customer.example"]
    org.organization.save()
    url, token = f"/embed/{grid.pk}", issue(dashboard_id=grid.pk)
    framed = {"HTTP_SEC_FETCH_DEST": "iframe"}
    blocked = client.get(url, {"token": token}, HTTP_REFERER="https://evil.example/", **framed)
    assert blocked.status_code == 403
    page = blocked.content.decode()
    assert "Pages on <code>https://evil.example</code> are not allowed" in page
    assert "sl-config" not in page and token not in page  # no dashboard, no data
    assert blocked["Content-Security-Policy"].endswith("frame-ancestors *")

    allowed = client.get(
        url, {"token": token}, HTTP_REFERER="https://app.customer.example/", **framed
    )
    assert allowed.status_code == 200 and "sl-config" in allowed.content.decode()
    assert (
        "frame-ancestors 'self' https://app.customer.example" in allowed["Content-Security-Policy"]
    )
    no_referrer = client.get(url, {"token": token}, **framed)  # the browser's CSP decides
    assert no_referrer.status_code == 200
