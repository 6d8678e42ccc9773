"""The backend contract: chDB always; a ClickHouse server too whenever CLICKHOUSE_URL is set.

Both must round-trip every awkward value through `{name:Type}` parameters unchanged."""

import os
from datetime import UTC, datetime

import pytest
from django.conf import settings

from core.ids import new_id
from warehouse.backends import (
    ChdbBackend,
    ServerBackend,
    WarehouseError,
    backend_from_settings,
    get_backend,
)
from warehouse.events import EventRow, insert_encoded_events, insert_events
from warehouse.schema import (
    EVENTS_LOCAL_TABLE,
    EVENTS_TABLE,
    MIGRATIONS,
    applied_versions,
    migrate,
)

AWKWARD_STRINGS = [
    "plain",
    "",
    "it's",
    'double "quotes"',
    "back\\slash \\' and \\\\",
    "tab\tnew\nline\rreturn",
    "unicode é 漢字 🚀",
    "{not_a:Param}",
    "'; DROP TABLE events; --",
    "nul\0byte",
]


def _backends() -> list:
    params = [pytest.param("chdb", id="chdb")]
    if os.environ.get("CLICKHOUSE_URL"):
        params.append(pytest.param("server", id="server", marks=pytest.mark.server))
    return params


@pytest.fixture(params=_backends())
def backend(request):
    if request.param == "chdb":
        yield get_backend()
    else:
        server = backend_from_settings()  # CLICKHOUSE_URL's server, as the app makes it
        assert isinstance(server, ServerBackend)
        migrate(server)
        yield server
        server.close()


def test_default_backend_is_chdb_unless_clickhouse_url_names_a_server() -> None:
    if settings.CLICKHOUSE_URL:  # the server pass of `make test`
        assert isinstance(get_backend(), ServerBackend)
    else:
        assert isinstance(get_backend(), ChdbBackend)


def test_a_map_is_two_array_parameters_and_a_dict_is_refused_by_both(backend) -> None:
    result = backend.query(
        "SELECT mapFromArrays({k:Array(String)}, {v:Array(String)})['b'] AS b",
        {"k": ["a", "b"], "v": ["1", "it's 2"]},
    )
    assert result.scalar() == "it's 2"
    with pytest.raises(TypeError, match="mapFromArrays"):
        backend.query("SELECT {m:Map(String, String)} AS m", {"m": {"a": "1"}})


@pytest.mark.parametrize("value", AWKWARD_STRINGS)
def test_string_parameters_round_trip(backend, value: str) -> None:
    result = backend.query("SELECT {v:String} AS v, length({v:String}) AS n", {"v": value})
    assert result.rows == [[value, len(value.encode())]]


def test_array_parameter_round_trips(backend) -> None:
    result = backend.query("SELECT {a:Array(String)} AS a", {"a": AWKWARD_STRINGS})
    assert result.scalar() == AWKWARD_STRINGS


def test_numeric_and_datetime_parameters(backend) -> None:
    moment = datetime(2026, 4, 14, 10, 30, 5, 123000, tzinfo=UTC)
    result = backend.query(
        "SELECT {i:Int64} AS i, {f:Float64} AS f, toString({t:DateTime64(3, 'UTC')}) AS t",
        {"i": -42, "f": 2.5, "t": moment},
    )
    assert result.dicts() == [{"i": -42, "f": 2.5, "t": "2026-04-14 10:30:05.123"}]


def test_a_parameter_is_never_sql(backend) -> None:
    result = backend.query(
        "SELECT count() FROM numbers(3) WHERE toString(number) = {v:String}", {"v": "1' OR '1'='1"}
    )
    assert result.scalar() == 0


def test_insert_keeps_maps_and_milliseconds_and_dedups_on_insert_id(backend) -> None:
    org_id = new_id("org")
    moment = datetime(2026, 4, 14, 10, 30, 5, 7000, tzinfo=UTC)
    row = EventRow(
        org_id, "t1", "api.call", moment, "u1", "ins-1", {"model": "it's é"}, {"tokens": 12.5}
    )
    insert_events([row, row._replace(insert_id="ins-2")], backend=backend)
    insert_events([row], backend=backend)  # a retry of the first event
    result = backend.query(
        "SELECT insert_id, toString(timestamp), string_props['model'], numeric_props['tokens'] "
        "FROM events FINAL WHERE org_id = {o:String} ORDER BY insert_id",
        {"o": org_id},
    )
    assert result.rows == [
        ["ins-1", "2026-04-14 10:30:05.007", "it's é", 12.5],
        ["ins-2", "2026-04-14 10:30:05.007", "it's é", 12.5],
    ]


def test_migrate_is_idempotent(backend) -> None:
    migrate(backend)
    assert migrate(backend) == []
    assert applied_versions(backend) == {m.version for m in MIGRATIONS}


def test_events_table_is_sorted_by_tenant_columns(backend) -> None:
    """The table that holds the rows: `events`, or each shard's `events_local` on a cluster."""
    table = EVENTS_LOCAL_TABLE if settings.CLICKHOUSE_CLUSTER else EVENTS_TABLE
    sorting_key = backend.query(
        "SELECT sorting_key, partition_key FROM system.tables "
        "WHERE database = currentDatabase() AND name = {t:String}",
        {"t": table},
    ).rows[0]
    assert sorting_key[0].startswith("org_id, tenant_id, event_name, timestamp")
    assert sorting_key[1] == "toYYYYMM(timestamp)"


@pytest.mark.parametrize("payload", [b"not json", b'[["org_1"], ["t1"'])
def test_a_document_that_is_not_an_event_batch_is_refused_as_warehouse_error(
    backend, payload: bytes
) -> None:
    with pytest.raises(WarehouseError):
        insert_encoded_events([payload], backend=backend)


def test_deleting_an_organizations_old_events_leaves_the_rest(backend) -> None:
    from datetime import timedelta

    from warehouse.events import events_delete_before

    org, other = new_id("org"), new_id("org")
    now = datetime.now(UTC).replace(microsecond=0)
    rows = [
        EventRow(o, "t", "api.call", now - timedelta(days=days), "", new_id("i"), {}, {})
        for o in (org, other)
        for days in (1, 10, 20)
    ]
    insert_events(rows, backend=backend)

    assert events_delete_before(org_id=org, before=now - timedelta(days=5), backend=backend) == 2
    assert events_delete_before(org_id=org, before=now - timedelta(days=5), backend=backend) == 0

    counts = backend.query(
        "SELECT org_id, count() FROM events WHERE org_id IN {orgs:Array(String)} GROUP BY org_id",
        {"orgs": [org, other]},
    ).rows
    assert dict(counts) == {org: 1, other: 3}
