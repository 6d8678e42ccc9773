"""The compiler's guarantees: the scope predicate first in every read of events, nothing from
input in SQL text, locked filters win, limits on every query.

The emitted SQL of each kind is snapshotted in tests/warehouse/snapshots/ so that a change to
the predicates shows in review as a diff. Regenerate with UPDATE_SNAPSHOTS=1 and read the diff.
"""

import dataclasses
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.ids import new_id
from dashboards.spec import MetricSpec, SortSpec, WidgetSpec, parse_spec
from warehouse.compiler import (
    compile_drill,
    compile_kpis,
    compile_metric_by_tenant,
    compile_widget,
    effective_filters,
)
from warehouse.events import EventRow, insert_events
from warehouse.reads import CompiledQuery, run
from warehouse.scope import DangerousOrgWideScope, Scope

SNAPSHOTS = Path(__file__).parent / "snapshots"
TENANT_PREDICATE = "org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}"
ORG_PREDICATE = "org_id = {scope_org_id:String}"
START = datetime(2026, 4, 1, tzinfo=UTC)
END = datetime(2026, 4, 8, tzinfo=UTC)
SCOPE = Scope("org_1", "t_1")

WIDGETS = parse_spec(
    {
        "name": "Snapshots",
        "widgets": [
            {
                "id": "w_kpi",
                "kind": "kpi",
                "event_name": "api.call",
                "metric": "p95",
                "property": "latency_ms",
                "filters": {"status": "ok"},
            },
            {"id": "w_ts", "kind": "timeseries", "event_name": "api.call", "bucket": "day"},
            {
                "id": "w_split",
                "kind": "timeseries",
                "event_name": "api.call",
                "metric": "count_unique",
                "group_by": ["model"],
                "limit": 3,
            },
            {
                "id": "w_breakdown",
                "kind": "breakdown",
                "event_name": "api.call",
                "metric": "sum",
                "property": "cost",
                "group_by": ["model"],
            },
            {
                "id": "w_table",
                "kind": "table",
                "event_name": "api.call",
                "group_by": ["model", "endpoint"],
                "metrics": [
                    {"metric": "count"},
                    {"metric": "avg", "property": "latency_ms"},
                    {"metric": "count_unique", "property": "session"},
                ],
                "sort": {"by": "avg(latency_ms)", "direction": "asc"},
            },
            {
                "id": "w_ratio_kpi",
                "kind": "kpi",
                "event_name": "api.call",
                "metric": "ratio",
                "ratio": {
                    "numerator": {"metric": "count", "filters": {"status": "error"}},
                    "denominator": {"metric": "count"},
                },
            },
            {
                "id": "w_ratio_split",
                "kind": "timeseries",
                "event_name": "api.call",
                "metric": "ratio",
                "ratio": {
                    "numerator": {"metric": "sum", "property": "cost"},
                    "denominator": {"metric": "count_unique"},
                },
                "group_by": ["model"],
                "limit": 3,
            },
            {
                "id": "w_ratio_breakdown",
                "kind": "breakdown",
                "event_name": "api.call",
                "metric": "ratio",
                "ratio": {
                    "numerator": {"metric": "p95", "property": "latency_ms"},
                    "denominator": {"metric": "avg", "property": "latency_ms"},
                },
                "group_by": ["model"],
            },
            {
                "id": "w_compare",
                "kind": "timeseries",
                "chart": "line",
                "event_name": "api.call",
                "metric": "p95",
                "property": "latency_ms",
                "compare": "previous_period",
            },
            {
                "id": "w_sparkline",
                "kind": "kpi",
                "chart": "sparkline",
                "event_name": "api.call",
                "metric": "count_unique",
            },
            {
                "id": "w_ratio_sparkline",
                "kind": "kpi",
                "chart": "sparkline",
                "event_name": "api.call",
                "metric": "ratio",
                "ratio": {
                    "numerator": {"metric": "count", "filters": {"status": "error"}},
                    "denominator": {"metric": "count"},
                },
            },
            {
                "id": "w_funnel",
                "kind": "funnel",
                "steps": ["signup", "activate", "pay"],
                "window_minutes": 60,
                "filters": {"plan": "trial"},
            },
        ],
    }
).widgets


