"""Small template filters of the console. Widget figures are formatted in the browser by
@sightline/charts (one formatter for the builder preview and every embed)."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


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


@register.filter
def minutes(duration: timedelta | None) -> str:
    """A timedelta as '15 minutes' (at least one)."""
    if duration is None:
        return "a few minutes"
    count = max(1, round(duration.total_seconds() / 60))
    return f"{count} minute{'s' if count != 1 else ''}"
