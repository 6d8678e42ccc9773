"""The scoped query compiler: a widget query + a scope + a window + filters -> one SQL query.

Its input is the warehouse's own contract, `warehouse.query.WidgetQuery`, which dashboards
builds from a validated widget spec; its output runs through `warehouse.reads.run`, which checks
the scope predicate once more before anything reaches a backend.

Guarantees, each checked by tests/warehouse/test_compiler.py:
- every read of `events` (subqueries included) starts its WHERE with the scope predicate of
  `warehouse.scope`; a widget query without a `Scope` raises instead of running unscoped;
- nothing from input becomes SQL text: event names, property keys, filter keys and values, the
  timezone, time bounds and limits are all `{name:Type}` parameters. The only variable text is
  chosen from fixed tables here (aggregate functions, bucket functions, sort direction);
- locked filters (from an embed token: a value, a list of values or a numeric range) replace the
  widget's and the viewer's condition on the same key, so the viewer can only narrow what the
  token allows (one value of a locked list), never widen it;
- every query reads `FROM events FINAL` (de-duplicated re-sends), is bounded in time and ends
  with read-only execution limits from settings.

Given a `TenantsScope` instead of a `Scope`, `compile_widget` and `compile_kpis` emit the same
read for several tenants of one organization in ONE statement: `tenant_id` is the first column
and the first grouping key of every aggregation, rankings (top N keys, breakdown ranks, table
rows) are per tenant (`PARTITION BY tenant_id`, `LIMIT n BY tenant_id`), and
`warehouse.reads.split_tenants` cuts the rows into what each tenant's own query returns (a
tenant without rows gets none, which every data shape reads like the empty aggregates of its
own query: tests/dashboards/test_grouped_reads.py compares them).

Metrics are exact: `uniqExact` for count_unique and `quantileExact` for p95/p99 (the element at
index floor(level * n) of the sorted values), so results can be compared exactly with a plain
computation. Empty groups: avg and percentiles are NULL (NaN on some backends), never 0.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from warehouse.buckets import BUCKET_SQL, bucket_sql_of
from warehouse.comparison import compared_sql, kpi_trend_sql, with_previous
from warehouse.query import LockedFilters, WidgetQuery
from warehouse.reads import CompiledQuery
from warehouse.schema import EVENTS_TABLE
from warehouse.scope import DangerousOrgWideScope, Scope, TenantsScope
from warehouse.sql import (
    Binder,
    Conditions,
    Grouping,
    aggregate,
    effective_filters,
    grouping_of,
    settings_sql,
    where_clause,
)

OTHER = "other"  # every key beyond the top N, its metric computed over all of their events
DRILL_MAX_ROWS = 1000

_SORT_SQL = {"asc": "ASC", "desc": "DESC"}
_LIST_SEP = ",\n  "


def _require_tenant_scope(scope: object) -> Scope:
    if not isinstance(scope, Scope):
        raise TypeError("Widget queries need a tenant Scope(org_id, tenant_id).")
    return scope


WidgetScope = Scope | TenantsScope


def compile_widget(
    widget: WidgetQuery,
    *,
    scope: WidgetScope,
    start: datetime,
    end: datetime,
    tz: str,
    filters: Mapping[str, str] | None = None,
    locked_filters: LockedFilters | None = None,
    bucket: str | None = None,
) -> CompiledQuery:
    """The one query of a widget for one tenant. `bucket` (timeseries) is a resolved size,
    see warehouse.buckets.resolve_bucket (also a KPI sparkline's). KPI queries and compared
    time series also read the previous window [start - (end - start), start)."""
    grouping_of(scope)
    conditions = effective_filters(widget.filters, filters or {}, locked_filters or {})
    binder = Binder()
    if widget.kind == "kpi":
        if widget.trend:
            binder.values["tz"] = tz
            sql = kpi_trend_sql(widget, scope, binder, _resolved(bucket), start, end, conditions)
        else:
            sql = _kpi_sql([widget], scope, binder, start=start, end=end, conditions=conditions)
        return CompiledQuery(sql, binder.values, scope)
    if widget.kind == "timeseries" and widget.compare:
        binder.values["tz"] = tz
        sql = compared_sql(widget, scope, binder, _resolved(bucket), start, end, conditions)
        return CompiledQuery(sql, binder.values, scope)
    if widget.kind == "funnel":
        sql = _funnel_sql(widget, scope, binder, start=start, end=end, conditions=conditions)
        return CompiledQuery(sql, binder.values, scope)
    where = where_clause(
        scope, binder, event_name=widget.event_name, start=start, end=end, conditions=conditions
    )
    if widget.kind == "timeseries":
        sql = _timeseries_sql(widget, binder, where, _resolved(bucket), tz, grouping_of(scope))
        return CompiledQuery(sql, binder.values, scope)
    if widget.kind == "breakdown":
        sql = _breakdown_sql(widget, binder, where, grouping_of(scope))
        return CompiledQuery(sql, binder.values, scope)
    if widget.kind == "table":
        sql, columns = _table_sql(widget, binder, where, grouping_of(scope))
        return CompiledQuery(sql, binder.values, scope, columns)
    raise ValueError(f"Unknown widget kind {widget.kind!r}.")


def compile_kpis(
    widgets: Sequence[WidgetQuery],
    *,
    scope: WidgetScope,
    start: datetime,
    end: datetime,
    filters: Mapping[str, str] | None = None,
    locked_filters: Mapping[str, str] | None = None,
) -> CompiledQuery:
    """Several KPIs of one event whose effective filters are the same, as ONE scan: its row is
    each widget's (value, previous) in order, the aggregates of `compile_widget`'s KPI query
    over the same rows. Raises ValueError for widgets that do not read the same rows."""
    grouping_of(scope)
    conditions = {
        effective_filters(w.filters, filters or {}, locked_filters or {}) for w in widgets
    }
    if (
        not widgets
        or any(w.kind != "kpi" or w.trend for w in widgets)  # a sparkline has its own query
        or len({w.event_name for w in widgets}) != 1
        or len(conditions) != 1
    ):
        raise ValueError("Only KPIs of one event with the same filters share a scan.")
    binder = Binder()
    sql = _kpi_sql(widgets, scope, binder, start=start, end=end, conditions=next(iter(conditions)))
    return CompiledQuery(sql, binder.values, scope)


def _resolved(bucket: str | None) -> str:
    if bucket not in BUCKET_SQL:
        raise ValueError(f"A timeseries needs a resolved bucket size, not {bucket!r}.")
    return bucket


def _kpi_sql(
    widgets: Sequence[WidgetQuery],
    scope: WidgetScope,
    binder: Binder,
    *,
    start: datetime,
    end: datetime,
    conditions: Conditions,
) -> str:
    """One KPI: `value, previous`; several (compile_kpis): `value_0, previous_0, value_1, …`."""
    where, this_period, previous_period = with_previous(
        widgets[0], scope, binder, start, end, conditions
    )
    grouping = grouping_of(scope)
    columns = ["tenant_id"] if grouping.select else []
    for index, widget in enumerate(widgets):
        suffix = f"_{index}" if len(widgets) > 1 else ""
        current = aggregate(widget.metric, binder, this_period).sql()
        previous = aggregate(widget.metric, binder, previous_period).sql()
        columns += [f"{current} AS value{suffix}", f"{previous} AS previous{suffix}"]
    group = f"{grouping.group_by()}\n" if grouping.select else ""
    return (
        f"SELECT\n  {_LIST_SEP.join(columns)}\nFROM {EVENTS_TABLE} FINAL\n{where}\n"
        f"{group}{settings_sql(grouping.reads)}"
    )


def _funnel_sql(
    widget: WidgetQuery,
    scope: WidgetScope,
    binder: Binder,
    *,
    start: datetime,
    end: datetime,
    conditions: Conditions,
) -> str:
    """Per user, the deepest step reached in order within the window (ClickHouse's
    windowFunnel over millisecond timestamps, a chain starting at a first-step event), then the
    number of users per depth. Rows: [level, users]; users without a user_id never count."""
    assert widget.steps and widget.window_seconds, "the spec gives every funnel its steps"
    where = where_clause(
        scope, binder, event_name=widget.steps, start=start, end=end, conditions=conditions
    )
    window = binder.bind("w", widget.window_seconds * 1000, "UInt64")
    steps = ", ".join(f"event_name = {binder.bind('s', step, 'String')}" for step in widget.steps)
    indented_where = where.replace("\n", "\n  ")
    g = grouping_of(scope)
    return (
        f"SELECT {g.select}level, count() AS users FROM (\n"
        f"  SELECT {g.select}user_id, windowFunnel({window})"
        f"(toUInt64(toUnixTimestamp64Milli(timestamp)), {steps}) AS level\n"
        f"  FROM {EVENTS_TABLE} FINAL\n  {indented_where}\n  AND user_id != ''\n"
        f"  {g.group_by('user_id')})\n"
        f"{g.group_by('level')} ORDER BY {g.key}level\n{settings_sql(g.reads)}"
    )


def _top_keys_sql(
    widget: WidgetQuery, binder: Binder, where: str, dimension: str, g: Grouping
) -> str:
    """A scalar subquery: the `limit` keys with the largest metric (ties by key), as an array.
    It reads events under the same WHERE, so the same scope predicate. Grouped: a map of each
    tenant's own top keys (ranked per tenant, in rank order), read as `top[tenant_id]`."""
    limit = binder.bind("n", widget.limit, "UInt32")
    indented_where = where.replace("\n", "\n  ")
    if g.select:
        ranked = f"{aggregate(widget.metric, binder).sql()} AS ranked"
        deeper_where = where.replace("\n", "\n      ")
        return (
            f"(SELECT mapFromArrays(groupArray(tenant_id), groupArray(keys)) FROM (\n"
            f"  SELECT tenant_id,\n"
            f"    arraySlice(arrayMap(x -> x.2, arraySort(groupArray((position, key)))),"
            f" 1, {limit}) AS keys\n"
            f"  FROM (\n"
            f"    SELECT tenant_id, key, row_number() OVER (PARTITION BY tenant_id"
            f" ORDER BY ranked DESC NULLS LAST, key ASC) AS position\n"
            f"    FROM (\n"
            f"      SELECT tenant_id, {dimension} AS key, {ranked}\n"
            f"      FROM {EVENTS_TABLE} FINAL\n      {deeper_where}\n"
            f"      GROUP BY tenant_id, key))\n"
            f"  GROUP BY tenant_id))"
        )
    return (
        f"(SELECT groupArray(key) FROM (\n"
        f"  SELECT {dimension} AS key, {aggregate(widget.metric, binder).sql()} AS ranked\n"
        f"  FROM {EVENTS_TABLE} FINAL\n  {indented_where}\n"
        f"  GROUP BY key ORDER BY ranked DESC NULLS LAST, key ASC LIMIT {limit}))"
    )


def _timeseries_sql(
    widget: WidgetQuery, binder: Binder, where: str, bucket: str, tz: str, g: Grouping
) -> str:
    binder.values["tz"] = tz
    bucket_sql = bucket_sql_of(bucket)
    value = aggregate(widget.metric, binder).sql()
    if not widget.group_by:
        return (
            f"SELECT {g.select}{bucket_sql} AS bucket, {value} AS value\n"
            f"FROM {EVENTS_TABLE} FINAL\n{where}\n"
            f"{g.group_by('bucket')} ORDER BY {g.key}bucket\n{settings_sql(g.reads)}"
        )
    # Split series: the top N keys over the whole window; the rest is one "other" series
    # (series index 0), computed over its own events so avg/percentiles stay right. Unlike the
    # breakdown, the keys come first (a scalar subquery, so a second scan): ranking them in the
    # same scan needs per-key window merges of per-bucket states, which measured no faster.
    dimension = f"string_props[{binder.key(widget.group_by[0])}]"
    top = _top_keys_sql(widget, binder, where, dimension, g)
    keys = "top[tenant_id]" if g.select else "top"  # grouped: this tenant's own top keys
    return (
        f"WITH {top} AS top\n"
        f"SELECT {g.select}{bucket_sql} AS bucket, indexOf({keys}, {dimension}) AS series,\n"
        f"  {value} AS value, {keys}\n"
        f"FROM {EVENTS_TABLE} FINAL\n{where}\n"
        f"{g.group_by('bucket, series')} ORDER BY {g.key}bucket, series\n"
        f"{settings_sql(g.reads)}"
    )


def _breakdown_sql(widget: WidgetQuery, binder: Binder, where: str, g: Grouping) -> str:
    """One scan: the metric's partial state per key, keys ranked by its final value (ties by
    key), then rank 1..N are the top keys and rank 0 merges every other key's state into
    "other" (shown last) - right for avg, percentiles and uniques too, not only sums."""
    dimension = f"string_props[{binder.key(widget.group_by[0])}]"
    metric = aggregate(widget.metric, binder)
    limit = binder.bind("n", widget.limit, "UInt32")
    indented_where = where.replace("\n", "\n    ")
    return (
        f"SELECT {g.select}if(position <= {limit}, position, 0) AS rank, any(key) AS key,\n"
        f"  {metric.merge('state')} AS value\n"
        f"FROM (\n"
        f"  SELECT {g.select}key, state,\n"
        f"    row_number() OVER ({g.partition}ORDER BY {metric.finalize('state')} DESC NULLS LAST,"
        f" key ASC) AS position\n"
        f"  FROM (\n"
        f"    SELECT {g.select}{dimension} AS key, {metric.sql('State')} AS state\n"
        f"    FROM {EVENTS_TABLE} FINAL\n    {indented_where}\n"
        f"    {g.group_by('key')}))\n"
        f"{g.group_by('rank')} ORDER BY {g.key}rank\n{settings_sql(g.reads)}"
    )


def _table_sql(
    widget: WidgetQuery, binder: Binder, where: str, g: Grouping
) -> tuple[str, tuple[str, ...]]:
    dimensions = ["tenant_id"] if g.select else []
    dimensions += [
        f"string_props[{binder.key(key)}] AS d{i}" for i, key in enumerate(widget.group_by)
    ]
    metrics = [f"{aggregate(m, binder).sql()} AS m{i}" for i, m in enumerate(widget.metrics)]
    columns = (*widget.group_by, *(m.label for m in widget.metrics))
    # The sort column is one of our own aliases, picked by its position among the columns.
    aliases = [f"d{i}" for i in range(len(widget.group_by))] + [
        f"m{i}" for i in range(len(metrics))
    ]
    sort = widget.sort
    assert sort is not None, "the spec gives every table a sort"
    order = [f"{aliases[columns.index(sort.by)]} {_SORT_SQL[sort.direction]} NULLS LAST"]
    order += [f"d{i} ASC" for i in range(len(widget.group_by))]
    group = ", ".join(f"d{i}" for i in range(len(widget.group_by)))
    limit = binder.bind("n", widget.limit, "UInt32")
    sql = (
        f"SELECT\n  {_LIST_SEP.join(dimensions + metrics)}\n"
        f"FROM {EVENTS_TABLE} FINAL\n{where}\n"
        f"{g.group_by(group)} ORDER BY {g.key}{', '.join(order)} LIMIT {limit}{g.limit_by}\n"
        f"{settings_sql(g.reads)}"
    )
    return sql, columns


def compile_metric_by_tenant(
    widget: WidgetQuery, *, scope: DangerousOrgWideScope, start: datetime, end: datetime
) -> CompiledQuery:
    """For alerts: the widget's metric (with its own filters) per tenant over [start, end), in
    one query. Rows: [tenant_id, value]; a tenant without events in the window has no row."""
    if not isinstance(scope, DangerousOrgWideScope):
        raise TypeError("compile_metric_by_tenant needs an explicit DangerousOrgWideScope.")
    binder = Binder()
    conditions = effective_filters(widget.filters, {}, {})
    where = where_clause(
        scope, binder, event_name=widget.event_name, start=start, end=end, conditions=conditions
    )
    sql = (
        f"SELECT tenant_id, {aggregate(widget.metric, binder).sql()} AS value\n"
        f"FROM {EVENTS_TABLE} FINAL\n{where}\n"
        f"GROUP BY tenant_id ORDER BY tenant_id\n{settings_sql()}"
    )
    return CompiledQuery(sql, binder.values, scope)


def compile_drill(
    widget: WidgetQuery,
    *,
    scope: Scope,
    start: datetime,
    end: datetime,
    filters: Mapping[str, str],
    locked_filters: LockedFilters | None = None,
    limit: int = 100,
) -> CompiledQuery:
    """The events behind a widget (its event and filters, plus `filters`, e.g. the clicked
    breakdown key), newest first. Rows: [timestamp, user_id, string_props, numeric_props]."""
    _require_tenant_scope(scope)
    if not 1 <= limit <= DRILL_MAX_ROWS:
        raise ValueError(f"limit must be 1..{DRILL_MAX_ROWS}")
    binder = Binder()
    conditions = effective_filters(widget.filters, filters, locked_filters or {})
    where = where_clause(
        scope, binder, event_name=widget.event_name, start=start, end=end, conditions=conditions
    )
    sql = (
        f"SELECT timestamp, user_id, string_props, numeric_props\n"
        f"FROM {EVENTS_TABLE} FINAL\n{where}\n"
        f"ORDER BY timestamp DESC LIMIT {binder.bind('n', limit, 'UInt32')}\n{settings_sql()}"
    )
    return CompiledQuery(sql, binder.values, scope)


def compile_filter_values(
    *,
    scope: Scope,
    event_names: tuple[str, ...],
    dimension: str,
    start: datetime,
    end: datetime,
    search: str = "",
    locked_filters: LockedFilters | None = None,
    limit: int = 20,
) -> CompiledQuery:
    """A viewer filter's picker: the tenant's most frequent values of `dimension` over the
    dashboard's events in the window (optionally containing `search`, case-insensitive), under
    the locked filters. Rows: [value, events]."""
    _require_tenant_scope(scope)
    if not 1 <= limit <= 100:
        raise ValueError("limit must be 1..100")
    binder = Binder()
    conditions = effective_filters({}, {}, locked_filters or {})
    where = where_clause(
        scope, binder, event_name=event_names, start=start, end=end, conditions=conditions
    )
    key = binder.key(dimension)
    narrowing = f"\n  AND mapContains(string_props, {key})"
    if search:
        narrowing += (
            f"\n  AND positionCaseInsensitiveUTF8(string_props[{key}], "
            f"{binder.bind('q', search, 'String')}) > 0"
        )
    sql = (
        f"SELECT string_props[{key}] AS value, count() AS events\n"
        f"FROM {EVENTS_TABLE} FINAL\n{where}{narrowing}\n"
        f"GROUP BY value ORDER BY events DESC, value ASC "
        f"LIMIT {binder.bind('n', limit, 'UInt32')}\n{settings_sql()}"
    )
    return CompiledQuery(sql, binder.values, scope)