def widget(**fields: object) -> WidgetSpec:
    raw = {"id": "w_x", "kind": "kpi", "event_name": "api.call", **fields}
    return parse_spec({"name": "t", "widgets": [raw]}).widgets[0]


def compile_snapshot(widget: WidgetSpec) -> CompiledQuery:
    return compile_widget(
        widget.query,
        scope=SCOPE,
        start=START,
        end=END,
        tz="Europe/Paris",
        filters={"region": "eu"},
        locked_filters={"plan": "pro"},
        bucket="day",
    )


def all_compiled() -> dict[str, CompiledQuery]:
    compiled = {w.id: compile_snapshot(w) for w in WIDGETS}
    compiled["alerts_by_tenant"] = compile_metric_by_tenant(
        WIDGETS[0].query, scope=DangerousOrgWideScope("org_1"), start=START, end=END
    )
    compiled["drill"] = compile_drill(
        WIDGETS[3].query, scope=SCOPE, start=START, end=END, filters={"model": "gpt-4"}, limit=50
    )
    return compiled


def events_reads(sql: str) -> int:
    return len(re.findall(r"\bFROM events\b", sql))


@pytest.mark.parametrize("name", [*(w.id for w in WIDGETS), "alerts_by_tenant", "drill"])
def test_sql_snapshot(name: str) -> None:
    query = all_compiled()[name]
    params = "\n".join(f"-- {name} = {value!r}" for name, value in sorted(query.params.items()))
    text = f"{query.sql}\n{params}\n"
    path = SNAPSHOTS / f"{name}.sql"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("name", [w.id for w in WIDGETS] + ["drill"])
def test_every_read_of_events_starts_with_the_tenant_predicate(name: str) -> None:
    query = all_compiled()[name]
    guarded = re.findall(r"FROM events FINAL\s+WHERE " + re.escape(TENANT_PREDICATE), query.sql)
    assert events_reads(query.sql) >= 1
    assert len(guarded) == events_reads(query.sql)
    assert query.params["scope_org_id"] == "org_1"
    assert query.params["scope_tenant_id"] == "t_1"


def test_alerts_query_is_org_wide_only_by_its_explicit_type() -> None:
    query = all_compiled()["alerts_by_tenant"]
    assert re.search(r"FROM events FINAL\s+WHERE " + re.escape(ORG_PREDICATE) + r"\n", query.sql)
    assert "GROUP BY tenant_id" in query.sql
    with pytest.raises(TypeError):
        compile_metric_by_tenant(WIDGETS[0].query, scope=SCOPE, start=START, end=END)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", [w.id for w in WIDGETS] + ["alerts_by_tenant", "drill"])
def test_every_query_is_bounded_read_only_and_deduplicated(name: str) -> None:
    sql = all_compiled()[name].sql
    assert sql.count("FROM events FINAL") == events_reads(sql)
    assert "timestamp >= {t" in sql and "timestamp < {t" in sql
    last_line = sql.rstrip().splitlines()[-1]
    assert (
        last_line == "SETTINGS max_execution_time = 10, max_rows_to_read = 500000000, readonly = 2"
    )


@pytest.mark.parametrize("scope", [None, "org_1", DangerousOrgWideScope("org_1"), ("org_1", "t_1")])
def test_a_widget_query_without_a_tenant_scope_raises(scope: object) -> None:
    with pytest.raises(TypeError):
        compile_widget(WIDGETS[0].query, scope=scope, start=START, end=END, tz="UTC")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compile_drill(WIDGETS[0].query, scope=scope, start=START, end=END, filters={})  # type: ignore[arg-type]


def test_a_scope_needs_both_ids() -> None:
    with pytest.raises(ValueError):
        Scope("org_1", "")
    with pytest.raises(ValueError):
        Scope("", "t_1")


def test_locked_filters_replace_the_viewers_and_the_widgets_on_the_same_key() -> None:
    conditions = effective_filters(
        {"status": "ok", "plan": "free"}, {"plan": "enterprise", "region": "eu"}, {"plan": "pro"}
    )
    assert conditions == (("plan", "pro"), ("region", "eu"), ("status", "ok"))


def test_viewer_and_widget_filters_on_the_same_key_both_apply() -> None:
    assert effective_filters({"status": "ok"}, {"status": "error"}, {}) == (
        ("status", "error"),
        ("status", "ok"),
    )


