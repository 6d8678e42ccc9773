"""The production buffer (INGEST_BUFFER="redis") with REAL Redis and chDB: accepted batches wait
in a stream of their own per test, and `stream_drain` writes them. "Exactly once" is checked
twice: by counting with FINAL (what every query sees) and, where no insert was repeated, by
counting the raw rows too."""

import threading
import time
from io import StringIO

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from ingest.drain import CONSUMER_GROUP, DrainConfig, DrainResult, stream_drain
from ingest.stream import ROWS_FIELD, redis_client
from ingest.tasks import drain_stream
from tests.ingest.conftest import an_event, post_events, stored_count
from warehouse.backends import WarehouseError
from warehouse.events import decode_events, insert_events

pytestmark = pytest.mark.django_db


# The shape of a batch (eight columns, an ISO timestamp) with a value no column can hold.
WELL_FORMED_WRONG_TYPES = [
    ["org_poison"], ["t1"], ["api.call"], ["2026-04-14T10:00:00.000Z"], ["u1"], ["i1"],
    [{}], [{"tokens": "not a number"}],
]  # fmt: skip


def _config(stream: str, consumer: str = "writer-1", **overrides) -> DrainConfig:
    return DrainConfig(stream=stream, consumer=consumer, **overrides)


def _accept(client, batches: int, size: int, **event_fields) -> int:
    for batch in range(batches):
        events = [an_event(user_id=f"u-{batch}-{i}", **event_fields) for i in range(size)]
        response = post_events(client, events)
        assert response.status_code == 202, response.content
        assert response.json() == {"accepted": size}
    return batches * size


def _pending(stream: str) -> int:
    return redis_client().xpending(stream, CONSUMER_GROUP)["pending"]


def _drain_until_empty(stream: str, config: DrainConfig, rounds: int = 500) -> list[DrainResult]:
    """Run writer rounds until the stream is empty (the backoff in these tests lasts a few ms)."""
    results = []
    for _ in range(rounds):
        results.append(stream_drain(client=redis_client(), config=config))
        if redis_client().xlen(stream) == 0:
            return results
        time.sleep(0.005)
    raise AssertionError(f"the stream still holds {redis_client().xlen(stream)} entries")


def test_a_batch_is_one_stream_entry_until_a_writer_inserts_it(redis_buffer, ingest_client, org):
    total = _accept(ingest_client, batches=2, size=3)
    client = redis_client()
    assert client.xlen(redis_buffer) == 2
    assert stored_count(org.organization.pk) == 0  # accepted = durable in Redis, not yet written

    (entry_id, fields), _ = client.xrange(redis_buffer)
    rows = decode_events(fields[ROWS_FIELD])
    assert {row.org_id for row in rows} == {org.organization.pk}

    result = stream_drain(client=client, config=_config(redis_buffer))
    assert (result.entries, result.events, result.backing_off) == (2, total, False)
    assert stored_count(org.organization.pk) == total
    assert stored_count(org.organization.pk, final=False) == total
    assert client.xlen(redis_buffer) == 0  # acknowledged and deleted: Redis memory is released
    assert _pending(redis_buffer) == 0


def test_a_worker_that_died_before_inserting_is_taken_over_exactly_once(
    redis_buffer, ingest_client, org
):
    total = _accept(ingest_client, batches=3, size=4)
    client = redis_client()
    client.xgroup_create(redis_buffer, CONSUMER_GROUP, id="0")
    # The dying worker reads every entry, then disappears without inserting or acknowledging.
    delivered = client.xreadgroup(CONSUMER_GROUP, "dead-worker", {redis_buffer: ">"}, count=10)
    assert len(delivered[0][1]) == 3

    patient = stream_drain(client=client, config=_config(redis_buffer, claim_idle_ms=60_000))
    assert (patient.entries, patient.reclaimed) == (0, 0)  # it may still be alive: not yet
    assert stored_count(org.organization.pk) == 0

    takeover = stream_drain(client=client, config=_config(redis_buffer, claim_idle_ms=0))
    assert (takeover.reclaimed, takeover.events) == (3, total)
    assert stored_count(org.organization.pk) == total
    assert stored_count(org.organization.pk, final=False) == total  # inserted exactly once
    assert _pending(redis_buffer) == 0
    again = stream_drain(client=client, config=_config(redis_buffer, claim_idle_ms=0))
    assert again.events == 0
    assert stored_count(org.organization.pk, final=False) == total


