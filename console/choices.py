"""What the console offers to choose from, shared by its app packages: the labelled periods,
and the schema discovery saw (event names, property keys, tenants), cached briefly."""

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from core.periods import PERIOD_LABELS, ROLLING_PERIODS
from dashboards import discovery

SCHEMA_CACHE_SECONDS = 60


def period_choices(periods: tuple[str, ...] = tuple(ROLLING_PERIODS)) -> list[tuple[str, str]]:
    """`("24h", "Last 24 hours")`, …, `("custom", "Custom range")`: core's periods, labelled."""
    return [
        (p, f"Last {PERIOD_LABELS[p]}" if p in ROLLING_PERIODS else f"{PERIOD_LABELS[p]} range")
        for p in periods
    ]


@dataclass(frozen=True)
class Schema:
    """What discovery saw: the choices the builder offers."""

    events: list[str]
    string_keys: list[str]
    numeric_keys: list[str]
    tenants: list[str]

    @classmethod
    def from_discovery(cls, found: dict[str, Any]) -> "Schema":
        return cls(
            events=[event["name"] for event in found["events"]],
            string_keys=sorted(prop["key"] for prop in found["string_props"]),
            numeric_keys=sorted(prop["key"] for prop in found["numeric_props"]),
            tenants=[tenant["tenant_id"] for tenant in found["tenants"]],
        )


def dashboard_schema(organization_id: str) -> Schema:
    """Discovery is a few warehouse scans: cached briefly, shared by every builder request."""
    key = f"sightline:console:schema:{organization_id}"
    schema = cache.get(key)
    if schema is None:
        schema = Schema.from_discovery(discovery.discover(organization_id))
        cache.set(key, schema, SCHEMA_CACHE_SECONDS)
    return schema
