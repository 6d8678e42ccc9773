"""The internal embed-usage stream: its rows, how they are written and the Usage page's reads.

A table of its own (`usage_events`, see warehouse.schema), never the customer's `events`: the
compiler, discovery, exports, alert scans and backups read `events` only, so no usage row can
appear in a customer's dashboard data. Every read here goes through `warehouse.reads` with an
organization's scope (and its retention) first in each WHERE, like every read of `events`.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

from warehouse.backends import Backend, encode_compact_columns, get_backend
from warehouse.buckets import bucket_starts
from warehouse.reads import CompiledQuery, run, run_many
from warehouse.schema import USAGE_TABLE
from warehouse.scope import DangerousOrgWideScope, scope_predicate
from warehouse.sql import settings_sql

# What a row records. `data` covers widget data, `drill` and `values` the drill-down and filter
# pickers, `config` the configuration a native component asks for, `load` the load time the
# page reported (load_ms); any kind may carry an error_code (the request failed).
USAGE_KINDS: tuple[str, ...] = ("view", "config", "data", "drill", "values", "export", "load")
REQUEST_KINDS: tuple[str, ...] = ("data", "drill", "values")
# Requests refused before anything was read or shown (over a rate limit or the concurrency
# budget; a page framed by an origin that is not allowed): errors, never views, viewers or
# data requests.
REFUSED_CODES: tuple[str, ...] = ("rate_limited", "frame_blocked")
_SERVED = "error_code NOT IN (" + ", ".join(f"'{code}'" for code in REFUSED_CODES) + ")"
TOP_ROWS = 100  # rows of the per-tenant and per-dashboard tables
TOP_ERRORS = 10


class UsageRow(NamedTuple):
    org_id: str
    timestamp: datetime  # UTC
    tenant_id: str
    kind: str
    dashboard_id: str
    version: int
    session_id: str  # the embed session's jti
    user: str  # the session's `user` ("" when the token names none)
    load_ms: float | None
    error_code: str  # "" when the request succeeded
    insert_id: str
    extras: dict[str, str]  # room for later fields (variants, multi-dashboard sessions, …)


USAGE_COLUMNS: tuple[str, ...] = UsageRow._fields
_TIMESTAMP = USAGE_COLUMNS.index("timestamp")


def usage_insert(rows: Sequence[UsageRow], *, backend: Backend | None = None) -> int:
    return (backend or get_backend()).insert(USAGE_TABLE, USAGE_COLUMNS, rows)


def usage_encode(rows: Sequence[UsageRow]) -> bytes:
    """Rows as one JSONCompactColumns document, as the ingest stream carries event batches."""
    return encode_compact_columns(USAGE_COLUMNS, rows)[0]


def usage_decode(payload: bytes) -> list[UsageRow]:
    try:
        columns = orjson.loads(payload)
        if not isinstance(columns, list) or len(columns) != len(USAGE_COLUMNS):
            raise ValueError(f"expected {len(USAGE_COLUMNS)} columns")
        columns[_TIMESTAMP] = [datetime.fromisoformat(text) for text in columns[_TIMESTAMP]]
        return [UsageRow(*values) for values in zip(*columns, strict=True)]
    except (orjson.JSONDecodeError, TypeError, ValueError) as exc:
        raise ValueError(f"Not an encoded usage batch: {exc}") from exc


def usage_insert_encoded(payloads: Sequence[bytes], *, backend: Backend | None = None) -> int:
    return (backend or get_backend()).insert_encoded(
        USAGE_TABLE, USAGE_COLUMNS, payloads, decode=usage_decode
    )


# --- Reads of the Usage page -------------------------------------------------------------------


@dataclass(frozen=True)
class UsageWindow:
    org_id: str
    start: datetime  # aware, UTC
    end: datetime
    bucket: str  # "hour" | "day" | "week" (UTC buckets)
    since: datetime | None = None  # the organization's retention
    tenant_id: str | None = None  # narrow to one tenant
    dashboard_id: str | None = None  # narrow to one dashboard


@dataclass(frozen=True)
class UsageReport:
    totals: dict[str, Any]
    series: list[dict[str, Any]]  # one per bucket, zero-filled
    tenants: list[dict[str, Any]]
    dashboards: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    exports: list[dict[str, Any]]


_MEASURES = (
    f"countIf(kind = 'view' AND {_SERVED}) AS views",
    f"uniqExactIf(if(user != '', user, session_id), {_SERVED}) AS viewers",
    f"countIf(kind IN ('data', 'drill', 'values') AND {_SERVED}) AS data_requests",
    "countIf(kind = 'export' AND error_code = '') AS exports",
    "countIf(error_code != '') AS errors",
    "quantileIf(0.5)(load_ms, kind = 'load' AND isNotNull(load_ms)) AS load_p50",
    "quantileIf(0.95)(load_ms, kind = 'load' AND isNotNull(load_ms)) AS load_p95",
)
_MEASURE_NAMES = tuple(m.rsplit(" AS ", 1)[1] for m in _MEASURES)
_BUCKET_SQL = {
    "hour": "toStartOfHour(timestamp, 'UTC')",
    "day": "toStartOfDay(timestamp, 'UTC')",
    "week": "toDateTime(toMonday(timestamp, 'UTC'), 'UTC')",
}


def _scope(window: UsageWindow) -> DangerousOrgWideScope:
    return DangerousOrgWideScope(
        org_id=window.org_id, tenant_id=window.tenant_id, since=window.since
    )


def _where(window: UsageWindow) -> tuple[str, dict[str, Any]]:
    predicate, params = scope_predicate(_scope(window))
    where = (
        f"WHERE {predicate} AND timestamp >= {{start:DateTime64(3, 'UTC')}} "
        "AND timestamp < {end:DateTime64(3, 'UTC')}"
    )
    params = {**params, "start": window.start, "end": window.end}
    if window.dashboard_id:
        where += " AND dashboard_id = {dashboard_id:String}"
        params["dashboard_id"] = window.dashboard_id
    return where, params


def _select(window: UsageWindow, columns: str, tail: str) -> CompiledQuery:
    where, params = _where(window)
    sql = f"SELECT {columns}\nFROM {USAGE_TABLE} FINAL\n{where}\n{tail}\n{settings_sql()}"
    return CompiledQuery(sql, params, _scope(window))


def usage_report(window: UsageWindow) -> UsageReport:
    """Views, distinct viewers (the session's `user`, else the session), data requests,
    exports, errors and the p50 / p95 load time reported by the pages: in total, per bucket,
    per tenant and per dashboard; the top errors and the exports. One round trip."""
    if window.bucket not in _BUCKET_SQL:
        raise ValueError(f"Usage buckets are hour, day or week, not {window.bucket!r}.")
    measures = ", ".join(_MEASURES)
    queries = [
        _select(window, measures, ""),
        _select(
            window,
            f"toUnixTimestamp({_BUCKET_SQL[window.bucket]}) AS b, {measures}",
            "GROUP BY b ORDER BY b",
        ),
        _select(
            window,
            f"tenant_id, {measures}",
            "GROUP BY tenant_id "
            f"ORDER BY views DESC, data_requests DESC, tenant_id LIMIT {TOP_ROWS}",
        ),
        _select(
            window,
            f"dashboard_id, max(version) AS version, {measures}",
            "GROUP BY dashboard_id "
            f"ORDER BY views DESC, data_requests DESC, dashboard_id LIMIT {TOP_ROWS}",
        ),
        _select(
            window,
            "error_code, kind, count() AS count, uniqExact(tenant_id) AS tenants, "
            "toUnixTimestamp(max(timestamp)) AS last_seen",
            f"AND error_code != '' GROUP BY error_code, kind "
            f"ORDER BY count DESC, error_code, kind LIMIT {TOP_ERRORS}",
        ),
        _select(
            window,
            "tenant_id, dashboard_id, count() AS count, toUnixTimestamp(max(timestamp)) AS last",
            "AND kind = 'export' AND error_code = '' GROUP BY tenant_id, dashboard_id "
            f"ORDER BY count DESC, tenant_id, dashboard_id LIMIT {TOP_ROWS}",
        ),
    ]
    totals, series, tenants, dashboards, errors, exports = run_many(queries)
    by_bucket = {int(row[0]): _measures(row[1:]) for row in series.rows}
    starts = bucket_starts(window.bucket, window.start, window.end, UTC)
    empty = _measures([0, 0, 0, 0, 0, None, None])
    return UsageReport(
        totals=_measures(totals.rows[0]) if totals.rows else empty,
        series=[{"t": start, **by_bucket.get(int(start.timestamp()), empty)} for start in starts],
        tenants=[{"tenant_id": row[0], **_measures(row[1:])} for row in tenants.rows],
        dashboards=[
            {"dashboard_id": row[0], "version": int(row[1]), **_measures(row[2:])}
            for row in dashboards.rows
        ],
        errors=[
            {
                "error_code": code,
                "kind": kind,
                "count": int(count),
                "tenants": int(distinct),
                "last_seen": _moment(last),
            }
            for code, kind, count, distinct, last in errors.rows
        ],
        exports=[
            {"tenant_id": t, "dashboard_id": d, "count": int(n), "last": _moment(last)}
            for t, d, n, last in exports.rows
        ],
    )


def usage_choices(window: UsageWindow) -> tuple[list[str], list[str]]:
    """The tenants and dashboards that have usage in the window (the page's pickers), across
    the whole organization whatever the window narrows to."""
    wide = UsageWindow(window.org_id, window.start, window.end, window.bucket, window.since)
    row = run(
        _select(
            wide,
            f"groupUniqArray({TOP_ROWS * 5})(tenant_id), groupUniqArray({TOP_ROWS})(dashboard_id)",
            "",
        )
    ).rows
    tenants, dashboards = row[0] if row else ([], [])
    return sorted(tenants), sorted(dashboards)


def _measures(values: Sequence[Any]) -> dict[str, Any]:
    measures = dict(zip(_MEASURE_NAMES, values, strict=True))
    for name in ("views", "viewers", "data_requests", "exports", "errors"):
        measures[name] = int(measures[name] or 0)
    for name in ("load_p50", "load_p95"):
        value = measures[name]
        measures[name] = None if value is None or math.isnan(float(value)) else round(value, 1)
    return measures


def _moment(seconds: Any) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)
