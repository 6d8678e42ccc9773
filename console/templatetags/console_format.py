"""Number formatting for the builder preview tiles."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


@register.filter
def compact(value: float | int | None) -> str:
    """12345678 -> '12.3M', 0.4567 -> '0.46', None -> '—'."""
    if value is None:
        return "—"
    number = float(value)
    for threshold, suffix in _SUFFIXES:
        if abs(number) >= threshold:
            return f"{number / threshold:.3g}{suffix}"
    if number == int(number):
        return f"{int(number)}"
    return f"{number:.2f}" if abs(number) < 100 else f"{number:.0f}"


@register.filter
def change(value: float | None, previous: float | None) -> float | None:
    """The relative change in percent, or None when there is nothing to compare with."""
    if value is None or not previous:
        return None
    return (float(value) - float(previous)) / abs(float(previous)) * 100


@register.filter
def percent_of(value: float | None, target: float | None) -> float:
    if not value or not target:
        return 0.0
    return max(0.0, min(100.0, float(value) / float(target) * 100))


@register.filter
def share_of(value: float | None, rows: list[dict]) -> float:
    """A breakdown row's value as a percentage of the largest row (bar lengths in lists)."""
    largest = max((abs(float(row["value"] or 0)) for row in rows), default=0)
    return 0.0 if not largest or value is None else abs(float(value)) / largest * 100


@register.filter
def get_item(mapping: dict, key: str) -> object:
    return mapping.get(key, key)


@register.filter
def ago(moment: "datetime | None") -> str:
    """'just now', '5 minutes ago', '3 days ago'."""
    if moment is None:
        return "never"
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment).split(',')[0]} ago"
