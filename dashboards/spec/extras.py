"""The extra fields of two kinds: a time series' comparison with the previous period and a
funnel's ordered steps within a conversion window."""

from typing import Any

from dashboards.spec.fields import MISSING, SpecErrors, as_choice, as_int, as_list, as_string
from dashboards.spec.kinds import takes_compare
from dashboards.spec.structures import MetricSpec
from dashboards.spec.vocabulary import (
    COMPARES,
    DEFAULT_FUNNEL_WINDOW_MINUTES,
    EVENT_NAME_RE,
    MAX_FUNNEL_STEPS,
    MAX_FUNNEL_WINDOW_MINUTES,
)


def parse_compare(
    raw: Any, chart: str | None, group_by: tuple[str, ...], path: str, errors: SpecErrors
) -> str | None:
    if raw is None:
        return None
    if not takes_compare("timeseries", chart, grouped=bool(group_by)):
        errors.add(f"{path}.compare", "Only a line, area or bar chart without group_by compares.")
        return None
    return as_choice(raw, f"{path}.compare", COMPARES, errors)


def parse_funnel(obj: dict[str, Any], metric: Any, path: str, errors: SpecErrors) -> dict[str, Any]:
    """steps: 2..8 distinct event names, the first one the widget's event_name; users who did
    them in order within window_minutes. A funnel counts users: metric count_unique."""
    if metric is not None and metric != MetricSpec("count_unique", None):
        errors.add(f"{path}.metric", "A funnel counts users: count_unique of user_id.")
    raw = obj.get("steps", MISSING)
    steps = []
    for index, step in enumerate(as_list(raw, f"{path}.steps", errors, max_items=MAX_FUNNEL_STEPS)):
        name = as_string(
            step, f"{path}.steps[{index}]", errors, min_len=1, max_len=128, pattern=EVENT_NAME_RE
        )
        if name in steps:
            errors.add(f"{path}.steps[{index}]", "Each step is a different event.")
        if name:
            steps.append(name)
    if isinstance(raw, list) and len(raw) < 2:
        errors.add(f"{path}.steps", "A funnel has at least 2 steps.")
    if steps and obj.get("event_name", steps[0]) != steps[0]:
        errors.add(f"{path}.event_name", "A funnel's event_name is its first step.")
    window = as_int(
        obj.get("window_minutes", DEFAULT_FUNNEL_WINDOW_MINUTES),
        f"{path}.window_minutes",
        errors,
        low=1,
        high=MAX_FUNNEL_WINDOW_MINUTES,
    )
    return {"steps": tuple(steps), "window_minutes": window}
