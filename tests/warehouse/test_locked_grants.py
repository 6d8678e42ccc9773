"""List (IN) and numeric-range locked filters in the compiler: a viewer or widget value can
narrow a lock but never widen it, an empty list can never mean "no lock", values are data, and
every query kind (widget, drill, filter values) keeps the lock. Runs on chDB and, through
tools/clickhouse_server.py, on the ClickHouse server."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.ids import new_id
from dashboards.spec import parse_spec
from warehouse.compiler import compile_drill, compile_filter_values, compile_widget
from warehouse.events import EventRow, insert_events
from warehouse.query import NumericRange, locked_value
from warehouse.reads import run
from warehouse.scope import Scope
from warehouse.sql import effective_filters

SNAPSHOT = Path(__file__).parent / "snapshots" / "locked_grants.sql"
START = datetime(2026, 4, 1, tzinfo=UTC)
END = datetime(2026, 4, 8, tzinfo=UTC)


def widget(**fields: object):
    raw = {"id": "w_x", "kind": "kpi", "event_name": "e", **fields}
    return parse_spec({"name": "t", "widgets": [raw]}).widgets[0]


# --- effective_filters: the semantics ---------------------------------------------------------


def test_a_listed_value_narrows_a_list_lock_and_any_other_is_dropped() -> None:
    lock = {"region": ("eu", "us")}
    assert effective_filters({}, {"region": "eu"}, lock) == (
        ("region", "eu"),
        ("region", ("eu", "us")),
    )
    assert effective_filters({"region": "apac"}, {"region": "ap"}, lock) == (
        ("region", ("eu", "us")),
    )


def test_a_range_lock_keeps_string_conditions_of_the_same_name() -> None:
    lock = {"tokens": NumericRange(gte=100)}
    assert effective_filters({}, {"tokens": "many"}, lock) == (
        ("tokens", "many"),
        ("tokens", NumericRange(gte=100)),
    )


def test_conditions_come_in_one_order_whatever_the_input_order() -> None:
    a = effective_filters(
        {"b": "1"}, {"a": "x"}, {"a": ("x", "y"), "n": NumericRange(lt=3), "c": "z"}
    )
    b = effective_filters(
        {"b": "1"}, {"a": "x"}, {"c": "z", "n": NumericRange(lt=3), "a": ("x", "y")}
    )
    assert a == b


@pytest.mark.parametrize("raw", [[], {}, {"gte": 5, "lt": 5}, {"gt": float("nan")}, ""])
def test_an_empty_lock_cannot_be_built(raw) -> None:
    with pytest.raises(ValueError):
        locked_value(raw)


def test_an_empty_list_reaching_the_compiler_raises_instead_of_opening_the_lock() -> None:
    with pytest.raises(ValueError, match="empty list"):
        compile_widget(
            widget().query, scope=Scope("o", "t"), start=START, end=END, tz="UTC",
            locked_filters={"region": ()},
        )  # fmt: skip


# --- The SQL ----------------------------------------------------------------------------------


def compiled_breakdown(values: tuple[str, ...]):
    w = widget(kind="breakdown", group_by=["model"], metric="sum", property="tokens")
    return compile_widget(
        w.query,
        scope=Scope("org_1", "t_1"),
        start=START,
        end=END,
        tz="UTC",
        filters={"region": values[0]},
        locked_filters={"region": values, "tokens": NumericRange(gte=100, lt=500.5)},
    )


def test_sql_snapshot() -> None:
    query = compiled_breakdown(("eu", "us"))
    params = "\n".join(f"-- {name} = {value!r}" for name, value in sorted(query.params.items()))
    text = f"{query.sql}\n{params}\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(text)
    assert text == SNAPSHOT.read_text()


def test_listed_values_are_parameters_never_sql_text() -> None:
    evil = ("x') OR 1=1 --", "'; DROP TABLE events; --")
    query = compiled_breakdown(evil)
    assert all(value not in query.sql for value in evil)
    assert query.sql.replace("x') OR", "") == query.sql
    assert sorted(v for v in query.params.values() if v in evil) == sorted([*evil, evil[0]])


# --- On the warehouse ---------------------------------------------------------------------------


@pytest.fixture
def rows(db):
    """Tenant t_1: four regions, tokens from 0 to 900 (one event without tokens); tenant t_2
    has the same events, which no lock may ever reach."""
    org, now = new_id("org"), datetime.now(UTC).replace(microsecond=0)
    out = []
    for tenant in ("t_1", "t_2"):
        for i, region in enumerate(
            ["eu", "us", "apac", "eu", "us", "latam", "eu", "x') OR 1=1 --"]
        ):
            numbers = {"tokens": float(i * 100)} if i != 5 else {}  # latam: no tokens at all
            strings = {"region": region, "model": f"m{i % 3}"}
            out.append(EventRow(org, tenant, "e", now, f"u{i}", new_id("i"), strings, numbers))
    insert_events(out)
    return org, now, [r for r in out if r.tenant_id == "t_1"]


def count(org: str, now: datetime, *, locked, filters=None, **fields) -> float:
    query = compile_widget(
        widget(**fields).query,
        scope=Scope(org, "t_1"),
        start=now - timedelta(minutes=1),
        end=now + timedelta(minutes=1),
        tz="UTC",
        filters=filters or {},
        locked_filters={key: locked_value(raw) for key, raw in locked.items()},
    )
    return run(query).rows[0][0]


def oracle(rows, locked: dict, filters: dict | None = None) -> int:
    """Plain Python over the same rows."""
    ops = {"gt": float.__gt__, "gte": float.__ge__, "lt": float.__lt__, "lte": float.__le__}

    def ok(row) -> bool:
        for key, lock in locked.items():
            if isinstance(lock, dict):
                value = row.numeric_props.get(key)
                if value is None or not all(ops[op](value, float(b)) for op, b in lock.items()):
                    return False
            elif row.string_props.get(key) not in (lock if isinstance(lock, list) else [lock]):
                return False
        for key, value in (filters or {}).items():
            lock = locked.get(key)
            if isinstance(lock, list) and value not in lock:
                continue  # outside the lock: dropped, the lock stands
            if row.string_props.get(key) != value:
                return False
        return True

    return sum(1 for row in rows if ok(row))


@pytest.mark.parametrize(
    ("locked", "filters"),
    [
        ({"region": ["eu", "us"]}, {}),
        ({"region": ["eu", "us"]}, {"region": "us"}),
        ({"region": ["eu", "us"]}, {"region": "apac"}),
        ({"region": ["x') OR 1=1 --"]}, {}),
        ({"tokens": {"gte": 100, "lt": 500}}, {}),
        ({"tokens": {"gt": 100, "lte": 500}}, {}),
        ({"tokens": {"lt": 50}}, {}),  # a missing property is not 0: latam is never in
        ({"tokens": {"gte": 0}}, {}),
        ({"tokens": {"gte": 300}, "region": ["eu", "latam"]}, {"model": "m0"}),
        ({"tokens": {"gt": 10_000}}, {}),
    ],
)
def test_counts_equal_a_plain_computation(rows, locked, filters) -> None:
    org, now, mine = rows
    expected = oracle(mine, locked, filters)
    assert count(org, now, locked=locked, filters=filters) == expected
    if "tokens" in locked and filters == {}:  # and a sum over the locked rows
        total = count(org, now, locked=locked, metric="sum", property="tokens")
        within = [r for r in mine if oracle([r], locked)]
        assert total == sum(r.numeric_props["tokens"] for r in within)


def test_the_data_has_rows_on_both_sides_of_each_lock(rows) -> None:
    _, _, mine = rows
    assert 0 < oracle(mine, {"tokens": {"gte": 100, "lt": 500}}) < len(mine)
    assert 0 < oracle(mine, {"region": ["eu", "us"]}) < len(mine)


def test_drill_keeps_a_list_and_a_range_lock(rows) -> None:
    org, now, mine = rows
    locked = {"region": ("eu", "apac"), "tokens": NumericRange(lte=600)}
    query = compile_drill(
        widget().query,
        scope=Scope(org, "t_1"),
        start=now - timedelta(minutes=1),
        end=now + timedelta(minutes=1),
        filters={},
        locked_filters=locked,
    )
    found = run(query).dicts()
    assert sorted(row["numeric_props"]["tokens"] for row in found) == [0.0, 200.0, 300.0, 600.0]


def test_filter_values_of_a_list_locked_dimension_offer_only_listed_values(rows) -> None:
    org, now, _ = rows
    query = compile_filter_values(
        scope=Scope(org, "t_1"),
        event_names=("e",),
        dimension="region",
        start=now - timedelta(minutes=1),
        end=now + timedelta(minutes=1),
        locked_filters={"region": ("us", "latam", "nowhere")},
    )
    assert sorted(value for value, _ in run(query).rows) == ["latam", "us"]
