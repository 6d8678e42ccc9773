"""The one way a read of events reaches a backend, and the check it makes first.

The compiler (and discovery, and the stats) put the scope predicate of `warehouse.scope` first
in every WHERE. `run` does not take that on trust (Snuba's habit, next to PostHog's compiler
guard): it refuses a query unless
  - every WHERE starts with the predicate of the query's own scope, as a whole conjunct;
  - there are at least as many WHERE clauses as reads of the events table;
  - the scope parameters bound are exactly the scope's ids;
  - the text holds no OR, which could otherwise widen a conjunction that starts well
    (none of our SQL needs one: conditions are ANDed, choices are parameters).
A refusal is a bug in our SQL, never bad input, so it is not a WarehouseError that a caller
might turn into "try again later": it surfaces.

A read of a `TenantsScope` (several tenants in one statement) is checked the same way, its
predicate binding exactly the scope's tenant ids; `split_tenants` then cuts its rows per tenant
and refuses any row of a tenant outside the scope.
"""

import re
from dataclasses import dataclass

from warehouse.backends import Backend, Result, get_backend
from warehouse.params import ParamValue
from warehouse.schema import EVENTS_TABLE, USAGE_TABLE
from warehouse.scope import ReadScope, TenantsScope, scope_predicate

# Reads of the organization-scoped tables: the customer's events and the usage stream.
_EVENTS_READ = re.compile(rf"\bFROM\s+(?:{EVENTS_TABLE}|{USAGE_TABLE})\b")
_WHERE = re.compile(r"\bWHERE\s+")
_CONJUNCT_END = re.compile(r"\s*(?:AND\b|GROUP\b|ORDER\b|LIMIT\b|SETTINGS\b|\)|\Z)")
_OR = re.compile(r"\bOR\b", re.IGNORECASE)


class UnscopedRead(Exception):
    """A query that could read events outside its scope; it was not run."""


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    sql: str
    params: dict[str, ParamValue]
    scope: ReadScope
    columns: tuple[str, ...] = ()  # table widgets: the column names of the data


def check_scoped(query: CompiledQuery) -> None:
    """Raise UnscopedRead unless every read of `query` is confined to its scope."""
    predicate, scope_params = scope_predicate(query.scope)
    sql = query.sql
    for name, value in scope_params.items():
        if query.params.get(name) != value:
            raise UnscopedRead(f"The scope parameter {name} is not the query's scope.")
    wheres = [match.end() for match in _WHERE.finditer(sql)]
    for start in wheres:
        if not sql.startswith(predicate, start) or not _CONJUNCT_END.match(
            sql, start + len(predicate)
        ):
            raise UnscopedRead("A WHERE does not start with the scope predicate.")
    if len(wheres) < len(_EVENTS_READ.findall(sql)):
        raise UnscopedRead("A read of events has no WHERE.")
    if _OR.search(sql):
        raise UnscopedRead("A scoped query may not contain OR.")


def run(query: CompiledQuery, *, backend: Backend | None = None) -> Result:
    """Check, then execute: the only way a read of events reaches a backend."""
    check_scoped(query)
    return (backend or get_backend()).query(query.sql, query.params)


_PARAM = re.compile(r"\{(\w+):")
_SETTINGS_TAIL = re.compile(r"\nSETTINGS [^\n]*\Z")
_STATEMENT_SETTINGS = re.compile(r"\b(max_rows_to_read)\s*=\s*(\d+)")


def combine(queries: list[CompiledQuery]) -> CompiledQuery:
    """Several reads of one scope as ONE statement: `SELECT i, tuple(*) FROM (query i)` for
    each, joined by UNION ALL, so the backend parses, plans and runs them together (its
    threads share the branches) and answers in one round trip. Each row is
    [query index, the query's row as an array]; the branches' row types differ, so the common
    type is a Variant. Parameters are renamed per query (`q2_k0`), except the scope's, which
    all share. Each query's trailing SETTINGS move to the end, `max_rows_to_read` summed."""
    scope = queries[0].scope
    if any(query.scope != scope for query in queries):
        raise ValueError("Only reads of one scope are combined.")
    scope_names = set(scope_predicate(scope)[1])
    branches, params, rows_limit, settings = [], {}, 0, ""
    for index, query in enumerate(queries):
        tail = _SETTINGS_TAIL.search(query.sql)
        sql = query.sql[: tail.start()] if tail else query.sql
        if tail:
            settings = tail.group(0).strip()
            limit = _STATEMENT_SETTINGS.search(settings)
            rows_limit += int(limit.group(2)) if limit else 0

        def rename(match: re.Match[str], index: int = index) -> str:
            name = match.group(1)
            return match.group(0) if name in scope_names else f"{{q{index}_{name}:"

        branches.append(f"SELECT {index} AS q, tuple(*) AS r FROM (\n{_PARAM.sub(rename, sql)}\n)")
        for name, value in query.params.items():
            params[name if name in scope_names else f"q{index}_{name}"] = value
    if settings and rows_limit:
        settings = _STATEMENT_SETTINGS.sub(f"max_rows_to_read = {rows_limit}", settings)
    settings = (
        f"{settings}, use_variant_as_common_type = 1"
        if settings
        else ("SETTINGS use_variant_as_common_type = 1")
    )
    return CompiledQuery("\nUNION ALL\n".join(branches) + "\n" + settings, params, scope)


def run_many(queries: list[CompiledQuery], *, backend: Backend | None = None) -> list[Result]:
    """Check every query, then execute them all: in one statement where the backend prefers
    that (chDB: one in-process session, so one statement is the only way to use both cores),
    else concurrently over the backend's connections (a ClickHouse server). Raises the first
    failure; the caller may retry the queries one by one to isolate it."""
    for query in queries:
        check_scoped(query)
    backend = backend or get_backend()
    if len(queries) > 1 and backend.prefers_one_statement:
        combined = combine(queries)
        check_scoped(combined)
        results: list[list[list[object]]] = [[] for _ in queries]
        for index, row in backend.query(combined.sql, combined.params).rows:
            results[int(index)].append(row)
        return [Result(columns=[], rows=rows) for rows in results]
    return backend.query_many([(query.sql, query.params) for query in queries])


def split_tenants(result: Result, scope: TenantsScope) -> dict[str, Result]:
    """A grouped read's rows ([tenant_id, ...the tenant's own row]) as each tenant's Result, in
    the statement's order; a tenant without rows gets an empty one. A row of any other tenant
    raises UnscopedRead: it is never handed to anyone."""
    if not isinstance(scope, TenantsScope):
        raise TypeError("Only the reads of a TenantsScope are split per tenant.")
    rows: dict[str, list[list[object]]] = {tenant: [] for tenant in scope.tenant_ids}
    for row in result.rows:
        own = rows.get(row[0]) if isinstance(row[0], str) else None
        if own is None:
            raise UnscopedRead("A grouped read returned a row of a tenant outside its scope.")
        own.append(list(row[1:]))
    columns = result.columns[1:]
    return {tenant: Result(columns=columns, rows=own) for tenant, own in rows.items()}


def run_many_of_tenants(
    queries: list[CompiledQuery], scope: TenantsScope, *, backend: Backend | None = None
) -> dict[str, list[Result]]:
    """`run_many` of grouped reads of `scope`, answered per tenant: each tenant's Results in
    the order of `queries` (split by `split_tenants`)."""
    parts = [split_tenants(result, scope) for result in run_many(queries, backend=backend)]
    return {tenant: [part[tenant] for part in parts] for tenant in scope.tenant_ids}
