"""validate_batch on parsed values directly: cases JSON cannot even carry (NaN, Infinity) and
the exact shape of the rows it returns."""

from datetime import UTC, datetime, timedelta

import pytest

from config.errors import InvalidInput
from ingest.validation import MAX_EVENTS_PER_BATCH, validate_batch
from tests.ingest.conftest import an_event

RECEIVED = datetime(2026, 4, 14, 10, 30, 5, 123456, tzinfo=UTC)


def _validate(*events: object) -> list:
    return validate_batch(
        {"events": list(events)}, org_id="org_1", received_at=RECEIVED, retention_days=30
    )


def _fields(exc: pytest.ExceptionInfo) -> list[tuple]:
    return [(d.get("index"), d["field"]) for d in exc.value.details]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_rejected(value: float) -> None:
    with pytest.raises(InvalidInput) as exc:
        _validate(an_event(timestamp=None, numeric_props={"latency": value}))
    assert exc.value.details == [
        {"index": 0, "field": "numeric_props.latency", "message": "must be a finite number"}
    ]


def test_rows_carry_the_given_org_and_millisecond_receive_time() -> None:
    (row,) = _validate(an_event(timestamp=None, insert_id="i-1", user_id=None))
    assert row.org_id == "org_1"
    assert row.timestamp == datetime(2026, 4, 14, 10, 30, 5, 123000, tzinfo=UTC)
    assert row.user_id == ""
    assert row.insert_id == "i-1"


def test_timestamps_keep_their_instant_truncated_to_milliseconds() -> None:
    (row,) = _validate(an_event(timestamp="2026-04-14T12:00:00.999999+02:00"))
    assert row.timestamp == datetime(2026, 4, 14, 10, 0, 0, 999000, tzinfo=UTC)


def test_future_skew_boundary_is_five_minutes() -> None:
    inside = (RECEIVED + timedelta(minutes=4, seconds=59)).isoformat()
    outside = (RECEIVED + timedelta(minutes=5, seconds=1)).isoformat()
    assert len(_validate(an_event(timestamp=inside))) == 1
    with pytest.raises(InvalidInput) as exc:
        _validate(an_event(timestamp=outside))
    assert _fields(exc) == [(0, "timestamp")]


def test_events_without_insert_id_get_distinct_random_ids() -> None:
    rows = _validate(*[an_event(timestamp=None) for _ in range(MAX_EVENTS_PER_BATCH)])
    ids = {row.insert_id for row in rows}
    assert len(ids) == MAX_EVENTS_PER_BATCH
    assert all(len(insert_id) == 32 for insert_id in ids)


def test_a_key_seen_valid_once_is_still_checked_in_other_events() -> None:
    with pytest.raises(InvalidInput) as exc:
        _validate(
            an_event(timestamp=None, string_props={"plan": "pro"}),
            an_event(timestamp=None, string_props={"plan": 5}),
            an_event(timestamp=None, event_name="bad name"),
            an_event(timestamp=None, event_name="bad name"),
        )
    assert _fields(exc) == [(1, "string_props.plan"), (2, "event_name"), (3, "event_name")]


def test_non_string_keys_are_rejected() -> None:
    with pytest.raises(InvalidInput) as exc:
        _validate(an_event(timestamp=None, numeric_props={1: 2.0}))
    assert _fields(exc) == [(0, "numeric_props.1")]


def test_integers_and_floats_are_numbers_but_booleans_are_not() -> None:
    (row,) = _validate(an_event(timestamp=None, numeric_props={"a": 1, "b": -2.5, "c": 10**18}))
    assert row.numeric_props == {"a": 1, "b": -2.5, "c": 10**18}
    with pytest.raises(InvalidInput):
        _validate(an_event(timestamp=None, numeric_props={"flag": True}))
