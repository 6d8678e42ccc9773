"""The server's chart renderer: real Node workers running @sightline/charts (ECharts' SSR and
resvg). Every chart kind becomes a PNG, the texts follow the cards' formatting, and a worker that
is killed or hangs is replaced."""

import base64
import os
import signal
import time

import pytest

from subscriptions.charts import ChartPool, ChartRenderError, ChartWorker
from tests.subscriptions.pngs import png_pixels_differ, png_size

POINTS = [[f"2026-11-{day:02d}T00:00:00Z", (day * 37) % 100 + 5] for day in range(1, 15)]
ROWS = [
    {"key": "gpt", "value": 1200.0},
    {"key": "claude", "value": 800.0},
    {"key": "other", "value": 50.0},
]


def chart(kind: str, chart: str, **fields):
    return {
        "id": f"w_{chart}",
        "title": chart,
        "kind": kind,
        "chart": chart,
        "group_by": [],
        **fields,
    }


def series(names=("all",), scale=1):
    return {
        "bucket": "day",
        "series": [
            {"name": n, "points": [[t, v * scale * (i + 1)] for t, v in POINTS]}
            for i, n in enumerate(names)
        ],
    }


CHARTS = [
    (chart("timeseries", "line"), series()),
    (chart("timeseries", "area"), series()),
    (chart("timeseries", "bar"), series()),
    (chart("timeseries", "stacked_area", group_by=["model"]), series(("gpt", "claude", "other"))),
    (chart("timeseries", "stacked_bar", group_by=["model"]), series(("gpt", "claude"))),
    (chart("breakdown", "bar", group_by=["model"]), {"rows": ROWS}),
    (chart("breakdown", "pie", group_by=["model"]), {"rows": ROWS}),
    (chart("breakdown", "donut", group_by=["model"]), {"rows": ROWS}),
]


@pytest.fixture
def pool():
    pool = ChartPool(size=2, timeout=30)
    yield pool
    pool.close()


def job(widget, data, **extra):
    return {"widget": widget, "data": data, "theme": {}, "locale": "en-US", "scale": 2, **extra}


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_chart_kind_renders_a_png(pool, mode):
    cards = pool.render_cards([job(w, d, theme={"mode": mode}) for w, d in CHARTS])
    assert len(cards) == len(CHARTS)
    for (widget, _), card in zip(CHARTS, cards, strict=True):
        assert "error" not in card, card
        width, height = png_size(card["png"])
        assert width == 2 * card["width"] == 1120, widget["chart"]
        assert height >= 2 * card["height"] - 2
    # A light and a dark picture of one chart differ, and so do two kinds.
    assert png_pixels_differ(cards[0]["png"], cards[1]["png"])


def test_pixels_follow_the_data_and_theme(pool):
    widget = chart("timeseries", "line")
    a, b, c, d = pool.render_cards(
        [
            job(widget, series()),
            job(widget, series(scale=3)),
            job(widget, series()),
            job(widget, series(), theme={"primaryColor": "#dc2626"}),
        ]
    )
    assert png_pixels_differ(a["png"], b["png"])
    assert not png_pixels_differ(a["png"], c["png"])  # deterministic: equal data, equal image
    assert png_pixels_differ(a["png"], d["png"])


def test_cards_format_like_the_browser(pool):
    kpi = {
        "id": "w_k",
        "title": "Cost",
        "kind": "kpi",
        "chart": "progress",
        "group_by": [],
        "target": 2000,
        "format": {"unit": "currency", "currency": "EUR"},
    }
    table = {"id": "w_t", "title": "T", "kind": "table", "chart": "table", "group_by": ["model"]}
    funnel = {"id": "w_f", "title": "F", "kind": "funnel", "chart": "funnel", "group_by": []}
    steps = [
        {"event": "signup", "users": 200, "conversion": 1.0, "step_conversion": 1.0},
        {"event": "pay", "users": 50, "conversion": 0.25, "step_conversion": 0.25},
    ]
    cards = pool.render_cards(
        [
            job(kpi, {"value": 1500.0, "previous": 1000.0}, locale="fr-FR"),
            job(table, {"columns": ["model", "sum(tokens)"], "rows": [["gpt", 12345.0]]}),
            job(funnel, {"steps": steps}),
            job(chart("breakdown", "list", group_by=["m"]), {"rows": []}),
            {"time": "2026-12-01 10:00:00", "timezone": "Europe/Paris", "locale": "de-DE"},
        ]
    )
    kpi_card, table_card, funnel_card, empty, when = cards
    assert kpi_card["kpi"]["value"] == "1\u202f500\u00a0€"
    assert kpi_card["kpi"]["change"] == {"direction": "up", "text": "▲ 50.0% vs previous period"}
    assert kpi_card["kpi"]["progress"] == {
        "ratio": 0.75,
        "text": "75% of the 2\u202f000\u00a0€ target",
    }
    assert table_card["table"]["columns"] == [
        {"label": "Model", "numeric": False},
        {"label": "Sum of tokens", "numeric": True},
    ]
    assert table_card["table"]["rows"] == [["gpt", "12.3K"]]
    assert [s["note"] for s in funnel_card["steps"]] == ["100% · first step", "25.0% of step 1"]
    assert empty == {"kind": "breakdown", "empty": True, "text": "No data for this period."}
    assert when == {"text": "01.12.2026, 11:00:00"}


