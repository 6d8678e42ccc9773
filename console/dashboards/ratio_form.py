"""The builder's ratio fields: a numerator and a denominator, each a metric with its own
property and filters over the widget's event (error rate = count where status = error / count).
WidgetForm inherits them; dashboards.spec validates the ratio they build."""

from typing import Any

from django import forms

from console.choices import Schema
from dashboards.spec import PART_METRICS, USER_ID
from interface.builder import METRIC_LABELS
from interface.forms import pairs_parse, pairs_text

PARTS = ("numerator", "denominator")
PART_METRIC_LABELS = {metric: METRIC_LABELS[metric] for metric in PART_METRICS}
FILTER_HELP = "One “property = value” a line, on top of the widget's filters."


def _filters_field(label: str) -> forms.CharField:
    attrs = {"rows": 1, "placeholder": "status = error"}
    return forms.CharField(
        label=label, required=False, widget=forms.Textarea(attrs=attrs), help_text=FILTER_HELP
    )


class RatioFields(forms.Form):
    metric_choices = [(m, PART_METRIC_LABELS[m]) for m in PART_METRICS]
    numerator_metric = forms.ChoiceField(label="Numerator", choices=metric_choices, required=False)
    numerator_property = forms.ChoiceField(label="Numerator property", required=False)
    numerator_filters = _filters_field("Numerator filters")
    denominator_metric = forms.ChoiceField(
        label="Denominator", choices=metric_choices, required=False
    )
    denominator_property = forms.ChoiceField(label="Denominator property", required=False)
    denominator_filters = _filters_field("Denominator filters")

    def set_ratio_choices(self, schema: Schema, widget: dict[str, Any]) -> None:
        ratio = widget.get("ratio") or {}
        for part in PARTS:
            current = (ratio.get(part) or {}).get("property")
            keys = [*schema.numeric_keys, *schema.string_keys]
            if current and current not in keys:
                keys.append(current)
            self.fields[f"{part}_property"].choices = [
                ("", "— (count: none; unique: user_id)"),
                *((key, key) for key in keys),
            ]

    def clean_numerator_filters(self) -> dict[str, str]:
        return pairs_parse(self.cleaned_data["numerator_filters"], what="property")

    def clean_denominator_filters(self) -> dict[str, str]:
        return pairs_parse(self.cleaned_data["denominator_filters"], what="property")

    def ratio(self) -> dict[str, Any]:
        """The spec's ratio from the cleaned fields."""
        out = {}
        for part in PARTS:
            metric = self.cleaned_data[f"{part}_metric"] or "count"
            prop = self.cleaned_data[f"{part}_property"] or None
            if metric == "count" or prop == USER_ID:
                prop = None
            out[part] = {
                "metric": metric,
                "property": prop,
                "filters": self.cleaned_data[f"{part}_filters"],
            }
        return out


def ratio_initial(widget: dict[str, Any]) -> dict[str, Any]:
    ratio = widget.get("ratio") or {
        "numerator": {"metric": "count", "filters": {}},
        "denominator": {"metric": "count", "filters": {}},
    }
    initial: dict[str, Any] = {}
    for part in PARTS:
        side = ratio.get(part) or {}
        initial[f"{part}_metric"] = side.get("metric") or "count"
        initial[f"{part}_property"] = side.get("property") or ""
        initial[f"{part}_filters"] = pairs_text(side.get("filters") or {})
    return initial
