"""Drag-and-drop layout in the builder preview (issue 14, item 2): gridstack in Debian's Chromium,
driven with Playwright's mouse. A drop and a resize save through dashboards.services (the draft
spec shows them after a reload), the open widget's number fields follow, the move buttons still
work from the keyboard, htmx swaps leave no listeners behind, and a phone gets one column."""

import pytest

from dashboards.models import Dashboard
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_builder import builder, open_editor, preview_after, tile  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def boxes(page) -> dict[str, dict[str, int]]:
    spec = Dashboard.objects.get(pk=page.dashboard.pk).draft_spec
    return {w["id"]: w["layout"] for w in spec["widgets"]}


def order(page) -> list[str]:
    return [w["id"] for w in Dashboard.objects.get(pk=page.dashboard.pk).draft_spec["widgets"]]


def column_px(page) -> float:
    return page.locator(".preview-grid").bounding_box()["width"] / 12


def drag(page, start: tuple[float, float], by: tuple[float, float]) -> None:
    """Press at `start`, move by `by` in small steps, release; wait for the saved layout and
    the preview it reloads."""
    x, y = start
    page.evaluate("() => document.querySelector('#preview').firstElementChild.dataset.stale = 1")
    with page.expect_response(lambda r: r.url.endswith("/layout") and r.status == 200):
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + by[0] / 2, y + by[1] / 2, steps=8)
        page.mouse.move(x + by[0], y + by[1], steps=8)
        page.mouse.up()
    page.wait_for_selector("#preview > :first-child:not([data-stale])", state="attached")
    page.wait_for_selector(".preview-grid.grid-stack .grid-stack-item")


def body_of(page, widget_id: str) -> dict[str, float]:
    """Where to grab a tile (its body: the title is a link), once the page stopped scrolling
    (opening the editor scrolls it smoothly)."""
    page.wait_for_function(
        "() => new Promise(done => {"
        " const y = scrollY; setTimeout(() => done(scrollY === y), 150) })"
    )
    tile(page, widget_id).scroll_into_view_if_needed()
    return tile(page, widget_id).locator(".tile-body").bounding_box()


def grid_ready(page) -> None:
    page.wait_for_selector(".preview-grid.grid-stack[gs-current-row] .tile-cell")


def field(page, label: str) -> str:
    return page.locator("#widget-editor").get_by_label(label, exact=True).input_value()


def test_drag_and_resize_save_the_layout_and_the_number_fields_follow(builder) -> None:  # noqa: F811
    page = builder
    grid_ready(page)
    open_editor(page, "Calls")
    assert (field(page, "Column"), field(page, "Width")) == ("0", "3")
    screenshot(page, "builder-grid-1280")

    kpi = body_of(page, "w_calls")
    drag(page, (kpi["x"] + 20, kpi["y"] + 10), (column_px(page) * 6, 0))
    assert boxes(page)["w_calls"] == {"x": 6, "y": 0, "w": 3, "h": 2}
    assert (field(page, "Column"), field(page, "Row")) == ("6", "0")  # the open editor follows
    grid_ready(page)

    body_of(page, "w_calls")
    handle = page.locator('.tile-cell[gs-id="w_calls"] .ui-resizable-se')
    page.locator('.tile-cell[gs-id="w_calls"]').hover()
    corner = handle.bounding_box()
    drag(
        page,
        (corner["x"] + corner["width"] / 2, corner["y"] + corner["height"] / 2),
        (column_px(page) * 3, 68),
    )
    saved = boxes(page)
    assert saved["w_calls"] == {"x": 6, "y": 0, "w": 6, "h": 3}
    assert saved["w_trend"]["y"] >= 3  # pushed below the taller KPI, not overlapped
    assert (field(page, "Width"), field(page, "Height")) == ("6", "3")

    page.reload()
    grid_ready(page)
    cell = page.locator('.tile-cell[gs-id="w_calls"]')
    assert [cell.get_attribute(f"gs-{k}") for k in "xywh"] == ["6", "0", "6", "3"]
    open_editor(page, "Calls")
    assert [field(page, label) for label in ("Column", "Row", "Width", "Height")] == [
        "6",
        "0",
        "6",
        "3",
    ]
    screenshot(page, "builder-grid-after-drag-1280")


def test_the_move_buttons_still_work_from_the_keyboard(builder) -> None:  # noqa: F811
    page = builder
    grid_ready(page)
    assert order(page)[:2] == ["w_calls", "w_trend"]
    page.get_by_role("button", name="Move Calls down").focus()
    preview_after(page, lambda: page.keyboard.press("Enter"))
    assert order(page)[:2] == ["w_trend", "w_calls"]
    assert boxes(page)["w_trend"]["y"] == 0
    grid_ready(page)
    assert page.locator('.tile-cell[gs-id="w_trend"]').get_attribute("gs-y") == "0"


def window_listeners(page, kind: str) -> int:
    session = page.context.new_cdp_session(page)
    window = session.send("Runtime.evaluate", {"expression": "window"})["result"]["objectId"]
    listeners = session.send("DOMDebugger.getEventListeners", {"objectId": window})["listeners"]
    session.detach()
    return sum(1 for listener in listeners if listener["type"] == kind)


def test_preview_swaps_restart_the_grid_without_leaking_listeners(builder) -> None:  # noqa: F811
    page = builder
    grid_ready(page)
    before = window_listeners(page, "resize")
    for tenant in ("globex", "acme", "globex"):
        preview_after(
            page, lambda t=tenant: page.get_by_label("Preview as tenant").select_option(t)
        )
        grid_ready(page)
    assert window_listeners(page, "resize") == before
    assert page.locator(".grid-stack").count() == 1


def test_a_phone_gets_one_column_and_nothing_to_drag(builder) -> None:  # noqa: F811
    page = builder
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector(".preview-grid .tile .sl-kpi-value")
    assert page.locator(".grid-stack").count() == 0
    grid = page.locator(".preview-grid").bounding_box()
    cells = [c.bounding_box() for c in page.locator(".tile-cell").all()]
    assert all(
        c["x"] >= grid["x"] - 1 and c["x"] + c["width"] <= grid["x"] + grid["width"] + 1
        for c in cells
    )
    wide = [c for c in cells if c["width"] > grid["width"] * 0.9]
    assert len(wide) == 3  # the charts and the table take the whole width, the KPI half
    tops = sorted(c["y"] for c in cells)
    assert len(set(round(t) for t in tops)) == len(cells)  # one above another, none side by side
    screenshot(page, "builder-grid-390")
