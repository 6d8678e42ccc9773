"""Alert reads: many widgets' metrics per tenant in one scan.

Rules watching different widgets over the same event and window share one query: the WHERE
is the part they have in common (the scope, the event, the window), and each widget's own
filters become the condition of its aggregates (`countIf`, `uniqExactIf`,
`quantileExactIf`...), so the events are read once however many widgets watch them. Each widget
gets two columns: the number of its events (n) and its value; a tenant with n = 0 has no row
for that widget, exactly as it has no row in `compile_metric_by_tenant`'s own query, so both
give the same values (tests/warehouse/test_tenant_metrics.py compares them).

A viewer's rule (a subscription's grant) adds its session's locked filters to its widget's
condition exactly as the compiler applies them to the embed (`effective_filters`): the widget's
own filter on a locked key gives way to the locked value.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from warehouse.query import LockedFilters, WidgetQuery
from warehouse.reads import CompiledQuery, run
from warehouse.schema import EVENTS_TABLE
from warehouse.scope import DangerousOrgWideScope
from warehouse.sql import (
    Binder,
    Conditions,
    aggregate,
    condition_sql,
    effective_filters,
    settings_sql,
    where_clause,
)

_LIST_SEP = ",\n  "
MAX_WIDGETS_PER_SCAN = 200  # columns stay far below ClickHouse's limits; bigger groups split

TenantValues = dict[str, object]


@dataclass(frozen=True)
class SharedScan:
    query: CompiledQuery
    widgets: tuple[WidgetQuery, ...]

    def values(self, rows: Sequence[Sequence[object]]) -> list[TenantValues]:
        """Per widget, in order: {tenant_id: value} for the tenants with events of it."""
        per_widget: list[TenantValues] = [{} for _ in self.widgets]
        for tenant, *columns in rows:
            for index, values in enumerate(per_widget):
                if columns[2 * index]:
                    values[str(tenant)] = columns[2 * index + 1]
        return per_widget


def compile_metrics_by_tenant(
    widgets: Sequence[WidgetQuery],
    *,
    scope: DangerousOrgWideScope,
    start: datetime,
    end: datetime,
    locked_filters: Sequence[LockedFilters] | None = None,
) -> SharedScan:
    """One scan of `[start, end)` for widgets over one event. Rows:
    [tenant_id, n_0, value_0, n_1, value_1, ...]. `locked_filters`: per widget, the grant's
    locked filters it is computed under (none: the widget's own filters alone)."""
    if not isinstance(scope, DangerousOrgWideScope):
        raise TypeError("compile_metrics_by_tenant needs an explicit DangerousOrgWideScope.")
    if not widgets or len({w.event_name for w in widgets}) != 1:
        raise ValueError("A shared scan reads one event: pass widgets of the same event.")
    if locked_filters is not None and len(locked_filters) != len(widgets):
        raise ValueError("Pass one mapping of locked filters per widget.")
    binder = Binder()
    where = where_clause(
        scope, binder, event_name=widgets[0].event_name, start=start, end=end, conditions=()
    )
    conditions: dict[Conditions, str | None] = {}
    columns = []
    for index, widget in enumerate(widgets):
        locked = locked_filters[index] if locked_filters is not None else {}
        filters = effective_filters(widget.filters, {}, locked)
        if filters not in conditions:
            conditions[filters] = (
                " AND ".join(condition_sql(binder, key, value) for key, value in filters) or None
            )
        condition = conditions[filters]
        count = f"countIf({condition})" if condition else "count()"
        value = aggregate(widget.metric, binder, f"({condition})" if condition else None)
        columns += [f"{count} AS n{index}", f"{value.sql()} AS v{index}"]
    sql = (
        f"SELECT tenant_id,\n  {_LIST_SEP.join(columns)}\n"
        f"FROM {EVENTS_TABLE} FINAL\n{where}\n"
        f"GROUP BY tenant_id ORDER BY tenant_id\n{settings_sql()}"
    )
    return SharedScan(CompiledQuery(sql, binder.values, scope), tuple(widgets))


def metrics_by_tenant(
    widgets: Sequence[WidgetQuery],
    *,
    scope: DangerousOrgWideScope,
    start: datetime,
    end: datetime,
) -> list[TenantValues]:
    """Per widget, {tenant_id: value}: as few scans as there are distinct events (groups of
    at most MAX_WIDGETS_PER_SCAN widgets)."""
    by_event: dict[str, list[int]] = {}
    for index, widget in enumerate(widgets):
        by_event.setdefault(widget.event_name, []).append(index)
    results: list[TenantValues] = [{} for _ in widgets]
    for indexes in by_event.values():
        for first in range(0, len(indexes), MAX_WIDGETS_PER_SCAN):
            chunk = indexes[first : first + MAX_WIDGETS_PER_SCAN]
            scan = compile_metrics_by_tenant(
                [widgets[i] for i in chunk], scope=scope, start=start, end=end
            )
            for index, values in zip(chunk, scan.values(run(scan.query).rows), strict=True):
                results[index] = values
    return results
