"""The SQL of schema discovery: which events, property keys and tenants an organization has.

Cost on large data is bounded without a sample key or a summary table:
  - the scan covers a recent window only (the caller passes `since`; partitions are monthly and
    the sort key starts with org_id, so older parts and other organizations are skipped);
  - event names and tenants read only narrow columns (name, tenant, user, timestamp) over the
    whole window. Property statistics must read the map columns, the expensive part (about
    5 s for 3 M events on a busy 2-core machine), so they read at most about `max_prop_rows`
    events: those of the busiest tenants that together hold that many (all tenants when they
    fit). A tenant's events are contiguous in the sort key, so this skips the other tenants'
    granules, where a time cut-off could not (within a month's part, rows are ordered by
    tenant and event first). Keys only a small tenant sends may then be missing org-wide; they
    show when discovering that tenant;
  - values are summarised per key with `uniq` (adaptive sampling) and `approx_top_count`
    (Space-Saving: exact while a key has fewer distinct values than its 3 x N counters, a close
    estimate beyond), so memory stays per key, not per distinct value;
  - every query runs under a time limit and returns a bounded number of rows.
An embed session's locked filters (`locked_filters`) are ANDed into every query, in the same
SQL as the compiler's (`warehouse.sql.condition_sql`): a designer sees only the events, keys
and values of rows inside its grant.
Counts read without FINAL: a re-sent event that is not merged yet may count twice, which is
acceptable for a schema overview and keeps the scan cheap.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from core.isotime import iso_utc
from warehouse.backends import Backend, get_backend
from warehouse.params import ParamValue
from warehouse.query import LockedFilters
from warehouse.reads import CompiledQuery, run
from warehouse.schema import EVENTS_TABLE
from warehouse.scope import AnyScope, scope_predicate
from warehouse.sql import Binder, Conditions, condition_sql, effective_filters

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
    prop_tenants: list[str] | None  # property statistics read these tenants only; None: all


def schema_summary(
    *,
    scope: AnyScope,
    since: datetime,
    max_prop_rows: int = 200_000,
    backend: Backend | None = None,
    locked_filters: LockedFilters | None = None,
) -> SchemaSummary:
    """Everything discovery shows, from events at or after `since` within the scope and the
    locked filters; property statistics from the busiest tenants' events, about
    `max_prop_rows` of them."""
    locks = effective_filters({}, {}, locked_filters or {})
    runner = _Runner(scope=scope, backend=backend or get_backend(), since=since, locks=locks)
    tenants = [_tenant(row) for row in runner.run(_TENANTS_SQL)]
    prop_tenants = _busiest_tenants(tenants, max_prop_rows)
    props = _Runner(
        scope=scope, backend=runner.backend, since=since, tenants=prop_tenants, locks=locks
    )
    return SchemaSummary(
        events=[_event(row) for row in runner.run(_EVENTS_SQL)],
        string_props=[_string_prop(row) for row in props.run(_STRING_PROPS_SQL)],
        numeric_props=[_numeric_prop(row) for row in props.run(_NUMERIC_PROPS_SQL)],
        tenants=tenants,
        prop_tenants=prop_tenants,
    )


def _busiest_tenants(tenants: list["TenantSummary"], max_rows: int) -> list[str] | None:
    """The busiest tenants that together hold at least `max_rows` events; None (every tenant)
    when all of them together hold fewer. `tenants` is ordered busiest first and may be cut
    at MAX_TENANTS, in which case the listed ones are named, never "every tenant"."""
    chosen, total = tenants, 0
    for index, tenant in enumerate(tenants):
        total += tenant.count
        if total >= max_rows:
            chosen = tenants[: index + 1]
            break
    if len(chosen) == len(tenants) < MAX_TENANTS:
        return None
    return [tenant.tenant_id for tenant in chosen]


_WHERE = "WHERE {scope} AND timestamp >= {{since:DateTime64(3, 'UTC')}}{tenants}{locks}"

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
    scope: AnyScope
    backend: Backend
    since: datetime
    tenants: list[str] | None = None  # narrows the scope further to these tenants
    locks: Conditions = ()  # an embed session's locked filters, all ANDed

    def run(self, template: str) -> list[list[Any]]:
        predicate, params = scope_predicate(self.scope)
        narrowing = " AND tenant_id IN {tenants:Array(String)}" if self.tenants is not None else ""
        binder = Binder()
        locks = "".join(f" AND {condition_sql(binder, k, v)}" for k, v in self.locks)
        limits = f"\nSETTINGS max_execution_time = {int(settings.WAREHOUSE_MAX_EXECUTION_TIME)}"
        sql = template.format(scope=predicate, tenants=narrowing, locks=locks) + limits
        values: dict[str, ParamValue] = {**params, **binder.values, "since": self.since}
        if self.tenants is not None:
            values["tenants"] = self.tenants
        return run(CompiledQuery(sql, values, self.scope), backend=self.backend).rows


def _iso(timestamp: str) -> str:
    """'2026-04-14 10:00:00.123' (UTC, as both backends return DateTime64) -> ISO 8601 with Z."""
    return iso_utc(datetime.fromisoformat(timestamp), timespec="milliseconds")


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