def test_a_reclaimed_batch_that_was_already_inserted_is_still_counted_once(
    redis_buffer, ingest_client, org
):
    total = _accept(ingest_client, batches=2, size=5)
    client = redis_client()
    client.xgroup_create(redis_buffer, CONSUMER_GROUP, id="0")
    # This worker inserts, then dies before XACK: the batch will be inserted a second time.
    delivered = client.xreadgroup(CONSUMER_GROUP, "dead-worker", {redis_buffer: ">"}, count=10)
    for _, fields in delivered[0][1]:
        insert_events(decode_events(fields[ROWS_FIELD]))

    result = stream_drain(client=client, config=_config(redis_buffer, claim_idle_ms=0))
    assert (result.reclaimed, result.events) == (2, total)
    assert stored_count(org.organization.pk) == total  # the insert_ids fixed at accept collapse
    assert _pending(redis_buffer) == 0


def test_while_the_warehouse_is_down_the_api_accepts_and_nothing_is_lost(
    redis_buffer, ingest_client, org, flaky_warehouse
):
    flaky = flaky_warehouse(failures=3)
    config = _config(redis_buffer, backoff_base_ms=1, backoff_cap_ms=4)
    accepted = _accept(ingest_client, batches=3, size=10)

    first = stream_drain(client=redis_client(), config=config)
    assert first.backing_off and first.events == 0
    assert stored_count(org.organization.pk) == 0
    assert _pending(redis_buffer) == 3  # read, not acknowledged: still owed to the warehouse

    accepted += _accept(ingest_client, batches=2, size=10)  # the API keeps accepting
    results = _drain_until_empty(redis_buffer, config)

    assert flaky.failures_left == 0
    assert sum(result.events for result in results) == accepted
    assert stored_count(org.organization.pk) == accepted
    assert (
        stored_count(org.organization.pk, final=False) == accepted
    )  # failed inserts wrote nothing
    assert _pending(redis_buffer) == 0
    assert not redis_client().exists(config.failures_key)  # recovered: backoff starts over


def test_writers_back_off_exponentially_up_to_a_cap(redis_buffer, ingest_client, flaky_warehouse):
    flaky_warehouse(failures=10)
    _accept(ingest_client, batches=1, size=1)
    client = redis_client()
    config = _config(redis_buffer, backoff_base_ms=10_000, backoff_cap_ms=30_000)
    for expected_ms in (10_000, 20_000, 30_000, 30_000):
        assert stream_drain(client=client, config=config).backing_off
        assert expected_ms / 2 < client.pttl(config.backoff_key) <= expected_ms
        assert stream_drain(client=client, config=config).backing_off  # paused: not even tried
        client.delete(config.backoff_key)  # the pause is over


def test_a_failure_that_is_not_the_datas_sets_nothing_aside_and_is_retried(
    redis_buffer, ingest_client, org, flaky_warehouse
):
    flaky = flaky_warehouse(failures=2, error=WarehouseError)  # e.g. a memory limit
    config = _config(redis_buffer, backoff_base_ms=1, backoff_cap_ms=4)
    accepted = _accept(ingest_client, batches=3, size=10)

    first = stream_drain(client=redis_client(), config=config)
    assert (first.backing_off, first.events, first.dead_lettered) == (True, 0, 0)
    assert flaky.failures_left == 0  # the batch, then its first entry alone: then it gave up
    assert _pending(redis_buffer) == 3

    results = _drain_until_empty(redis_buffer, config)
    assert sum(result.dead_lettered for result in results) == 0
    assert stored_count(org.organization.pk) == accepted
    assert redis_client().xlen(config.dead_letter_stream) == 0


def test_the_same_batch_sent_twice_with_insert_ids_is_stored_once(redis_buffer, ingest_client, org):
    events = [an_event(insert_id=f"order-{i}", user_id=f"u{i}") for i in range(7)]
    assert post_events(ingest_client, events).status_code == 202
    assert post_events(ingest_client, events).status_code == 202
    stream_drain(client=redis_client(), config=_config(redis_buffer))
    assert stored_count(org.organization.pk) == 7


def test_a_batch_resent_through_the_stream_without_timestamps_is_stored_once(
    redis_buffer, ingest_client, org
):
    events = [an_event(insert_id=f"order-{i}", user_id=f"u{i}", timestamp=None) for i in range(7)]
    for _ in range(3):
        assert post_events(ingest_client, events).status_code == 202
        time.sleep(0.01)
    client = redis_client()
    stamps = {
        row.timestamp
        for _, fields in client.xrange(redis_buffer)
        for row in decode_events(fields[ROWS_FIELD])
    }
    assert len(stamps) == 1  # every re-send carries the first arrival's stamp
    _drain_until_empty(redis_buffer, _config(redis_buffer))
    assert stored_count(org.organization.pk) == 7


def test_one_insert_holds_at_most_max_entries_batches(
    redis_buffer, ingest_client, org, flaky_warehouse
):
    flaky = flaky_warehouse(failures=0)
    total = _accept(ingest_client, batches=5, size=20)
    result = stream_drain(client=redis_client(), config=_config(redis_buffer, max_entries=2))
    assert result.events == total
    assert flaky.rows_per_insert == [40, 40, 20]  # memory bounded by one read, whatever the backlog


