"""ORM queries compiled once per process and run many times with new values.

Building and compiling a queryset costs Django 100-500 µs of Python per query, many times what
a point read by primary key costs the database. A hot path (every API request's key lookup,
every embed verification) compiles its queryset once with placeholder values, then runs the
same SQL text with the real ones through a cursor and Django's own converters: the SQL is the
ORM's (table and column names from the models, the dialect of the configured database), only
the per-call compiling is gone.
"""

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql import InsertQuery

_PLACEHOLDER = "\x00prepared:{}\x00"


class PreparedQuery:
    """`build(**placeholders)` returns the queryset (a `values_list`, so rows are tuples);
    each name passed becomes a parameter of `rows()` / `first()`. Values must pass through
    the filter unchanged (strings compared with `=` or `IN`), which the compile-time check
    enforces: every placeholder must appear exactly once among the compiled parameters."""

    def __init__(self, build: Callable[..., QuerySet], *names: str, using: str = "default"):
        self._build = build
        self._names = names
        self._using = using
        self._compiled: dict[str, tuple[Any, str, list[Any], list[int], Any]] = {}
        self._lock = threading.Lock()

    def _compile(self) -> tuple[Any, str, list[Any], list[int], Any]:
        vendor = connections[self._using].vendor
        compiled = self._compiled.get(vendor)
        if compiled is not None:
            return compiled
        markers = {name: _PLACEHOLDER.format(name) for name in self._names}
        queryset = self._build(**markers)
        compiler = queryset.query.get_compiler(using=self._using)
        sql, params = compiler.as_sql()
        params = list(params)
        slots = []
        for name in self._names:
            found = [i for i, value in enumerate(params) if value == markers[name]]
            if len(found) != 1:
                raise ValueError(f"Placeholder {name!r} must be one parameter, found {len(found)}.")
            slots.append(found[0])
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        compiled = (compiler, sql, params, slots, compiler.get_converters(fields))
        with self._lock:
            self._compiled[vendor] = compiled
        return compiled

    def rows(self, *values: Any) -> list[tuple[Any, ...]]:
        compiler, sql, params, slots, converters = self._compile()
        bound = list(params)
        for slot, value in zip(slots, values, strict=True):
            bound[slot] = value
        with connections[self._using].cursor() as cursor:
            cursor.execute(sql, bound)
            fetched = cursor.fetchall()
        if not fetched:
            return []
        if converters:
            fetched = compiler.apply_converters(fetched, converters)
        return [tuple(row) for row in fetched]

    def first(self, *values: Any) -> tuple[Any, ...] | None:
        found = self.rows(*values)
        return found[0] if found else None


def field_names(model: Any, *, prefix: str = "") -> Sequence[str]:
    """The concrete fields of `model` as `values_list` names (`prefix` for a relation)."""
    return [prefix + field.attname for field in model._meta.concrete_fields]


class PreparedInsert:
    """One row of `model` inserted with SQL compiled once per database vendor (no RETURNING:
    the caller does not need the new primary key). Values are adapted by each field's own
    `get_db_prep_save`, as `Model.save()` adapts them."""

    def __init__(self, model: Any, *, using: str = "default") -> None:
        self._model = model
        self._using = using
        self._fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self._sql: dict[str, str] = {}

    def _compile(self, instance: Any) -> str:
        connection = connections[self._using]
        sql = self._sql.get(connection.vendor)
        if sql is None:
            query = InsertQuery(self._model)
            query.insert_values(self._fields, [instance])
            [(sql, _params)] = query.get_compiler(using=self._using).as_sql()
            self._sql[connection.vendor] = sql
        return sql

    def insert(self, **values: Any) -> None:
        instance = self._model(**values)
        sql = self._compile(instance)
        connection = connections[self._using]
        params = [
            field.get_db_prep_save(getattr(instance, field.attname), connection)
            for field in self._fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
