"""The builder's format fields: unit (number, percent, currency, duration, bytes), currency,
decimals, compact, prefix and suffix. WidgetForm inherits them; dashboards.spec validates."""

from typing import Any

from django import forms

from dashboards.spec.formats import MAX_AFFIX_CHARS, MAX_DECIMALS, UNITS

UNIT_LABELS = {
    "number": "Number",
    "percent": "Percent (0.25 → 25%)",
    "currency": "Currency",
    "duration": "Duration (from ms)",
    "bytes": "Bytes",
}
COMPACT_CHOICES = [("", "Automatic"), ("true", "Compact (12.3K)"), ("false", "Full (12,345)")]


class FormatFields(forms.Form):
    unit = forms.ChoiceField(
        label="Unit", choices=[(u, UNIT_LABELS[u]) for u in UNITS], required=False
    )
    currency = forms.CharField(
        label="Currency",
        required=False,
        max_length=3,
        widget=forms.TextInput(attrs={"placeholder": "EUR", "size": 4}),
    )
    decimals = forms.IntegerField(
        label="Decimals", required=False, min_value=0, max_value=MAX_DECIMALS
    )
    compact = forms.ChoiceField(label="Notation", choices=COMPACT_CHOICES, required=False)
    prefix = forms.CharField(
        label="Prefix", required=False, max_length=MAX_AFFIX_CHARS, strip=False
    )
    suffix = forms.CharField(
        label="Suffix", required=False, max_length=MAX_AFFIX_CHARS, strip=False
    )

    def number_format(self) -> dict[str, Any] | None:
        """The spec's `format`, or None when everything is the default."""
        data = self.cleaned_data
        out = {
            "unit": data["unit"] or "number",
            "currency": (data["currency"] or "").upper() or None,
            "decimals": data["decimals"],
            "compact": {"true": True, "false": False}.get(data["compact"] or ""),
            "prefix": data["prefix"] or "",
            "suffix": data["suffix"] or "",
        }
        if out["unit"] != "currency":
            out["currency"] = None
        default = {"unit": "number", "currency": None, "decimals": None, "compact": None}
        if all(out[k] == v for k, v in default.items()) and not out["prefix"] + out["suffix"]:
            return None
        return out


def format_initial(widget: dict[str, Any]) -> dict[str, Any]:
    current = widget.get("format") or {}
    compact = current.get("compact")
    return {
        "unit": current.get("unit") or "number",
        "currency": current.get("currency") or "",
        "decimals": current.get("decimals"),
        "compact": "" if compact is None else ("true" if compact else "false"),
        "prefix": current.get("prefix") or "",
        "suffix": current.get("suffix") or "",
    }
