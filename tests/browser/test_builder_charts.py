"""The builder's chart controls of issue 14 (items 5 and 6) in Debian's Chromium: the time
series' "Compare with the previous period" and the KPI's sparkline chart change the preview,
a widget without data shows the embed's empty state, and a narrow "Calls by model" tile keeps
its value axis readable (fewer, compact ticks). Uses test_builder's builder and helpers."""

import os
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_builder import (  # noqa: F401 - builder is a fixture
    builder,
    editor,
    open_editor,
    refreshed_after,
    save_widget,
    tile,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAINTED = """(id) => {
  const canvas = document.querySelector(`.tile[data-widget-id="${id}"] canvas`);
  if (!canvas) return 0;
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
}"""


def widget_data(page, widget_id: str) -> dict:
    return page.evaluate(
        f"() => JSON.parse(document.getElementById('data-{widget_id}').textContent)"
    )


def test_compare_with_the_previous_period_and_the_sparkline_change_the_preview(builder) -> None:  # noqa: F811
    page = builder
    open_editor(page, "Calls over time")
    compare = editor(page).get_by_label("Compare with the previous period")
    assert not compare.is_checked()
    assert "previous" not in widget_data(page, "w_trend")
    compare.check()
    save_widget(page)
    data = widget_data(page, "w_trend")
    # acme's 30 calls span 6 days (7d period): the previous period has none, every bucket is 0.
    assert len(data["previous"]["points"]) == len(data["series"][0]["points"])
    assert all(point[1] == 0 for point in data["previous"]["points"])
    window = [datetime.fromisoformat(data["previous"][k]) for k in ("from", "to")]
    assert window[1] - window[0] == timedelta(days=7)  # the same length, just before
    assert data["previous"]["to"] <= data["series"][0]["points"][1][0]
    page.wait_for_function(PAINTED.replace("(id) =>", "() => ((id) =>") + ")('w_trend') > 2000")
    refreshed_after(page, lambda: editor(page).get_by_label("Chart").select_option("stacked_bar"))
    assert editor(page).get_by_label("Compare with the previous period").count() == 0
    refreshed_after(page, lambda: editor(page).get_by_label("Chart").select_option("line"))
    assert editor(page).get_by_label("Compare with the previous period").is_checked()
    compare = editor(page).get_by_label("Compare with the previous period")
    compare.uncheck()
    save_widget(page)
    assert "previous" not in widget_data(page, "w_trend")

    open_editor(page, "Calls")
    refreshed_after(page, lambda: editor(page).get_by_label("Chart").select_option("sparkline"))
    save_widget(page)
    line = tile(page, "w_calls").locator(".sl-sparkline")
    assert int(line.get_attribute("data-points")) == len(widget_data(page, "w_calls")["points"])
    assert sum(p[1] for p in widget_data(page, "w_calls")["points"]) == 30  # acme's calls
    assert tile(page, "w_calls").locator(".sl-kpi-value").inner_text() == "30"


def test_an_empty_widget_says_so_and_a_narrow_bar_chart_stays_readable(builder) -> None:  # noqa: F811
    page = builder
    open_editor(page, "Calls by model")
    editor(page).get_by_label("Filters").fill("status = no-such-status")
    save_widget(page)
    # The tile's body is drawn by the page's script after the preview's swap: wait for it.
    expect(tile(page, "w_models")).to_have_text(re.compile(r"No data for this period\.\s*$"))

    editor(page).get_by_label("Filters").fill("")
    editor(page).get_by_label("Width").fill("3")
    save_widget(page)
    page.wait_for_function(PAINTED.replace("(id) =>", "() => ((id) =>") + ")('w_models') > 1000")
    page.set_viewport_size({"width": 900, "height": 900})
    page.wait_for_timeout(600)
    assert page.evaluate(PAINTED, "w_models") > 1000
    if os.environ.get("SIGHTLINE_SCREENSHOTS"):  # to look at the narrow tile
        path = f"{os.environ['SIGHTLINE_SCREENSHOTS']}/builder-narrow-bars.png"
        tile(page, "w_models").screenshot(path=path)
