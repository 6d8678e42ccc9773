"""A failed chDB query must not leave its partial output in front of the next query's result."""

from django.conf import settings

from warehouse.backends import ChdbBackend, WarehouseError, get_backend


def test_the_query_after_a_failed_one_reads_only_its_own_result(warehouse_schema) -> None:
    backend = get_backend()
    if not isinstance(backend, ChdbBackend):
        return  # the server backend has no shared session output
    backend.command(
        "CREATE TABLE IF NOT EXISTS failed_query_probe (x UInt64) ENGINE = MergeTree ORDER BY x"
    )
    backend.command("TRUNCATE TABLE failed_query_probe")
    backend.command("INSERT INTO failed_query_probe SELECT number FROM numbers(100000)")

    try:
        backend.query(
            "SELECT count() FROM failed_query_probe WHERE x > 5 SETTINGS max_rows_to_read = 1"
        )
    except WarehouseError:
        pass
    else:
        raise AssertionError("the probe query was expected to exceed max_rows_to_read")

    assert backend.query("SELECT 7 AS seven").rows == [[7]]
    assert settings.CHDB_PATH
