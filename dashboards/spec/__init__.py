"""The dashboard spec: strict validation of what the builder, the API and auto-create save.

Field names and data shapes are fixed by DESIGN.md ("Dashboard spec and widget data"). Unknown
keys are errors at every level, so a typo (say `filter` for `filters`) can never silently drop a
condition and widen what a widget shows. Every error names its path (`widgets[2].metric`), and
all errors of a spec are reported at once.

`parse_spec` returns immutable objects with every default resolved; `spec_to_dict` is their
canonical JSON form (what gets stored and compared).

The package: `vocabulary` (kinds, charts, metrics, limits), `structures` (the frozen objects),
`fields` (shared field checks), `widgets` (per-widget and per-kind rules), `parse` (the whole
spec), `canonical` (back to JSON).
"""

from dashboards.spec.canonical import ratio_to_dict, spec_to_dict, widget_to_dict
from dashboards.spec.parse import parse_spec
from dashboards.spec.structures import (
    DashboardSpec,
    FilterSpec,
    Layout,
    MetricSpec,
    RatioSpec,
    SortSpec,
    ThemeSpec,
    WidgetSpec,
)
from dashboards.spec.vocabulary import (
    CHARTS_BY_KIND,
    COLOR_RE,
    COMPARES,
    DEFAULT_FUNNEL_WINDOW_MINUTES,
    DEFAULT_LAYOUT,
    DEFAULT_THEME,
    EVENT_NAME_RE,
    FONT_RE,
    GROUP_BY_COUNT,
    KEY_RE,
    KINDS,
    LIMITS,
    MAX_FILTER_VALUE_CHARS,
    MAX_FILTERS,
    MAX_FUNNEL_STEPS,
    MAX_TABLE_METRICS,
    MAX_WIDGETS,
    METRICS,
    NUMERIC_METRICS,
    PART_METRICS,
    RATIO,
    SORT_DIRECTIONS,
    SPEC_MAX_BYTES,
    THEME_MODES,
    USER_ID,
    WIDGET_ID_RE,
)

__all__ = [
    "CHARTS_BY_KIND",
    "COLOR_RE",
    "COMPARES",
    "DEFAULT_FUNNEL_WINDOW_MINUTES",
    "DEFAULT_LAYOUT",
    "DEFAULT_THEME",
    "EVENT_NAME_RE",
    "FONT_RE",
    "GROUP_BY_COUNT",
    "KEY_RE",
    "KINDS",
    "LIMITS",
    "MAX_FILTERS",
    "MAX_FILTER_VALUE_CHARS",
    "MAX_FUNNEL_STEPS",
    "MAX_TABLE_METRICS",
    "MAX_WIDGETS",
    "METRICS",
    "NUMERIC_METRICS",
    "PART_METRICS",
    "RATIO",
    "SORT_DIRECTIONS",
    "SPEC_MAX_BYTES",
    "THEME_MODES",
    "USER_ID",
    "WIDGET_ID_RE",
    "DashboardSpec",
    "FilterSpec",
    "Layout",
    "MetricSpec",
    "RatioSpec",
    "SortSpec",
    "ThemeSpec",
    "WidgetSpec",
    "parse_spec",
    "ratio_to_dict",
    "spec_to_dict",
    "widget_to_dict",
]
