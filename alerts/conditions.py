"""What a rule checks: the window its metric is computed over and its threshold condition."""

import math
from collections.abc import Callable
from datetime import timedelta

from alerts.models import Operator
from core.periods import ALERT_WINDOWS, FALLBACK_ALERT_WINDOW

# Metrics where "no events in the window" means 0. For avg and percentiles it means "no data",
# which never meets a threshold (so a firing tenant resolves when its traffic stops).
ZERO_WHEN_ABSENT: frozenset[str] = frozenset({"count", "count_unique", "sum"})

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    Operator.GT: lambda value, threshold: value > threshold,
    Operator.GTE: lambda value, threshold: value >= threshold,
    Operator.LT: lambda value, threshold: value < threshold,
    Operator.LTE: lambda value, threshold: value <= threshold,
    # Metrics are floats (averages, percentiles): "equal" tolerates rounding noise.
    Operator.EQ: lambda value, threshold: math.isclose(
        value, threshold, rel_tol=1e-9, abs_tol=1e-9
    ),
}

OPERATOR_SYMBOLS: dict[str, str] = {"gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "eq": "="}


def condition_holds(*, operator: str, value: float | None, threshold: float) -> bool:
    if value is None or not math.isfinite(value):
        return False
    return _COMPARE[operator](value, threshold)


def condition(*, operator: str, threshold: float) -> Callable[[float | None], bool]:
    """`condition_holds` with the operator and threshold bound: evaluated for every tenant of
    every rule each tick, so it is looked up once per rule."""
    compare = _COMPARE[operator]

    def holds(value: float | None) -> bool:
        return value is not None and math.isfinite(value) and compare(value, threshold)

    return holds


def window_for(*, rule_window: str, default_period: str) -> tuple[str, timedelta]:
    """The rule's window, else the dashboard's default period, else 24h."""
    for name in (rule_window, default_period, FALLBACK_ALERT_WINDOW):
        if name in ALERT_WINDOWS:
            return name, ALERT_WINDOWS[name]
    raise AssertionError("unreachable: FALLBACK_ALERT_WINDOW is a window")
