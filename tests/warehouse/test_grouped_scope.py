"""A grouped read (`TenantsScope`: several tenants of one organization in one statement) is held
to the same scope check as a tenant's own read, and can never hand out a row of a tenant
outside its list: the predicate binds exactly the scope's ids, the rows come back only for
them (another tenant of the organization and the same tenant id elsewhere hold events too),
and `split_tenants` refuses any row of another tenant."""

from datetime import UTC, datetime, timedelta

import pytest

from core.ids import new_id
from dashboards.data import _compile_group, _scan_groups, parse_data_request
from dashboards.spec import parse_spec
from warehouse.backends import Result
from warehouse.events import EventRow, insert_events
from warehouse.reads import CompiledQuery, UnscopedRead, check_scoped, run, split_tenants
from warehouse.scope import Scope, TenantsScope

GROUPED = "org_id = {scope_org_id:String} AND tenant_id IN {scope_tenant_ids:Array(String)}"
SCOPE = TenantsScope("org_1", ("t_1", "t_2"))
PARAMS = {"scope_org_id": "org_1", "scope_tenant_ids": ["t_1", "t_2"]}

EVERY_KIND = parse_spec(
    {
        "name": "Every kind",
        "widgets": [
            {"id": "w_k", "kind": "kpi", "event_name": "api.call", "metric": "count"},
            {"id": "w_k2", "kind": "kpi", "event_name": "api.call", "metric": "count_unique"},
            {
                "id": "w_spark",
                "kind": "kpi",
                "chart": "sparkline",
                "event_name": "api.call",
                "metric": "count",
            },
            {"id": "w_ts", "kind": "timeseries", "event_name": "api.call", "metric": "count"},
            {
                "id": "w_cmp",
                "kind": "timeseries",
                "event_name": "api.call",
                "compare": "previous_period",
            },
            {
                "id": "w_split",
                "kind": "timeseries",
                "event_name": "api.call",
                "group_by": ["model"],
                "limit": 2,
            },
            {"id": "w_bd", "kind": "breakdown", "event_name": "api.call", "group_by": ["model"]},
            {
                "id": "w_table",
                "kind": "table",
                "event_name": "api.call",
                "group_by": ["model"],
                "metrics": [{"metric": "count"}],
            },
            {
                "id": "w_funnel",
                "kind": "funnel",
                "event_name": "signup",
                "metric": "count_unique",
                "steps": ["signup", "api.call"],
            },
        ],
    }
)


def test_a_tenants_scope_names_distinct_tenants_of_one_organization() -> None:
    with pytest.raises(ValueError):
        TenantsScope("org_1", ())
    with pytest.raises(ValueError):
        TenantsScope("org_1", ("t_1", "t_1"))
    with pytest.raises(ValueError):
        TenantsScope("org_1", ("t_1", ""))
    with pytest.raises(ValueError):
        TenantsScope("", ("t_1",))
    with pytest.raises(ValueError):
        TenantsScope.of([Scope("org_1", "t_1"), Scope("org_2", "t_2")])
    since = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):  # another retention bound is another read
        TenantsScope.of([Scope("org_1", "t_1"), Scope("org_1", "t_2", since=since)])
    both = TenantsScope.of([Scope("org_1", "t_2"), Scope("org_1", "t_1"), Scope("org_1", "t_2")])
    assert both == TenantsScope("org_1", ("t_2", "t_1"))


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        (f"SELECT tenant_id FROM events WHERE {GROUPED}", {**PARAMS, "scope_tenant_ids": ["t_1"]}),
        (
            f"SELECT tenant_id FROM events WHERE {GROUPED}",
            {**PARAMS, "scope_tenant_ids": ["t_1", "t_2", "t_3"]},
        ),
        (f"SELECT tenant_id FROM events WHERE {GROUPED}", {"scope_org_id": "org_1"}),
        (f"SELECT tenant_id FROM events WHERE {GROUPED} OR 1 = 1", PARAMS),
        (
            "SELECT tenant_id FROM events WHERE org_id = {scope_org_id:String}"
            " AND tenant_id = {scope_tenant_id:String}",
            {**PARAMS, "scope_tenant_id": "t_1"},
        ),
        (f"SELECT (SELECT count() FROM events) FROM events WHERE {GROUPED}", PARAMS),
        ("SELECT tenant_id FROM events WHERE org_id = {scope_org_id:String}", PARAMS),
    ],
)
def test_a_grouped_read_is_checked_like_every_read(sql: str, params: dict) -> None:
    with pytest.raises(UnscopedRead):
        check_scoped(CompiledQuery(sql, params, SCOPE))


