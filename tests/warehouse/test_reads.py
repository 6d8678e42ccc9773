"""`warehouse.reads.run` refuses any read whose WHERE does not start with its scope's predicate,
whoever wrote the SQL (compiler, discovery, stats)."""

from datetime import UTC, datetime, timedelta

import pytest

from core.ids import new_id
from warehouse.discovery import schema_summary
from warehouse.events import EventRow, insert_events
from warehouse.reads import CompiledQuery, UnscopedRead, check_scoped, run
from warehouse.scope import DangerousOrgWideScope, Scope
from warehouse.stats import event_summary

TENANT = "org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}"
ORG = "org_id = {scope_org_id:String}"
SCOPE = Scope("org_1", "t_1")
TENANT_PARAMS = {"scope_org_id": "org_1", "scope_tenant_id": "t_1"}


def query(sql: str, params: dict | None = None, scope=SCOPE) -> CompiledQuery:
    return CompiledQuery(sql, dict(TENANT_PARAMS if params is None else params), scope)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count() FROM events",
        "SELECT count() FROM events FINAL WHERE event_name = {e:String}",
        f"SELECT count() FROM events WHERE event_name = {{e:String}} AND {TENANT}",
        f"SELECT count() FROM events WHERE {TENANT} OR 1 = 1",
        f"SELECT count() FROM events WHERE {TENANT} AND (1 = 1 or 1 = 1)",
        f"SELECT count() FROM events WHERE {TENANT}1",
        f"SELECT (SELECT count() FROM events) AS n FROM events WHERE {TENANT}",
        f"SELECT count() FROM events WHERE {TENANT} AND tenant_id IN (SELECT tenant_id FROM events"
        " WHERE 1)",
        f"SELECT count() FROM events WHERE {ORG}",
    ],
)
def test_a_read_that_could_leave_its_tenant_is_refused(sql: str) -> None:
    with pytest.raises(UnscopedRead):
        run(query(sql))


def test_the_scope_parameters_must_be_the_querys_own_scope() -> None:
    sql = f"SELECT count() FROM events WHERE {TENANT}"
    check_scoped(query(sql))
    with pytest.raises(UnscopedRead):
        check_scoped(query(sql, {"scope_org_id": "org_1", "scope_tenant_id": "t_2"}))
    with pytest.raises(UnscopedRead):
        check_scoped(query(sql, {"scope_org_id": "org_1"}))
    with pytest.raises(UnscopedRead):  # a tenant predicate is not what an org-wide scope says
        check_scoped(query(f"SELECT 1 FROM events WHERE {ORG}", scope=Scope("org_1", "t_1")))


def test_an_org_wide_read_needs_the_org_predicate_first() -> None:
    wide = DangerousOrgWideScope("org_1")
    check_scoped(query(f"SELECT count() FROM events WHERE {ORG}", {"scope_org_id": "org_1"}, wide))
    with pytest.raises(UnscopedRead):
        check_scoped(query("SELECT count() FROM events WHERE 1", {"scope_org_id": "org_1"}, wide))


def test_a_refused_query_never_reaches_the_backend(db) -> None:
    org = new_id("org")
    insert_events([EventRow(org, "t_2", "e", datetime.now(UTC), "u", new_id("i"), {}, {})])
    sql = f"SELECT count() FROM events WHERE {TENANT} OR org_id = {{o:String}}"
    params = {"scope_org_id": org, "scope_tenant_id": "t_1", "o": org}
    with pytest.raises(UnscopedRead):
        run(CompiledQuery(sql, params, Scope(org, "t_1")))
    allowed = f"SELECT count() FROM events WHERE {TENANT}"
    assert run(CompiledQuery(allowed, params, Scope(org, "t_1"))).scalar() == 0


def test_discovery_and_stats_run_through_the_checked_path(db) -> None:
    org = new_id("org")
    now = datetime.now(UTC)
    insert_events(
        [
            EventRow(org, "t_1", "e", now, "u", new_id("i"), {"plan": "pro"}, {"ms": 1.0}),
            EventRow(new_id("org"), "t_1", "other", now, "u", new_id("i"), {"x": "y"}, {}),
        ]
    )
    summary = schema_summary(
        scope=DangerousOrgWideScope(org), since=now - timedelta(hours=1), max_prop_rows=1
    )
    assert [event.name for event in summary.events] == ["e"]
    assert [prop.key for prop in summary.string_props] == ["plan"]
    assert summary.prop_tenants is None
    assert event_summary(scope=DangerousOrgWideScope(org)).events == 1
