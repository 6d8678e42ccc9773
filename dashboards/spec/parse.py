"""`parse_spec`: a whole dashboard spec, validated strictly, every error reported at once."""

from typing import Any

import orjson

from core.errors import InvalidInput
from core.periods import DEFAULT_PERIOD, ROLLING_PERIODS
from dashboards.spec.fields import (
    MISSING,
    SpecErrors,
    as_choice,
    as_key,
    as_list,
    as_object,
    as_string,
)
from dashboards.spec.structures import DashboardSpec, FilterSpec, ThemeSpec
from dashboards.spec.vocabulary import (
    COLOR_RE,
    DEFAULT_THEME,
    FONT_RE,
    MAX_FILTERS,
    SPEC_MAX_BYTES,
    THEME_MODES,
)
from dashboards.spec.widgets import parse_widgets


def parse_spec(raw: object) -> DashboardSpec:
    """Validate a spec strictly; raises InvalidInput listing every problem with its path."""
    errors = SpecErrors()
    try:
        size = len(orjson.dumps(raw))
    except (TypeError, orjson.JSONEncodeError):
        raise InvalidInput(
            "The dashboard spec must be JSON.", details=[{"field": "spec", "message": "Not JSON."}]
        ) from None
    if size > SPEC_MAX_BYTES:
        raise InvalidInput(
            f"The dashboard spec is larger than {SPEC_MAX_BYTES} bytes.",
            details=[{"field": "spec", "message": f"{size} bytes; the limit is {SPEC_MAX_BYTES}."}],
        )
    obj = as_object(raw, "", {"name", "default_period", "filters", "theme", "widgets"}, errors)
    if obj is None:
        errors.raise_if_any()
    assert obj is not None
    name = as_string(obj.get("name", MISSING), "name", errors, min_len=1, max_len=200)
    default_period = as_choice(
        obj.get("default_period", DEFAULT_PERIOD), "default_period", tuple(ROLLING_PERIODS), errors
    )
    filters = _parse_dashboard_filters(obj.get("filters", []), errors)
    theme = _parse_theme(obj.get("theme", {}), errors)
    widgets = parse_widgets(obj.get("widgets", []), errors)
    errors.raise_if_any()
    return DashboardSpec(
        name=name or "",
        default_period=default_period or DEFAULT_PERIOD,
        filters=filters,
        theme=theme,
        widgets=widgets,
    )


def _parse_dashboard_filters(raw: Any, errors: SpecErrors) -> tuple[FilterSpec, ...]:
    out: list[FilterSpec] = []
    seen: set[str] = set()
    for index, item in enumerate(as_list(raw, "filters", errors, max_items=MAX_FILTERS)):
        path = f"filters[{index}]"
        obj = as_object(item, path, {"dimension", "label"}, errors)
        if obj is None:
            continue
        dimension = as_key(obj.get("dimension", MISSING), f"{path}.dimension", errors)
        label = as_string(
            obj.get("label", dimension), f"{path}.label", errors, min_len=1, max_len=100
        )
        if dimension in seen:
            errors.add(f"{path}.dimension", "Duplicate filter dimension.")
        elif dimension and label:
            seen.add(dimension)
            out.append(FilterSpec(dimension=dimension, label=label))
    return tuple(out)


def _parse_theme(raw: Any, errors: SpecErrors) -> ThemeSpec:
    obj = as_object(raw, "theme", set(DEFAULT_THEME), errors) or {}
    merged = {**DEFAULT_THEME, **obj}
    color = as_string(
        merged["primaryColor"], "theme.primaryColor", errors, min_len=7, max_len=7, pattern=COLOR_RE
    )
    font = as_string(
        merged["fontFamily"], "theme.fontFamily", errors, min_len=1, max_len=100, pattern=FONT_RE
    )
    mode = as_choice(merged["mode"], "theme.mode", THEME_MODES, errors)
    return ThemeSpec(
        primaryColor=(color or DEFAULT_THEME["primaryColor"]).lower(),
        fontFamily=font or DEFAULT_THEME["fontFamily"],
        mode=mode or "light",
    )
