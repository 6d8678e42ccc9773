"""The spec vocabulary: the kinds, charts, metrics, buckets and limits a spec may use."""

import re

from core.limits import EVENT_NAME_PATTERN, GRID_COLUMNS, PROP_KEY_PATTERN

SPEC_MAX_BYTES = 256 * 1024
MAX_WIDGETS = 50
MAX_FILTERS = 20
MAX_FILTER_VALUE_CHARS = 1000

KINDS: tuple[str, ...] = ("kpi", "timeseries", "breakdown", "table", "funnel")
CHARTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "kpi": ("stat", "progress", "sparkline"),
    "timeseries": ("area", "line", "bar", "stacked_area", "stacked_bar"),
    "breakdown": ("bar", "list", "pie", "donut"),
    "table": ("table",),
    "funnel": ("funnel",),
}
# A time series may draw the previous period (the same-length window just before) under its
# points; only a single-series line, area or bar chart takes it.
COMPARES: tuple[str, ...] = ("previous_period",)
COMPARE_CHARTS: tuple[str, ...] = ("area", "line", "bar")
# Funnels: 2..8 distinct ordered steps (event names) per user within a conversion window.
MAX_FUNNEL_STEPS = 8
DEFAULT_FUNNEL_WINDOW_MINUTES = 24 * 60
MAX_FUNNEL_WINDOW_MINUTES = 90 * 24 * 60
METRICS: tuple[str, ...] = ("count", "count_unique", "sum", "avg", "p95", "p99", "ratio")
RATIO = "ratio"  # numerator / denominator, two of the other metrics with their own filters
PART_METRICS: tuple[str, ...] = tuple(m for m in METRICS if m != RATIO)
NUMERIC_METRICS: frozenset[str] = frozenset({"sum", "avg", "p95", "p99"})
SORT_DIRECTIONS: tuple[str, ...] = ("asc", "desc")
THEME_MODES: tuple[str, ...] = ("light", "dark")
USER_ID = "user_id"  # count_unique's default: the event's user_id column, not a property

# (min, default, max) of `limit` per kind; kpi has none. A timeseries limit is its top N series.
LIMITS: dict[str, tuple[int, int, int]] = {
    "timeseries": (1, 5, 20),
    "breakdown": (1, 10, 100),
    "table": (1, 100, 1000),
}
# Group-by dimensions allowed per kind: (min, max).
GROUP_BY_COUNT: dict[str, tuple[int, int]] = {
    "kpi": (0, 0),
    "timeseries": (0, 1),
    "breakdown": (1, 1),
    "table": (1, 3),
    "funnel": (0, 0),
}
MAX_TABLE_METRICS = 6  # one column per metric kind

# Ingest's rules for property keys (also group-by dimensions and filter keys) and event names:
# a name no event can have is a typo, reported instead of drawing an empty chart.
# Property keys and event names follow the ingest rules: a spec can only name what ingest accepts.
KEY_RE = PROP_KEY_PATTERN
EVENT_NAME_RE = EVENT_NAME_PATTERN
WIDGET_ID_RE = re.compile(r"w_[A-Za-z0-9_]{1,40}")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}\Z")
FONT_RE = re.compile(r"^[A-Za-z0-9 ,_-]{1,100}\Z")  # no quotes, semicolons or braces: safe in CSS

DEFAULT_THEME = {
    "primaryColor": "#2563eb",
    "fontFamily": "Inter, system-ui, sans-serif",
    "mode": "light",
}
DEFAULT_LAYOUT = {"x": 0, "y": 0, "w": GRID_COLUMNS // 2, "h": 4}
