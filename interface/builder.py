"""What a widget editor offers, shared by the console builder and the embed's edit mode: the
labelled kinds and metrics, the property choices of a metric, and which optional fields a
kind / metric / chart uses. The rules themselves are the spec's (`dashboards.spec.kinds`);
this is their presentation, in one place for both front doors."""

from typing import Any

from core.periods import BUCKETS
from dashboards.spec import (
    CHARTS_BY_KIND,
    DEFAULT_FUNNEL_WINDOW_MINUTES,
    GROUP_BY_COUNT,
    KINDS,
    LIMITS,
    MAX_FUNNEL_STEPS,
    METRICS,
    PART_METRICS,
    USER_ID,
)
from dashboards.spec import NUMERIC_METRICS as NUMERIC
from dashboards.spec.kinds import (
    takes_bucket,
    takes_compare,
    takes_group_by,
    takes_limit,
    takes_property,
    takes_ratio,
    takes_target,
)

KIND_LABELS = {
    "kpi": "KPI",
    "timeseries": "Time series",
    "breakdown": "Breakdown",
    "table": "Table",
    "funnel": "Funnel",
}
METRIC_LABELS = {
    "count": "Count of events",
    "count_unique": "Unique count",
    "sum": "Sum",
    "avg": "Average",
    "p95": "95th percentile",
    "p99": "99th percentile",
    "ratio": "Ratio of two metrics",
}


def choices(values: list[str], *keep: object) -> list[tuple[str, str]]:
    """Discovered values plus whatever the widget already uses (which may be gone from the data)."""
    extra = [v for v in keep if isinstance(v, str) and v and v not in values]
    return [(value, value) for value in [*values, *extra]]


def chart_label(chart: str) -> str:
    return chart.replace("_", " ").capitalize()


def property_choices(
    metric: str, *, string_keys: list[str], numeric_keys: list[str], current: str | None = None
) -> list[tuple[str, str]]:
    """Only numeric keys where a number is needed; people or any key for a unique count."""
    if metric in NUMERIC:
        return choices(numeric_keys, current)
    if metric == "count_unique":
        return [(USER_ID, "user_id (people)"), *choices(string_keys + numeric_keys, current)]
    return [("", "—")]


def fields_applying(kind: str, metric: str, chart: str) -> dict[str, bool]:
    """Which optional fields this kind / metric / chart uses (an editor hides the others)."""
    return {
        "property": takes_property(metric),
        "group_by": takes_group_by(kind),
        "limit": takes_limit(kind, grouped=takes_group_by(kind)),
        "target": takes_target(kind, chart),
        "bucket": takes_bucket(kind),
        "compare": takes_compare(kind, chart, grouped=False),  # saved only without group_by
        "ratio": takes_ratio(metric) and kind != "funnel",
        "steps": kind == "funnel",
    }


def editor_choices(
    *,
    events: list[str],
    string_keys: list[str],
    numeric_keys: list[str],
    kinds: tuple[str, ...] = KINDS,
    metrics: tuple[str, ...] = METRICS,
) -> dict[str, Any]:
    """Everything a script-driven editor (the embed's edit mode) needs, as JSON: the same
    choices and field rules the console's WidgetForm applies."""
    return {
        "kinds": [
            {
                "value": kind,
                "label": KIND_LABELS[kind],
                "charts": [[c, chart_label(c)] for c in CHARTS_BY_KIND[kind]],
                "group_by": list(GROUP_BY_COUNT[kind]),
                "limit": list(LIMITS[kind]) if kind in LIMITS else None,
                "applies": {
                    metric: fields_applying(kind, metric, CHARTS_BY_KIND[kind][0])
                    for metric in metrics
                },
            }
            for kind in kinds
        ],
        "metrics": [
            {
                "value": metric,
                "label": METRIC_LABELS[metric],
                "properties": property_choices(
                    metric, string_keys=string_keys, numeric_keys=numeric_keys
                ),
            }
            for metric in metrics
        ],
        "events": events,
        "dimensions": string_keys,
        "buckets": list(BUCKETS),
        # A ratio's numerator and denominator each take one of these (with its properties in
        # "metrics"); a funnel's steps are events, in order.
        "part_metrics": [metric for metric in PART_METRICS if metric in metrics],
        "funnel": {"max_steps": MAX_FUNNEL_STEPS, "window_minutes": DEFAULT_FUNNEL_WINDOW_MINUTES},
    }
