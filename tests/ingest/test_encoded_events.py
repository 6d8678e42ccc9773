"""The batch encoding the ingest stream carries (warehouse.events.encode_events): it round-trips,
and chDB's raw path (documents straight to ClickHouse's reader) stores exactly what the
generic path (decode in Python, then `insert`, as the server backend does) stores."""

from datetime import UTC, datetime

import pytest

from core.ids import new_id
from tests.ingest.conftest import stored_rows
from warehouse.backends import Backend, get_backend
from warehouse.events import (
    EVENT_COLUMNS,
    EventBatch,
    EventRow,
    decode_events,
    encode_events,
    insert_encoded_events,
)
from warehouse.schema import EVENTS_TABLE


def _rows(org_id: str) -> list[EventRow]:
    moment = datetime(2026, 4, 14, 10, 30, 5, 7000, tzinfo=UTC)
    return [
        EventRow(org_id, "t1", "api.call", moment, "u1", "i1", {"model": "it's \\ é"}, {"n": 1.5}),
        EventRow(org_id, "t2", "user:login", moment, "", "i2", {}, {}),
        EventRow(
            org_id,
            "t1",
            "api.call",
            moment.replace(microsecond=999000),
            "u2",
            "i3",
            {"a": ""},
            {"x": -2.0},
        ),
    ]


def test_encoding_round_trips() -> None:
    rows = _rows("org_x")
    assert decode_events(encode_events(rows)) == rows


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[]", b'[["a"], ["b"]]', b"[[1], [2], [3], [4], [5], [6], [7], [8, 9]]"],
)
def test_decoding_refuses_what_is_not_a_batch(payload: bytes) -> None:
    with pytest.raises(ValueError):
        decode_events(payload)


def test_raw_and_generic_paths_store_the_same_rows() -> None:
    raw_org, generic_org = new_id("org"), new_id("org")
    backend = get_backend()
    halves = [_rows(raw_org)[:2], _rows(raw_org)[2:]]
    assert insert_encoded_events([encode_events(half) for half in halves]) == 3

    generic = [encode_events(half) for half in ([_rows(generic_org)[:2], _rows(generic_org)[2:]])]
    written = Backend.insert_encoded(
        backend, EVENTS_TABLE, EVENT_COLUMNS, generic, decode=decode_events
    )
    assert written == 3

    def without_org(org_id: str) -> list[dict]:
        return [{k: v for k, v in row.items() if k != "org_id"} for row in stored_rows(org_id)]

    assert without_org(raw_org) == without_org(generic_org)
    assert [row["timestamp"] for row in stored_rows(raw_org)] == [
        "2026-04-14 10:30:05.007",
        "2026-04-14 10:30:05.007",
        "2026-04-14 10:30:05.999",
    ]


def test_a_columnar_batch_encodes_to_the_same_bytes_and_reads_as_its_rows() -> None:
    rows = _rows("org_x")
    batch = EventBatch.from_rows(rows)
    assert encode_events(batch) == encode_events(rows)
    assert list(batch) == rows and batch[1] == rows[1] and batch[1:] == rows[1:]
    later = datetime(2026, 4, 14, 11, tzinfo=UTC)
    batch.set_timestamp(2, later)
    assert decode_events(encode_events(batch))[2] == rows[2]._replace(timestamp=later)
    assert encode_events(EventBatch.from_rows([])) == b"" == encode_events([])
    with pytest.raises(ValueError):
        EventBatch([["org_x"], ["t1"]])  # not one list per column