@pytest.mark.parametrize(
    "fields",
    [
        {ROWS_FIELD: b"\xc1 not a batch"},
        {ROWS_FIELD: b'[["org_1"], ["t1"'},
        {b"other": b"x"},
        {ROWS_FIELD: orjson.dumps(WELL_FORMED_WRONG_TYPES)},
    ],
    ids=["not-json", "truncated", "no-rows-field", "wrong-types"],
)
def test_an_entry_that_is_not_a_batch_is_set_aside_and_blocks_nothing(
    redis_buffer, ingest_client, org, fields
):
    client = redis_client()
    total = _accept(ingest_client, batches=1, size=3)
    client.xadd(redis_buffer, fields)
    total += _accept(ingest_client, batches=1, size=3)

    result = stream_drain(client=client, config=_config(redis_buffer))
    assert (result.events, result.dead_lettered, result.backing_off) == (total, 1, False)
    assert stored_count(org.organization.pk) == total
    ((_, kept),) = client.xrange(_config(redis_buffer).dead_letter_stream)
    assert {key: kept[key] for key in fields} == fields  # kept unchanged for an operator
    assert client.xlen(redis_buffer) == 0


def test_two_writers_share_the_backlog_and_write_each_batch_once(redis_buffer, ingest_client, org):
    total = _accept(ingest_client, batches=12, size=10)
    results: list[DrainResult] = []

    def writer(name: str) -> None:
        results.append(
            stream_drain(client=redis_client(), config=_config(redis_buffer, name, max_entries=1))
        )

    threads = [threading.Thread(target=writer, args=(f"writer-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result.entries for result in results) == 12
    assert stored_count(org.organization.pk, final=False) == total  # no entry written twice
    assert _pending(redis_buffer) == 0


def test_the_periodic_task_drains_the_stream(redis_buffer, ingest_client, org):
    total = _accept(ingest_client, batches=2, size=2)
    outcome = drain_stream()
    assert outcome["events"] == total
    assert stored_count(org.organization.pk) == total


def test_the_periodic_task_does_nothing_on_the_direct_buffer(db):
    assert drain_stream() is None  # INGEST_BUFFER="direct": the API inserted already


def test_redis_down_answers_503_and_the_client_keeps_its_batch(redis_buffer, ingest_client, org):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = post_events(ingest_client, [an_event()])
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "ingest_unavailable"
    assert redis_client().xlen(redis_buffer) == 0


def test_idle_entries_behind_many_busy_ones_are_still_taken_over(redis_buffer, ingest_client, org):
    total = _accept(ingest_client, batches=25, size=1)
    client = redis_client()
    client.xgroup_create(redis_buffer, CONSUMER_GROUP, id="0")
    delivered = client.xreadgroup(CONSUMER_GROUP, "worker-a", {redis_buffer: ">"}, count=100)
    ids = [entry_id for entry_id, _ in delivered[0][1]]
    # The last three were read ten minutes ago (a dead worker); the rest just now (alive).
    client.xclaim(redis_buffer, CONSUMER_GROUP, "worker-a", 0, ids[-3:], idle=600_000)

    config = _config(redis_buffer, claim_idle_ms=300_000, max_entries=1)
    result = stream_drain(client=client, config=config)
    assert (result.reclaimed, result.events) == (3, 3)  # XAUTOCLAIM scans 10 a call: cursor kept
    assert stored_count(org.organization.pk) == 3
    assert _pending(redis_buffer) == total - 3


def test_silent_consumers_without_pending_entries_are_forgotten(redis_buffer, ingest_client):
    _accept(ingest_client, batches=1, size=1)
    client = redis_client()
    client.xgroup_create(redis_buffer, CONSUMER_GROUP, id="0")
    client.xreadgroup(CONSUMER_GROUP, "restarted-worker", {redis_buffer: "0"}, count=1)  # nothing
    client.xreadgroup(CONSUMER_GROUP, "busy-worker", {redis_buffer: ">"}, count=1)  # owns one

    stream_drain(client=client, config=_config(redis_buffer, forget_consumers_after_ms=0))
    names = {c["name"] for c in client.xinfo_consumers(redis_buffer, CONSUMER_GROUP)}
    assert names == {b"busy-worker", b"writer-1"}


def test_the_drain_command_writes_the_backlog(redis_buffer, ingest_client, org):
    total = _accept(ingest_client, batches=2, size=3)
    out = StringIO()
    call_command("ingest_drain", "--once", stdout=out)
    assert orjson.loads(out.getvalue())["events"] == total
    assert stored_count(org.organization.pk) == total


def test_the_drain_command_refuses_the_direct_buffer(db):
    with pytest.raises(CommandError):
        call_command("ingest_drain", "--once")
