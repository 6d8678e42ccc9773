"""The SQL of schema discovery: which events, property keys and tenants an organization has.

Cost on large data is bounded three ways, none of which needs a sample key or a summary table:
  - the scan covers a recent window only (the caller passes `since`; partitions are monthly and
    the sort key starts with org_id, so older parts and other organizations are skipped);
  - property values are summarised per key with `uniq` (HyperLogLog) and `approx_top_count`
    (Space-Saving: exact while a key has fewer distinct values than its 3 x N counters, a close
    estimate beyond), so memory stays per key, not per distinct value;
  - every query runs under a time limit and returns a bounded number of rows.
Counts read without FINAL: a re-sent event that is not merged yet may count twice, which is
acceptable for a schema overview and keeps the scan cheap.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from warehouse.backends import Backend, get_backend
from warehouse.schema import EVENTS_TABLE
from warehouse.scope import DangerousOrgWideScope, scope_predicate

MAX_EVENT_NAMES = 200
MAX_PROPERTY_KEYS = 200
MAX_TENANTS = 1000
TOP_VALUES = 10
EVENT_NAMES_PER_KEY = 5


@dataclass(frozen=True)
class EventSummary:
    name: str
    count: int
    users: int  # distinct non-empty user_id
    last_seen: str  # ISO 8601, UTC


@dataclass(frozen=True)
class StringPropSummary:
    key: str
    count: int  # events carrying the key
    cardinality: int  # approximate distinct values
    top_values: list[tuple[str, int]]  # (value, count), most frequent first
    event_names: list[str]  # the events that carry it most, most frequent first


@dataclass(frozen=True)
class NumericPropSummary:
    key: str
    count: int
    min: float
    max: float
    avg: float
    event_names: list[str]


@dataclass(frozen=True)
class TenantSummary:
    tenant_id: str
    count: int
    last_seen: str


@dataclass(frozen=True)
class SchemaSummary:
    events: list[EventSummary]
    string_props: list[StringPropSummary]
    numeric_props: list[NumericPropSummary]
    tenants: list[TenantSummary]


def schema_summary(
    *, scope: DangerousOrgWideScope, since: datetime, backend: Backend | None = None
) -> SchemaSummary:
    """Everything discovery shows, from events at or after `since` within the scope."""
    runner = _Runner(scope=scope, since=since, backend=backend or get_backend())
    return SchemaSummary(
        events=[_event(row) for row in runner.run(_EVENTS_SQL)],
        string_props=[_string_prop(row) for row in runner.run(_STRING_PROPS_SQL)],
        numeric_props=[_numeric_prop(row) for row in runner.run(_NUMERIC_PROPS_SQL)],
        tenants=[_tenant(row) for row in runner.run(_TENANTS_SQL)],
    )


_WHERE = "WHERE {scope} AND timestamp >= {{since:DateTime64(3, 'UTC')}}"

_EVENTS_SQL = f"""
SELECT event_name, count() AS count, uniqIf(user_id, user_id != '') AS users,
       max(timestamp) AS last_seen
FROM {EVENTS_TABLE}
{_WHERE}
GROUP BY event_name
ORDER BY count DESC, event_name
LIMIT {MAX_EVENT_NAMES}"""

_STRING_PROPS_SQL = f"""
SELECT key, count() AS count, uniq(value) AS cardinality,
       approx_top_count({TOP_VALUES})(value) AS top,
       arrayMap(t -> tupleElement(t, 1), top) AS top_values,
       arrayMap(t -> tupleElement(t, 2), top) AS top_counts,
       topK({EVENT_NAMES_PER_KEY})(event_name) AS event_names
FROM {EVENTS_TABLE}
ARRAY JOIN mapKeys(string_props) AS key, mapValues(string_props) AS value
{_WHERE}
GROUP BY key
ORDER BY count DESC, key
LIMIT {MAX_PROPERTY_KEYS}"""

_NUMERIC_PROPS_SQL = f"""
SELECT key, count() AS count, min(value) AS min, max(value) AS max, avg(value) AS avg,
       topK({EVENT_NAMES_PER_KEY})(event_name) AS event_names
FROM {EVENTS_TABLE}
ARRAY JOIN mapKeys(numeric_props) AS key, mapValues(numeric_props) AS value
{_WHERE}
GROUP BY key
ORDER BY count DESC, key
LIMIT {MAX_PROPERTY_KEYS}"""

_TENANTS_SQL = f"""
SELECT tenant_id, count() AS count, max(timestamp) AS last_seen
FROM {EVENTS_TABLE}
{_WHERE}
GROUP BY tenant_id
ORDER BY count DESC, tenant_id
LIMIT {MAX_TENANTS}"""


@dataclass(frozen=True)
class _Runner:
    scope: DangerousOrgWideScope
    since: datetime
    backend: Backend

    def run(self, template: str) -> list[list[Any]]:
        predicate, params = scope_predicate(self.scope)
        limits = f"\nSETTINGS max_execution_time = {int(settings.WAREHOUSE_MAX_EXECUTION_TIME)}"
        sql = template.format(scope=predicate) + limits
        return self.backend.query(sql, {**params, "since": self.since}).rows


def _iso(timestamp: str) -> str:
    """'2026-04-14 10:00:00.123' (UTC, as both backends return DateTime64) -> ISO 8601 with Z."""
    return timestamp.replace(" ", "T") + "Z"


def _event(row: Sequence[Any]) -> EventSummary:
    name, count, users, last_seen = row
    return EventSummary(name=name, count=int(count), users=int(users), last_seen=_iso(last_seen))


def _string_prop(row: Sequence[Any]) -> StringPropSummary:
    key, count, cardinality, _, top_values, top_counts, event_names = row
    return StringPropSummary(
        key=key,
        count=int(count),
        cardinality=int(cardinality),
        top_values=[(value, int(n)) for value, n in zip(top_values, top_counts, strict=True)],
        event_names=list(event_names),
    )


def _numeric_prop(row: Sequence[Any]) -> NumericPropSummary:
    key, count, minimum, maximum, average, event_names = row
    return NumericPropSummary(
        key=key,
        count=int(count),
        min=float(minimum),
        max=float(maximum),
        avg=float(average),
        event_names=list(event_names),
    )


def _tenant(row: Sequence[Any]) -> TenantSummary:
    tenant_id, count, last_seen = row
    return TenantSummary(tenant_id=tenant_id, count=int(count), last_seen=_iso(last_seen))
