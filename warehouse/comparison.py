"""The reads that put this period next to the previous one (the same-length window just
before) in one scan: a KPI with its sparkline, and a time series compared with its previous
period. Conditional aggregates tell the two windows apart; the WHERE starts with the scope
predicate like every other read (`warehouse.sql.where_clause`)."""

from datetime import datetime, timedelta

from warehouse.buckets import bucket_sql_of
from warehouse.query import WidgetQuery
from warehouse.schema import EVENTS_TABLE
from warehouse.scope import Scope, TenantsScope
from warehouse.sql import (
    TIME_TYPE,
    Binder,
    Conditions,
    aggregate,
    grouping_of,
    settings_sql,
    where_clause,
)


def with_previous(
    widget: WidgetQuery,
    scope: Scope | TenantsScope,
    binder: Binder,
    start: datetime,
    end: datetime,
    conditions: Conditions,
) -> tuple[str, str, str]:
    """The WHERE over the previous window and this one, [start - (end - start), end), and the
    conditions that tell them apart (this period, the previous one)."""
    where = where_clause(
        scope,
        binder,
        event_name=widget.event_name,
        start=start - (end - start),
        end=end,
        conditions=conditions,
    )
    boundary = binder.bind("t", start, TIME_TYPE)
    return where, f"timestamp >= {boundary}", f"timestamp < {boundary}"


def kpi_trend_sql(
    widget: WidgetQuery,
    scope: Scope | TenantsScope,
    binder: Binder,
    bucket: str,
    start: datetime,
    end: datetime,
    conditions: Conditions,
) -> str:
    """A KPI with its sparkline in one scan: per bucket, partial states of the metric over this
    period and the previous one; their merges are the KPI (exact for uniques and percentiles
    too), the finalized states of this period the points. One row: value, previous, and the
    [bucket, value] pairs (buckets of the previous window carry an empty state: skipped).
    A TenantsScope: that row per tenant, `tenant_id` first."""
    where, current, previous = with_previous(widget, scope, binder, start, end, conditions)
    now = aggregate(widget.metric, binder, current)
    before = aggregate(widget.metric, binder, previous)
    indented_where = where.replace("\n", "\n  ")
    g = grouping_of(scope)
    outer = f"{g.group_by()}\n" if g.select else ""
    return (
        f"SELECT {g.select}{now.merge('this_state')} AS value,\n"
        f"  {before.merge('previous_state')} AS previous,\n"
        f"  groupArray(tuple(bucket, {now.finalize('this_state')})) AS points\n"
        f"FROM (\n"
        f"  SELECT {g.select}{bucket_sql_of(bucket)} AS bucket,\n"
        f"    {now.sql('State')} AS this_state, {before.sql('State')} AS previous_state\n"
        f"  FROM {EVENTS_TABLE} FINAL\n  {indented_where}\n"
        f"  GROUP BY {g.select}bucket)\n{outer}{settings_sql(g.reads)}"
    )


def compared_sql(
    widget: WidgetQuery,
    scope: Scope | TenantsScope,
    binder: Binder,
    bucket: str,
    start: datetime,
    end: datetime,
    conditions: Conditions,
) -> str:
    """A time series and its previous period in one scan. An event of the previous window is
    bucketed one period later (its timestamp + (end - start)), so each previous point covers
    exactly the span of the current bucket it sits under, one period earlier; the buckets are
    the viewer's local ones of this period."""
    where, current, previous = with_previous(widget, scope, binder, start, end, conditions)
    shift = binder.bind("p", (end - start) // timedelta(milliseconds=1), "Int64")
    moment = f"if({current}, timestamp, timestamp + toIntervalMillisecond({shift}))"
    g = grouping_of(scope)
    return (
        f"SELECT {g.select}{bucket_sql_of(bucket, moment)} AS bucket,\n"
        f"  {aggregate(widget.metric, binder, current).sql()} AS value,\n"
        f"  {aggregate(widget.metric, binder, previous).sql()} AS previous\n"
        f"FROM {EVENTS_TABLE} FINAL\n{where}\n"
        f"GROUP BY {g.select}bucket ORDER BY {g.select}bucket\n{settings_sql(g.reads)}"
    )
