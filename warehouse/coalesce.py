"""Concurrent reads of one shape for different tenants, coalesced into ONE grouped statement
(the embedded backend).

chDB runs one statement at a time per process, and a cold dashboard's statement costs mostly
its parsing and planning, not its rows: when a hundred tenants open the same dashboard at once,
the hundredth waited for 99 statements. Here a read that arrives while another coalescible read
runs waits in a batch of reads of its shape (the same SQL text, columns and parameters, the
tenant aside, of one organization and retention bound); the batch's first member, its leader,
runs the whole batch as soon as the backend is free as one grouped read (a `TenantsScope`,
compiled by the leader's `grouped`) and hands each member its own tenant's rows
(`warehouse.reads.split_tenants`, which refuses a row of any tenant outside the batch). An
error of that read reaches every member. A read that arrives while none runs runs at once,
alone, exactly as before: no added latency on an idle backend. A server backend runs reads
concurrently over its pool: nothing is coalesced there.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from warehouse.backends import Backend, Result, get_backend
from warehouse.reads import CompiledQuery, run_many, run_many_of_tenants
from warehouse.scope import Scope, TenantsScope

MAX_TENANTS = 100  # tenants of one grouped statement; later arrivals start the next batch

Grouped = Callable[[TenantsScope], list[CompiledQuery]]


@dataclass
class _Batch:
    queries: list[CompiledQuery]  # the leader's own reads (a batch of one tenant runs these)
    grouped: Grouped  # the leader's: the same reads for a TenantsScope
    scopes: list[Scope] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    results: dict[str, list[Result]] = field(default_factory=dict)
    error: BaseException | None = None

    @property
    def tenants(self) -> int:
        return len({scope.tenant_id for scope in self.scopes})


class Coalescer:
    def __init__(self) -> None:
        self._running = threading.Lock()  # held while a coalescible read runs
        self._guard = threading.Lock()  # guards _open
        self._open: dict[tuple[object, ...], _Batch] = {}

    def run_many(
        self, queries: list[CompiledQuery], grouped: Grouped, *, backend: Backend | None = None
    ) -> list[Result]:
        """`warehouse.reads.run_many(queries)`, for one tenant's reads, coalesced with the
        same reads of other tenants that arrive while the backend is busy."""
        backend = backend or get_backend()
        scope = queries[0].scope if queries else None
        if (
            not backend.prefers_one_statement
            or not isinstance(scope, Scope)
            or any(query.scope != scope for query in queries)
        ):
            return run_many(queries, backend=backend)
        if self._running.acquire(blocking=False):  # idle: at once, alone
            try:
                return run_many(queries, backend=backend)
            finally:
                self._running.release()
        key = (id(backend), scope.org_id, scope.since, _shape(queries))
        with self._guard:
            batch = self._open.get(key)
            leader = batch is None
            if batch is None:
                batch = self._open[key] = _Batch(queries=queries, grouped=grouped)
            batch.scopes.append(scope)
            if batch.tenants >= MAX_TENANTS:
                del self._open[key]  # full: the next arrival leads a new batch
        if leader:
            with self._running:
                with self._guard:
                    if self._open.get(key) is batch:
                        del self._open[key]  # closed: what arrives now waits for the next
                self._run(batch, backend)
        else:
            batch.done.wait()
        if batch.error is not None:
            raise batch.error
        return batch.results[scope.tenant_id]

    @staticmethod
    def _run(batch: _Batch, backend: Backend) -> None:
        try:
            tenants = TenantsScope.of(batch.scopes)
            if len(tenants.tenant_ids) == 1:
                batch.results[tenants.tenant_ids[0]] = run_many(batch.queries, backend=backend)
            else:
                batch.results = run_many_of_tenants(
                    batch.grouped(tenants), tenants, backend=backend
                )
        except BaseException as exc:  # every member raises it, the leader included
            batch.error = exc
        finally:
            batch.done.set()

    def waiting(self) -> int:
        """Reads waiting in open batches (tests wait for a burst to have queued)."""
        with self._guard:
            return sum(len(batch.scopes) for batch in self._open.values())

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Hold the backend as a running read does (tests: make arrivals queue)."""
        with self._running:
            yield


def _shape(queries: list[CompiledQuery]) -> tuple[object, ...]:
    """What a read is apart from its tenant: reads of equal shapes differ only in the tenant,
    so one grouped statement answers them all."""
    return tuple(
        (
            query.sql,
            query.columns,
            tuple(sorted((k, repr(v)) for k, v in query.params.items() if k != "scope_tenant_id")),
        )
        for query in queries
    )


coalescer = Coalescer()