def test_split_tenants_refuses_a_row_of_another_tenant() -> None:
    rows = [["t_1", 1], ["t_2", 2], ["t_2", 3]]
    parts = split_tenants(Result(columns=["tenant_id", "n"], rows=rows), SCOPE)
    assert parts["t_1"].rows == [[1]] and parts["t_2"].rows == [[2], [3]]
    assert split_tenants(Result(columns=[], rows=[]), SCOPE)["t_1"].rows == []
    with pytest.raises(UnscopedRead):
        split_tenants(Result(columns=[], rows=[["t_1", 1], ["t_3", 1]]), SCOPE)
    with pytest.raises(TypeError):
        split_tenants(Result(columns=[], rows=[]), Scope("org_1", "t_1"))


def test_every_kinds_grouped_read_returns_only_its_tenants_rows(db) -> None:
    org, elsewhere = new_id("org"), new_id("org")
    now = datetime.now(UTC)
    rows = []
    for owner, tenant in [(org, "t_a"), (org, "t_b"), (org, "t_unlisted"), (elsewhere, "t_a")]:
        for i in range(12):
            ts = now - timedelta(hours=i * 5)
            strings = {"model": f"m_{owner}_{tenant}_{i % 3}"}
            for name in ("signup", "api.call"):
                rows.append(EventRow(owner, tenant, name, ts, f"u{i}", new_id("i"), strings, {}))
    insert_events(rows)
    request = parse_data_request({"period": "7d"}, default_period="7d")
    scope = TenantsScope(org, ("t_a", "t_b", "t_none"))
    widgets = list(EVERY_KIND.widgets)
    groups = _scan_groups(widgets, request=request, locked={})
    assert len(groups) == len(widgets) - 1  # the two KPIs share a scan
    for group in groups:
        query, _ = _compile_group(group, scope=scope, request=request, locked={})
        result = run(query)
        tenants = {row[0] for row in result.rows}
        assert tenants == {"t_a", "t_b"}, group[0].id  # never t_unlisted, never t_none's
        text = repr(result.rows)
        assert "t_unlisted" not in text and elsewhere not in text, group[0].id
        parts = split_tenants(result, scope)
        for tenant in ("t_a", "t_b"):
            models = {f"m_{org}_{tenant}_{i}" for i in range(3)}
            others = {f"m_{o}_{t}_{i}" for o, t in [(org, "t_a"), (org, "t_b")] for i in range(3)}
            seen = repr(parts[tenant].rows)
            assert all(model not in seen for model in others - models), (group[0].id, tenant)


def test_a_grouped_read_may_take_what_its_tenants_reads_could_together(settings) -> None:
    """Its limits are the tenants' own summed: no more rows or time than their own reads."""
    settings.WAREHOUSE_MAX_EXECUTION_TIME, settings.WAREHOUSE_MAX_ROWS_TO_READ = 7, 1000
    request = parse_data_request({"period": "7d"}, default_period="7d")
    three = TenantsScope("org_1", ("t_1", "t_2", "t_3"))
    for group in _scan_groups(list(EVERY_KIND.widgets), request=request, locked={}):
        query, _ = _compile_group(group, scope=three, request=request, locked={})
        own, _ = _compile_group(group, scope=Scope("org_1", "t_1"), request=request, locked={})
        assert query.sql.endswith("max_execution_time = 21, max_rows_to_read = 3000, readonly = 2")
        assert own.sql.endswith("max_execution_time = 7, max_rows_to_read = 1000, readonly = 2")
