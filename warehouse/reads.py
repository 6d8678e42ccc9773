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
"""

import re
from dataclasses import dataclass

from warehouse.backends import Backend, Result, get_backend
from warehouse.params import ParamValue
from warehouse.schema import EVENTS_TABLE
from warehouse.scope import AnyScope, scope_predicate

_EVENTS_READ = re.compile(rf"\bFROM\s+{EVENTS_TABLE}\b")
_WHERE = re.compile(r"\bWHERE\s+")
_CONJUNCT_END = re.compile(r"\s*(?:AND\b|GROUP\b|ORDER\b|LIMIT\b|SETTINGS\b|\)|\Z)")
_OR = re.compile(r"\bOR\b", re.IGNORECASE)


class UnscopedRead(Exception):
    """A query that could read events outside its scope; it was not run."""


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    sql: str
    params: dict[str, ParamValue]
    scope: AnyScope
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
