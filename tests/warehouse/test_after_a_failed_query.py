"""A failed query must not leave anything in front of the next query's result: chDB kept a
failed query's partial output in its session; a native connection left mid-answer would hand
the next query the rest of the old one. Runs on whichever backend the settings name."""

from django.conf import settings

from warehouse.backends import WarehouseError, get_backend


def test_the_query_after_a_failed_one_reads_only_its_own_result(warehouse_schema) -> None:
    backend = get_backend()
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
    assert backend.query("SELECT count() FROM failed_query_probe").rows == [[100000]]
    assert settings.CHDB_PATH


def test_the_query_after_one_that_failed_mid_answer_reads_only_its_own_result() -> None:
    backend = get_backend()
    try:  # blocks of 1,000 rows are already on their way when row 50,000 throws
        backend.query(
            "SELECT number, throwIf(number = 50000, 'mid-answer') AS boom FROM numbers(100000) "
            "SETTINGS max_block_size = 1000, max_threads = 1"
        )
    except WarehouseError as exc:
        assert "mid-answer" in str(exc)
    else:
        raise AssertionError("the probe query was expected to throw at row 50,000")

    assert backend.query("SELECT 7 AS seven, 'after' AS word").dicts() == [
        {"seven": 7, "word": "after"}
    ]
