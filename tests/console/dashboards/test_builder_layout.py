"""POST /app/dashboards/<id>/layout: the builder's drag and resize (static/src/console/grid.js)
save every widget's box through dashboards.services; the side panel comes back with the open
widget's number fields showing the saved box, and the preview is told to reload."""

import json

import pytest

from dashboards.models import Dashboard
from dashboards.services import dashboard_create
from tests.console.dashboards.test_builder import kpi

pytestmark = pytest.mark.django_db


@pytest.fixture
def dashboard(org) -> Dashboard:
    widgets = [
        kpi("w_a", title="A"),
        kpi("w_b", title="B", layout={"x": 3, "y": 0, "w": 3, "h": 2}),
        kpi("w_c", title="C", layout={"x": 0, "y": 2, "w": 12, "h": 4}),
    ]
    return dashboard_create(
        organization=org.organization, spec={"name": "Usage", "widgets": widgets}
    )


def post(client, dashboard, boxes, htmx=None, **extra):
    raw = boxes if isinstance(boxes, str) else json.dumps(boxes)
    return client.post(
        f"/app/dashboards/{dashboard.pk}/layout", {"layout": raw, **extra}, headers=htmx or {}
    )


def saved(dashboard) -> list[tuple[str, dict]]:
    return [
        (w["id"], w["layout"]) for w in Dashboard.objects.get(pk=dashboard.pk).draft_spec["widgets"]
    ]


def box(widget_id, x, y, w, h) -> dict:
    return {"id": widget_id, "x": x, "y": y, "w": w, "h": h}


def test_a_drop_saves_every_box_and_the_list_follows_the_grid(admin_client, dashboard, htmx):
    # C dragged to the top, which pushed A and B below it; B widened.
    boxes = [box("w_c", 0, 0, 12, 4), box("w_a", 0, 4, 3, 2), box("w_b", 3, 4, 5, 2)]

    response = post(admin_client, dashboard, boxes, htmx, selected="w_b")

    assert response.status_code == 200
    assert response["HX-Trigger"] == "draft-changed"  # the preview reloads
    assert saved(dashboard) == [
        ("w_c", {"x": 0, "y": 0, "w": 12, "h": 4}),  # reading order: row, then column
        ("w_a", {"x": 0, "y": 4, "w": 3, "h": 2}),
        ("w_b", {"x": 3, "y": 4, "w": 5, "h": 2}),
    ]
    body = response.content.decode()
    assert 'data-widget-id="w_b"' in body  # the open editor comes back, with the saved box
    for name, value in (("x", 3), ("y", 4), ("w", 5), ("h", 2)):
        assert f'name="{name}" value="{value}"' in body


def test_widgets_left_out_keep_their_box(admin_client, dashboard, htmx):
    post(admin_client, dashboard, [box("w_b", 6, 0, 6, 2)], htmx)

    assert dict(saved(dashboard))["w_a"] == {"x": 0, "y": 0, "w": 3, "h": 2}
    assert dict(saved(dashboard))["w_b"] == {"x": 6, "y": 0, "w": 6, "h": 2}


def test_the_number_fields_save_through_the_same_ordering(admin_client, dashboard, htmx):
    from tests.console.dashboards.test_builder import widget_post

    admin_client.post(
        f"/app/dashboards/{dashboard.pk}/widgets/w_a", widget_post(title="A", y=6), headers=htmx
    )

    assert [widget_id for widget_id, _ in saved(dashboard)] == ["w_b", "w_c", "w_a"]


@pytest.mark.parametrize(
    "boxes",
    [
        "not json",
        "[]",
        '{"w_a": [0, 0, 3, 2]}',
        [{"id": "w_a", "x": 0, "y": 0, "w": 3}],  # a key missing
        [{**box("w_a", 0, 0, 3, 2), "z": 1}],  # a key too many
        [box("w_a", 0, 0, 3, "2")],  # text, not a number
        [box("w_a", 0, 0, 3, True)],
        [box("w_a", 0, 0, 3, 2), box("w_a", 3, 0, 3, 2)],  # one widget twice
    ],
)
def test_a_malformed_layout_is_a_400_and_changes_nothing(admin_client, dashboard, htmx, boxes):
    before = saved(dashboard)

    response = post(admin_client, dashboard, boxes, htmx)

    assert response.status_code == 400
    assert saved(dashboard) == before


@pytest.mark.parametrize(
    "bad",
    [
        box("w_a", 12, 0, 3, 2),
        box("w_a", 0, -1, 3, 2),
        box("w_a", 0, 0, 3, 13),
        box("w_a", 10, 0, 3, 2),  # ends past the grid
    ],
)
def test_a_box_the_spec_refuses_changes_nothing_and_says_why(admin_client, dashboard, htmx, bad):
    before = saved(dashboard)

    response = post(admin_client, dashboard, [bad, box("w_b", 6, 0, 3, 2)], htmx)

    assert saved(dashboard) == before  # not even the valid box of w_b
    assert "The layout could not be saved" in response.content.decode()
    assert response["HX-Trigger"] == "draft-changed"  # the preview snaps back to the draft


def test_a_widget_that_is_gone_is_a_404_and_changes_nothing(admin_client, dashboard, htmx):
    before = saved(dashboard)

    response = post(admin_client, dashboard, [box("w_gone", 0, 0, 3, 2)], htmx)

    assert response.status_code == 404
    assert saved(dashboard) == before


def test_without_htmx_the_builder_reloads(admin_client, dashboard):
    response = post(admin_client, dashboard, [box("w_a", 6, 2, 3, 2)])

    assert response.status_code == 302
    assert dict(saved(dashboard))["w_a"] == {"x": 6, "y": 2, "w": 3, "h": 2}


def test_the_preview_marks_an_editors_grid_only(admin_client, member_client, dashboard, org):
    from tests.console.dashboards.test_builder import send_events

    send_events(org.organization, "acme", 3)
    url = f"/app/dashboards/{dashboard.pk}/preview"
    editor = admin_client.get(url).content.decode()
    assert f'data-layout-url="/app/dashboards/{dashboard.pk}/layout"' in editor
    assert 'gs-id="w_b" gs-x="3" gs-y="0" gs-w="3" gs-h="2" gs-max-h="12"' in editor
    assert "data-layout-url" not in member_client.get(url).content.decode()  # read-only: static
