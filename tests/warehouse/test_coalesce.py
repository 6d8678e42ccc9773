"""The coalescer with real threads against chDB: reads of one shape for different tenants that
queue while the backend is busy run as ONE grouped statement and each thread gets exactly its
own tenant's rows (distinctive data per tenant); an error of that statement reaches every
waiter; reads of different shapes are never mixed; an idle backend runs a read at once, alone.
"""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from core.ids import new_id
from dashboards.data import _compile_group, _scan_groups, parse_data_request
from dashboards.spec import parse_spec
from warehouse.backends import WarehouseError, get_backend
from warehouse.coalesce import Coalescer
from warehouse.events import EventRow, insert_events
from warehouse.reads import run_many
from warehouse.scope import Scope

SPEC = parse_spec(
    {
        "name": "Burst",
        "widgets": [
            {"id": "w_calls", "kind": "kpi", "event_name": "api.call", "metric": "count"},
            {"id": "w_users", "kind": "kpi", "event_name": "api.call", "metric": "count_unique"},
            {"id": "w_trend", "kind": "timeseries", "event_name": "api.call"},
            {
                "id": "w_models",
                "kind": "breakdown",
                "event_name": "api.call",
                "group_by": ["model"],
            },
            {
                "id": "w_table",
                "kind": "table",
                "event_name": "api.call",
                "group_by": ["model"],
                "metrics": [{"metric": "count"}],
            },
        ],
    }
)
TENANTS = [f"t_{i}" for i in range(6)]


class Recording:
    """The real backend, keeping each statement's parameters; `fail_grouped` refuses grouped
    statements as a limit exceeded would."""

    def __init__(self, inner, *, fail_grouped: bool = False) -> None:
        self.inner, self.params, self.fail_grouped = inner, [], fail_grouped

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def query(self, sql, params=None):
        self.params.append(dict(params or {}))
        if self.fail_grouped and "scope_tenant_ids" in (params or {}):
            raise WarehouseError("too many rows")
        return self.inner.query(sql, params)


@pytest.fixture(scope="module")
def org() -> str:
    org, now = new_id("org"), datetime.now(UTC)
    rows = []
    for number, tenant in enumerate([*TENANTS, "t_unlisted"]):
        for i in range(3 * number + 2):
            ts = now - timedelta(hours=5 * i + 1)
            strings = {"model": f"m_{tenant}_{i % 2}"}
            rows.append(EventRow(org, tenant, "api.call", ts, f"u{i}", new_id("i"), strings, {}))
    insert_events(rows)
    return org


@pytest.fixture(autouse=True)
def embedded():
    if not get_backend().prefers_one_statement:
        pytest.skip("a server backend runs reads concurrently: nothing is coalesced there")


def reads(org: str, tenant: str, period: str = "7d"):
    """One tenant's dashboard reads and the same reads for a TenantsScope."""
    request = parse_data_request({"period": period}, default_period="7d")
    groups = _scan_groups(list(SPEC.widgets), request=request, locked={})

    def compiled(scope):
        return [_compile_group(g, scope=scope, request=request, locked={})[0] for g in groups]

    return compiled(Scope(org, tenant)), compiled


def burst(coalescer: Coalescer, calls: list, backend) -> list:
    """Each call from its own thread while the backend is held busy; released once every one
    of them waits in a batch. Answers each call's results or the exception it raised."""
    answers: list = [None] * len(calls)

    def one(index: int, queries, grouped) -> None:
        try:
            answers[index] = coalescer.run_many(queries, grouped, backend=backend)
        except Exception as exc:
            answers[index] = exc

    run_queued(coalescer, [threading.Thread(target=one, args=(i, *c)) for i, c in enumerate(calls)])
    return answers


def run_queued(coalescer: Coalescer, threads: list[threading.Thread]) -> None:
    """Start the threads while the backend is held busy, release it once each of them waits
    in a batch, and wait for them all."""
    with coalescer.busy():
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while coalescer.waiting() < len(threads) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert coalescer.waiting() == len(threads)
    for thread in threads:
        thread.join()


def test_an_idle_backend_runs_a_read_at_once_alone(org):
    backend = Recording(get_backend())
    queries, grouped = reads(org, "t_3")
    results = Coalescer().run_many(queries, grouped, backend=backend)
    assert [p.get("scope_tenant_id") for p in backend.params] == ["t_3"]
    assert [r.rows for r in results] == [r.rows for r in run_many(queries)]


def test_queued_reads_of_one_shape_are_one_grouped_statement_each_its_own_rows(org):
    backend = Recording(get_backend())
    own = {t: [r.rows for r in run_many(reads(org, t)[0])] for t in TENANTS}
    answers = burst(Coalescer(), [reads(org, t) for t in TENANTS], backend)
    assert len(backend.params) == 1  # one statement for all six tenants
    assert sorted(backend.params[0]["scope_tenant_ids"]) == sorted(TENANTS)
    for tenant, results in zip(TENANTS, answers, strict=True):
        assert [r.rows for r in results] == own[tenant], tenant
        text = repr([r.rows for r in results])
        assert all(
            f"m_{other}_" not in text for other in [*TENANTS, "t_unlisted"] if other != tenant
        )
        assert int(results[0].rows[0][0]) == 3 * TENANTS.index(tenant) + 2  # its own count


def test_an_error_of_the_grouped_statement_reaches_every_waiter(org):
    backend = Recording(get_backend(), fail_grouped=True)
    answers = burst(Coalescer(), [reads(org, t) for t in TENANTS[:4]], backend)
    assert all(isinstance(answer, WarehouseError) for answer in answers), answers
    assert len(backend.params) == 1


def test_reads_of_different_shapes_are_never_mixed(org):
    backend = Recording(get_backend())
    calls = [reads(org, t, "7d") for t in TENANTS[:3]] + [reads(org, t, "30d") for t in TENANTS[3:]]
    own = [[r.rows for r in run_many(queries)] for queries, _ in calls]
    answers = burst(Coalescer(), calls, backend)
    assert sorted(sorted(p["scope_tenant_ids"]) for p in backend.params) == [
        TENANTS[:3],
        TENANTS[3:],
    ]
    assert [[r.rows for r in results] for results in answers] == own


def test_the_same_tenant_twice_in_a_burst_gets_the_same_rows(org):
    backend = Recording(get_backend())
    own = [r.rows for r in run_many(reads(org, "t_2")[0])]
    answers = burst(Coalescer(), [reads(org, "t_2"), reads(org, "t_2"), reads(org, "t_4")], backend)
    assert [r.rows for r in answers[0]] == [r.rows for r in answers[1]] == own
    assert sorted(backend.params[0]["scope_tenant_ids"]) == ["t_2", "t_4"]