INJECTIONS = [
    "x') OR 1=1 --",
    "'; DROP TABLE events; --",
    "tenant_id = 'other'",
    "{scope_tenant_id:String} OR 1",
    "a\\' OR '1'='1",
    "🚀 unicode é",
]


def compile_table_with(text: str) -> CompiledQuery:
    """The table widget with `text` everywhere input can reach: the scope, viewer and locked
    filter values, and (bypassing the spec's key rule, as a bug elsewhere might) property keys."""
    table = dataclasses.replace(
        WIDGETS[4],
        group_by=(text, "endpoint"),
        metrics=(MetricSpec("count", None), MetricSpec("avg", text), MetricSpec("p99", text)),
        sort=SortSpec(by="count", direction="desc"),
        filters={text: text},
    )
    return compile_widget(
        table.query,
        scope=Scope("org_1", text),
        start=START,
        end=END,
        tz="UTC",
        filters={"region": text},
        locked_filters={"plan": text},
    )


def anonymous(sql: str) -> str:
    return re.sub(r"\{\w+:", "{p:", sql)


@pytest.mark.parametrize("text", INJECTIONS)
def test_input_text_never_changes_the_sql(text: str) -> None:
    query = compile_table_with(text)
    # Same SQL as for harmless input, up to parameter names (the filters' order follows values).
    assert anonymous(query.sql) == anonymous(compile_table_with("benign").sql)
    assert text not in query.sql
    bound = sorted(name for name, value in query.params.items() if value == text)
    # the tenant; the widget filter's, viewer's and locked values; and one key parameter used 6
    # times: the filter key, the group-by key, value and presence test in each of 2 metrics
    [key] = [name for name in bound if name.startswith("k")]
    assert len(bound) == 5 and query.sql.count(f"{{{key}:String}}") == 6, bound
    assert run(query).rows == []  # and ClickHouse runs it, reading the text as data


def test_awkward_keys_and_values_are_matched_as_data(db) -> None:
    """An event whose property KEY and value look like SQL is counted by a widget on that key,
    and the same filter never matches the other tenant's identical event."""
    org = new_id("org")
    key = "a.b-c_d"  # the widest key the spec allows
    value = "x') OR 1=1 --"
    now = datetime.now(UTC)
    rows = [
        EventRow(org, "t_1", "e", now, "u1", new_id("i"), {key: value}, {"n": 2.0}),
        EventRow(org, "t_1", "e", now, "u2", new_id("i"), {key: "plain"}, {"n": 5.0}),
        EventRow(org, "t_2", "e", now, "u3", new_id("i"), {key: value}, {"n": 7.0}),
    ]
    insert_events(rows)
    w = widget(kind="breakdown", event_name="e", group_by=[key], metric="sum", property="n")
    window = {"start": now - timedelta(minutes=1), "end": now + timedelta(minutes=1)}
    filtered = run(
        compile_widget(w.query, scope=Scope(org, "t_1"), tz="UTC", filters={key: value}, **window)
    )
    assert filtered.dicts() == [{"rank": 1, "key": value, "value": 2.0}]
    everything = run(compile_widget(w.query, scope=Scope(org, "t_1"), tz="UTC", **window))
    assert [(row["key"], row["value"]) for row in everything.dicts()] == [
        ("plain", 5.0),
        (value, 2.0),
    ]


def test_a_viewer_cannot_widen_a_locked_filter(db) -> None:
    org = new_id("org")
    now = datetime.now(UTC)
    insert_events(
        [
            EventRow(org, "t_1", "e", now, "u", new_id("i"), {"team": team}, {})
            for team in ("red", "red", "blue")
        ]
    )
    w = widget(event_name="e")
    window = {"start": now - timedelta(minutes=1), "end": now + timedelta(minutes=1)}
    locked = run(
        compile_widget(
            w.query,
            scope=Scope(org, "t_1"),
            tz="UTC",
            filters={"team": "blue"},
            locked_filters={"team": "red"},
            **window,
        )
    )
    assert locked.rows[0][0] == 2  # only the locked value, the viewer's "blue" is dropped


