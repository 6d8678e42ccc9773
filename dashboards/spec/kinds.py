"""Which optional fields a widget takes, by kind, chart and metric: the parser enforces these
rules and the builder form shows exactly the fields they allow (it asks, it does not restate)."""

from dashboards.spec.vocabulary import COMPARE_CHARTS, GROUP_BY_COUNT, LIMITS

# Fields that only one kind takes; on any other kind they must be absent (or empty).
KIND_ONLY_FIELDS: dict[str, str] = {
    "target": "kpi",
    "bucket": "timeseries",
    "compare": "timeseries",
    "metrics": "table",
    "sort": "table",
    "steps": "funnel",
    "window_minutes": "funnel",
}


def takes_property(metric: str) -> bool:
    """count counts events; a ratio's parts have their own; every other metric reads a property
    (count_unique: user_id or one)."""
    return metric not in ("count", "ratio")


def takes_ratio(metric: str) -> bool:
    return metric == "ratio"


def takes_group_by(kind: str) -> bool:
    return GROUP_BY_COUNT.get(kind, (0, 0))[1] > 0


def takes_limit(kind: str, *, grouped: bool) -> bool:
    """A limit caps rows (breakdown, table) or series (a timeseries split by a group-by)."""
    return kind in LIMITS and (grouped or kind != "timeseries")


def takes_target(kind: str, chart: str | None) -> bool:
    return kind == KIND_ONLY_FIELDS["target"] and chart == "progress"


def takes_bucket(kind: str) -> bool:
    return kind == KIND_ONLY_FIELDS["bucket"]


def takes_compare(kind: str, chart: str | None, *, grouped: bool) -> bool:
    """The previous period under a time series: one series (no group_by), not stacked."""
    return kind == KIND_ONLY_FIELDS["compare"] and chart in COMPARE_CHARTS and not grouped


def has_trend(kind: str, chart: str | None) -> bool:
    """A KPI drawn with a sparkline also carries its value per bucket over the period."""
    return kind == "kpi" and chart == "sparkline"


def takes_table_columns(kind: str) -> bool:
    """metrics (one column each) and sort."""
    return kind == KIND_ONLY_FIELDS["metrics"]