def test_a_killed_worker_is_restarted(pool):
    widget, data = CHARTS[0]
    [first] = pool.render_cards([job(widget, data)])
    worker = next(w for w in pool.workers if w.alive())
    old_pid = worker.pid
    os.kill(old_pid, signal.SIGKILL)
    worker.process.wait()
    cards = [pool.render_cards([job(widget, data)])[0] for _ in range(3)]  # every worker is asked
    assert all(not png_pixels_differ(first["png"], card["png"]) for card in cards)
    assert worker.alive() and worker.pid != old_pid


def test_a_hanging_worker_times_out_and_is_killed(settings):
    worker = ChartWorker(timeout=30)
    worker.request([job(*CHARTS[0])])  # started and warm
    worker.timeout = 0.5
    process = worker.process
    os.kill(process.pid, signal.SIGSTOP)  # alive but silent
    started = time.monotonic()
    with pytest.raises(ChartRenderError, match="timed out"):
        worker.request([job(*CHARTS[0])])
    assert time.monotonic() - started < 5
    assert process.poll() is not None  # killed, not left behind
    worker.timeout = 30
    [card] = worker.request([job(*CHARTS[0])])["cards"]  # the next request starts a new one
    assert png_size(base64.b64decode(card["png"]))[0] == 1120
    worker.stop()


def test_missing_node_is_a_clear_error(settings):
    settings.SIGHTLINE_NODE = "/nonexistent/node"
    worker = ChartWorker(timeout=5)
    with pytest.raises(ChartRenderError, match="cannot start the chart renderer"):
        worker.request([job(*CHARTS[0])])


def test_a_failing_job_does_not_fail_the_others(pool):
    broken = chart("timeseries", "line")
    cards = pool.render_cards(
        [job(broken, {"bucket": "day", "series": "not a list"}), job(*CHARTS[5])]
    )
    assert "error" in cards[0] and "png" in cards[1]


def test_time_axes_follow_the_digest_time_zone(pool):
    hourly = {
        "bucket": "hour",
        "series": [
            {
                "name": "all",
                "points": [[f"2026-12-01T{h:02d}:00:00Z", h % 5 + 1] for h in range(24)],
            }
        ],
    }
    widget = chart("timeseries", "line")
    utc, tokyo, utc_again = pool.render_cards(
        [job(widget, hourly, timezone=tz) for tz in ("UTC", "Asia/Tokyo", "UTC")]
    )
    assert png_pixels_differ(utc["png"], tokyo["png"])  # the hour labels moved by 9 hours
    assert not png_pixels_differ(utc["png"], utc_again["png"])


def test_a_sparkline_kpi_draws_its_line_as_a_png(pool):
    """The card's own line (cards/sparkline.js' path) in the theme's primary colour: the value
    and change as text, the trend as an image that follows the points and the theme."""
    widget = {"id": "w_s", "title": "Users", "kind": "kpi", "chart": "sparkline", "group_by": []}
    rising = {"value": 42.0, "previous": 21.0, "bucket": "day", "points": POINTS}
    falling = {**rising, "points": [[t, 200 - v] for t, v in POINTS]}
    gap = {**rising, "points": [[t, None] for t, _ in POINTS]}
    a, b, c, red, empty = pool.render_cards(
        [
            job(widget, rising),
            job(widget, falling),
            job(widget, rising),
            job(widget, rising, theme={"primaryColor": "#dc2626"}),
            job(widget, gap),
        ]
    )
    assert a["kpi"]["value"] == "42" and a["kpi"]["change"]["direction"] == "up"
    line = a["kpi"]["sparkline"]
    assert "svg" not in line
    assert png_size(line["png"]) == (2 * line["width"], 2 * line["height"]) == (320, 64)
    assert line["label"] == "Trend over the period, 14 points: from 42 to 23"
    assert png_pixels_differ(line["png"], b["kpi"]["sparkline"]["png"])
    assert not png_pixels_differ(line["png"], c["kpi"]["sparkline"]["png"])
    assert png_pixels_differ(line["png"], red["kpi"]["sparkline"]["png"])
    assert png_pixels_differ(line["png"], empty["kpi"]["sparkline"]["png"])  # no line drawn