def test_drill_returns_the_newest_matching_events_of_the_tenant_only(db) -> None:
    org = new_id("org")
    now = datetime.now(UTC).replace(microsecond=0)
    rows = [
        EventRow(
            org, "t_1", "e", now - timedelta(minutes=i), f"u{i}", new_id("i"), {"m": "a"}, {"x": i}
        )
        for i in range(5)
    ]
    rows.append(EventRow(org, "t_2", "e", now, "intruder", new_id("i"), {"m": "a"}, {}))
    insert_events(rows)
    result = run(
        compile_drill(
            widget(event_name="e").query,
            scope=Scope(org, "t_1"),
            start=now - timedelta(hours=1),
            end=now + timedelta(minutes=1),
            filters={"m": "a"},
            limit=3,
        )
    )
    assert result.columns == ["timestamp", "user_id", "string_props", "numeric_props"]
    assert [row[1] for row in result.rows] == ["u0", "u1", "u2"]


def test_drill_limit_is_bounded() -> None:
    with pytest.raises(ValueError):
        compile_drill(WIDGETS[0].query, scope=SCOPE, start=START, end=END, filters={}, limit=10_000)


def test_metric_by_tenant_groups_every_tenant_in_one_query(db) -> None:
    org, other_org = new_id("org"), new_id("org")
    now = datetime.now(UTC)
    rows = [
        EventRow(o, t, "e", now, "u", new_id("i"), {}, {"ms": ms})
        for o, t, ms in [
            (org, "a", 10.0),
            (org, "a", 30.0),
            (org, "b", 5.0),
            (other_org, "a", 99.0),
        ]
    ]
    insert_events(rows)
    query = compile_metric_by_tenant(
        widget(event_name="e", metric="avg", property="ms").query,
        scope=DangerousOrgWideScope(org),
        start=now - timedelta(minutes=1),
        end=now + timedelta(minutes=1),
    )
    assert run(query).rows == [["a", 20.0], ["b", 5.0]]


def test_every_timezone_we_accept_is_known_to_clickhouse() -> None:
    from core.timezones import known_timezones
    from warehouse.backends import get_backend

    zones = sorted(known_timezones())
    known = get_backend().query(
        "SELECT groupArray(time_zone) FROM system.time_zones"
        " WHERE has({zones:Array(String)}, time_zone)",
        {"zones": zones},
    )
    assert sorted(known.scalar()) == zones


def test_kpis_of_one_event_and_filters_share_one_scan_with_each_kpis_own_values(db) -> None:
    org = new_id("org")
    now = datetime.now(UTC)
    insert_events(
        [
            EventRow(org, t, "e", now - ago, user, new_id("i"), {}, {"ms": ms})
            for t, ago, user, ms in [
                ("t_1", timedelta(minutes=5), "u1", 10.0),
                ("t_1", timedelta(minutes=5), "u1", 30.0),
                ("t_1", timedelta(minutes=5), "u2", 50.0),
                ("t_1", timedelta(hours=1, minutes=30), "u3", 70.0),  # the previous window
                ("t_2", timedelta(minutes=5), "intruder", 999.0),
            ]
        ]
    )
    kpis = [
        widget(event_name="e").query,
        widget(event_name="e", metric="avg", property="ms").query,
        widget(event_name="e", metric="count_unique").query,
    ]
    window = {"start": now - timedelta(hours=1), "end": now + timedelta(seconds=1)}
    shared = compile_kpis(kpis, scope=Scope(org, "t_1"), **window)

    assert shared.sql.count("FROM events") == 1
    row = run(shared).rows[0]
    alone = [
        run(compile_widget(k, scope=Scope(org, "t_1"), tz="UTC", **window)).rows[0] for k in kpis
    ]
    assert [list(row[i : i + 2]) for i in (0, 2, 4)] == [list(r) for r in alone]
    assert list(row) == [3, 1, 30.0, 70.0, 2, 1]


@pytest.mark.parametrize(
    "others",
    [
        [{"event_name": "other"}],
        [{"event_name": "e", "filters": {"region": "eu"}}],
        [{"event_name": "e", "kind": "timeseries"}],
    ],
)
def test_kpis_that_read_other_rows_never_share_a_scan(others) -> None:
    queries = [widget(event_name="e").query] + [
        dataclasses.replace(widget(event_name="e").query, **other) for other in others
    ]
    with pytest.raises(ValueError):
        compile_kpis(queries, scope=SCOPE, start=START, end=END)
