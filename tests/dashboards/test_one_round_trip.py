"""A dashboard in one round trip: the uncached widgets go to the warehouse as ONE statement on
chDB (warehouse.reads.run_many), and what comes back equals the raw-event oracle of
test_correctness for every kind and metric; a failing statement falls back to widget by widget
so one bad widget does not take the others down."""

import pytest

from core.ids import new_id
from dashboards.data import dashboard_data, parse_data_request
from tests.dashboards.test_correctness import SPEC, SPECS, check_dashboard, world  # noqa: F401
from warehouse.backends import WarehouseError, get_backend, set_backend
from warehouse.reads import CompiledQuery, UnscopedRead, check_scoped, combine
from warehouse.scope import Scope


class Recording:
    """The real backend, counting the statements it is given; `fail_combined` refuses the
    one-statement form (as a limit exceeded would)."""

    def __init__(self, inner, *, fail_combined: bool = False) -> None:
        self.inner, self.statements, self.fail_combined = inner, [], fail_combined

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def query(self, sql, params=None):
        self.statements.append(sql)
        if self.fail_combined and "UNION ALL" in sql:
            raise WarehouseError("too many rows")
        return self.inner.query(sql, params)


@pytest.fixture
def recording():
    real = get_backend()
    if not real.prefers_one_statement:
        pytest.skip("the server backend runs the widgets' queries concurrently instead")
    backends = []

    def install(**options):
        backend = Recording(real, **options)
        set_backend(backend)
        backends.append(backend)
        return backend

    yield install
    set_backend(real)


@pytest.mark.parametrize("period", ["24h", "30d"])
def test_every_uncached_widget_in_one_statement_equals_the_oracle(world, recording, period):  # noqa: F811
    backend = recording()
    request = parse_data_request({"period": period, "tz": "Asia/Kolkata"}, default_period="7d")
    checked = check_dashboard(world, request)
    assert checked == sum(len(spec.widgets) for spec in SPECS) > 10
    assert len(backend.statements) == len(SPECS)  # one a dashboard


def test_kpis_of_one_event_and_filters_are_one_branch_of_the_statement(world, recording):  # noqa: F811
    """dashboards.data._scan_groups: the KPIs that read the same rows share one scan; each
    still equals the oracle (check_dashboard), with a viewer filter too."""
    backend = recording()
    request = parse_data_request(
        {"period": "7d", "filters": '{"region": "eu"}'}, default_period="7d"
    )
    assert check_dashboard(world, request) == sum(len(spec.widgets) for spec in SPECS)
    kpis = [w for w in SPEC.widgets if w.kind == "kpi"]
    shared = [w for w in kpis if w.query.event_name == "api.call" and not w.query.filters]
    assert len(shared) >= 5 and len(kpis) > len(shared)
    branches = backend.statements[0].count(" AS q, tuple(*) AS r FROM (")
    assert branches == len(SPEC.widgets) - len(shared) + 1
    # Sparkline KPIs (SPECS[1]) have a query of their own: a branch each, never merged.
    assert backend.statements[1].count(" AS q, tuple(*) AS r FROM (") == len(SPECS[1].widgets)


def test_a_failing_statement_falls_back_to_one_query_per_widget(world, recording):  # noqa: F811
    backend = recording(fail_combined=True)
    request = parse_data_request({"period": "7d"}, default_period="7d")
    widgets = sum(len(spec.widgets) for spec in SPECS)
    assert check_dashboard(world, request) == widgets
    assert len(backend.statements) == len(SPECS) + widgets


def test_combined_parameters_are_renamed_per_query_and_the_scope_is_shared():
    scope = Scope("org_1", "t_1")
    predicate = "org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}"
    params = {"scope_org_id": "org_1", "scope_tenant_id": "t_1"}
    queries = [
        CompiledQuery(
            f"SELECT count() FROM events FINAL\nWHERE {predicate}\n  AND event_name = {{e0:String}}"
            "\nSETTINGS max_execution_time = 5, max_rows_to_read = 100, readonly = 2",
            {**params, "e0": name},
            scope,
        )
        for name in ("a", "b")
    ]
    combined = combine(queries)
    check_scoped(combined)
    assert combined.params == {**params, "q0_e0": "a", "q1_e0": "b"}
    assert combined.sql.count("UNION ALL") == 1 and combined.sql.count("SETTINGS") == 1
    assert "max_rows_to_read = 200" in combined.sql
    other = CompiledQuery(
        queries[0].sql, {**queries[0].params, "scope_tenant_id": "t_2"}, Scope("org_1", "t_2")
    )
    with pytest.raises(ValueError):
        combine([queries[0], other])
    with pytest.raises(UnscopedRead):
        check_scoped(combine([queries[0], CompiledQuery("SELECT 1 FROM events", {}, scope)]))


def test_a_cached_dashboard_makes_no_statement(world, recording):  # noqa: F811
    request = parse_data_request({"period": "7d"}, default_period="7d")
    scope, version = Scope(world.org_id, world.tenant_id), new_id("v")
    dashboard_data(spec=SPEC, scope=scope, request=request, version_key=version)
    backend = recording()
    dashboard_data(spec=SPEC, scope=scope, request=request, version_key=version)
    assert backend.statements == []
