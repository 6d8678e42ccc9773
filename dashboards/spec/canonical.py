"""The canonical JSON form of a parsed spec: what gets stored and compared."""

from typing import Any

from dashboards.spec.structures import DashboardSpec, RatioSpec, WidgetSpec


def widget_to_dict(widget: WidgetSpec) -> dict[str, Any]:
    """The canonical form of one widget: DESIGN.md's keys, plus the kind's own extras."""
    out: dict[str, Any] = {
        "id": widget.id,
        "title": widget.title,
        "kind": widget.kind,
        "chart": widget.chart,
        "event_name": widget.event_name,
        "metric": widget.metric,
        "property": widget.property,
        "group_by": list(widget.group_by),
        "filters": dict(widget.filters),
        "limit": widget.limit,
        "layout": widget.layout.to_dict(),
    }
    if widget.ratio is not None:
        out["ratio"] = ratio_to_dict(widget.ratio)
    if widget.format is not None:
        out["format"] = dict(widget.format)
    if widget.kind == "funnel":
        out["steps"] = list(widget.steps)
        out["window_minutes"] = widget.window_minutes
    if widget.kind == "kpi":
        out["target"] = widget.target
    if widget.kind == "timeseries":
        out["bucket"] = widget.bucket
        if widget.compare is not None:  # absent when off: stored specs keep their form
            out["compare"] = widget.compare
    if widget.kind == "table":
        out["metrics"] = [
            {"metric": m.metric, "ratio": ratio_to_dict(m)}
            if isinstance(m, RatioSpec)
            else {"metric": m.metric, "property": m.property}
            for m in widget.metrics
        ]
        out["sort"] = (
            {"by": widget.sort.by, "direction": widget.sort.direction} if widget.sort else None
        )
    return out


def ratio_to_dict(ratio: RatioSpec) -> dict[str, Any]:
    return {
        name: {"metric": part.metric, "property": part.property, "filters": dict(part.filters)}
        for name, part in (("numerator", ratio.numerator), ("denominator", ratio.denominator))
    }


def spec_to_dict(spec: DashboardSpec) -> dict[str, Any]:
    """The canonical JSON-able form: parse_spec(spec_to_dict(s)) == s."""
    return {
        "name": spec.name,
        "default_period": spec.default_period,
        "filters": [{"dimension": f.dimension, "label": f.label} for f in spec.filters],
        "theme": {
            "primaryColor": spec.theme.primaryColor,
            "fontFamily": spec.theme.fontFamily,
            "mode": spec.theme.mode,
        },
        "widgets": [widget_to_dict(w) for w in spec.widgets],
    }
