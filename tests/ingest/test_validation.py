"""The two validation paths: `validate_batch` (raw JSON; the typed msgspec path, falling back to
the rules) and `validate_parsed` (the rules, one by one, over parsed values - including values
JSON cannot carry, such as NaN). The typed path must never accept what the rules refuse, and
both must build the same rows."""

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from core.errors import InvalidInput
from ingest.rules import MAX_EVENTS_PER_BATCH, Window
from ingest.typed import typed_rows
from ingest.validation import validate_batch, validate_parsed
from tests.ingest.cases import BAD_EVENTS, TOO_MANY
from tests.ingest.conftest import an_event

RECEIVED = datetime(2026, 4, 14, 10, 30, 5, 123456, tzinfo=UTC)
WINDOW = Window.around(RECEIVED, retention_days=30)


def _rules(*events: object) -> list:
    return validate_parsed({"events": list(events)}, org_id="org_1", window=WINDOW)


def _raw(*events: object) -> list:
    body = orjson.dumps({"events": list(events)})
    return validate_batch(body, org_id="org_1", received_at=RECEIVED, retention_days=30)


def _typed(*events: object, window: Window = WINDOW) -> list | None:
    return typed_rows(orjson.dumps({"events": list(events)}), org_id="org_1", window=window)


@pytest.fixture(params=[_raw, _rules], ids=["typed-first", "rules"])
def validate(request) -> Callable[..., list]:
    return request.param


def _fields(exc: pytest.ExceptionInfo) -> list[tuple]:
    return [(d.get("index"), d["field"]) for d in exc.value.details]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_rejected(value: float) -> None:
    with pytest.raises(InvalidInput) as exc:
        _rules(an_event(timestamp=None, numeric_props={"latency": value}))
    assert exc.value.details == [
        {"index": 0, "field": "numeric_props.latency", "message": "must be a finite number"}
    ]


def test_rows_carry_the_given_org_and_millisecond_receive_time(validate) -> None:
    (row,) = validate(an_event(timestamp=None, insert_id="i-1", user_id=None))
    assert row.org_id == "org_1"
    assert row.timestamp == datetime(2026, 4, 14, 10, 30, 5, 123000, tzinfo=UTC)
    assert row.user_id == ""
    assert row.insert_id == "i-1"


def test_timestamps_keep_their_instant_truncated_to_milliseconds(validate) -> None:
    (row,) = validate(an_event(timestamp="2026-04-14T12:00:00.999999+02:00"))
    assert row.timestamp == datetime(2026, 4, 14, 10, 0, 0, 999000, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-04-14T10:00:00", datetime(2026, 4, 14, 10, tzinfo=UTC)),  # no offset: UTC
        ("2026-04-14", datetime(2026, 4, 14, tzinfo=UTC)),
        ("2026-04-14T10:00:00.5+00:00", datetime(2026, 4, 14, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2026-04-14t10:00:00z", datetime(2026, 4, 14, 10, tzinfo=UTC)),  # RFC 3339 lower case
    ],
)
def test_iso_8601_forms(validate, text: str, expected: datetime) -> None:
    (row,) = validate(an_event(timestamp=text))
    assert row.timestamp == expected


def test_future_skew_boundary_is_five_minutes(validate) -> None:
    inside = (RECEIVED + timedelta(minutes=4, seconds=59)).isoformat(timespec="milliseconds")
    outside = (RECEIVED + timedelta(minutes=5, seconds=1)).isoformat(timespec="milliseconds")
    assert len(validate(an_event(timestamp=inside))) == 1
    with pytest.raises(InvalidInput) as exc:
        validate(an_event(timestamp=outside))
    assert _fields(exc) == [(0, "timestamp")]


def test_events_without_insert_id_get_distinct_random_ids(validate) -> None:
    rows = validate(*[an_event(timestamp=None) for _ in range(MAX_EVENTS_PER_BATCH)])
    ids = {row.insert_id for row in rows}
    assert len(ids) == MAX_EVENTS_PER_BATCH
    assert all(len(insert_id) == 32 for insert_id in ids)


def test_a_key_seen_valid_once_is_still_checked_in_other_events(validate) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate(
            an_event(timestamp=None, string_props={"plan": "pro"}),
            an_event(timestamp=None, string_props={"plan": 5}),
            an_event(timestamp=None, event_name="bad name"),
            an_event(timestamp=None, event_name="bad name"),
        )
    assert _fields(exc) == [(1, "string_props.plan"), (2, "event_name"), (3, "event_name")]


def test_non_string_keys_are_rejected() -> None:
    with pytest.raises(InvalidInput) as exc:
        _rules(an_event(timestamp=None, numeric_props={1: 2.0}))
    assert _fields(exc) == [(0, "numeric_props.1")]


def test_integers_and_floats_are_numbers_but_booleans_are_not(validate) -> None:
    (row,) = validate(an_event(timestamp=None, numeric_props={"a": 1, "b": -2.5, "c": 10**18}))
    assert row.numeric_props == {"a": 1.0, "b": -2.5, "c": 1e18}
    with pytest.raises(InvalidInput):
        validate(an_event(timestamp=None, numeric_props={"flag": True}))


# --- The typed path against the rules -----------------------------------------------------


@pytest.mark.parametrize(
    "overrides, field", [case[1:] for case in BAD_EVENTS], ids=[case[0] for case in BAD_EVENTS]
)
def test_the_typed_path_never_accepts_what_the_rules_refuse(overrides: dict, field: str) -> None:
    window = Window.around(datetime.now(UTC), retention_days=365)
    assert _typed(an_event(), an_event(**overrides), window=window) is None


@pytest.mark.parametrize(
    "body",
    [{"events": []}, {"events": [an_event()] * 1001}, {"events": [an_event()], "extra": 1}, []],
    ids=["empty", "too-many", "unknown-body-key", "not-an-object"],
)
def test_the_typed_path_refuses_bad_bodies(body: object) -> None:
    assert typed_rows(orjson.dumps(body), org_id="org_1", window=WINDOW) is None


def test_both_paths_build_the_same_rows() -> None:
    events = [
        an_event(timestamp="2026-04-14T10:00:00.250Z", insert_id="a", user_id=None),
        an_event(timestamp="2026-04-14T12:00:00.000+02:00", insert_id="b", string_props=None),
        an_event(timestamp=None, insert_id="c", event_name="user:login", numeric_props={"n": 3}),
    ]
    typed = _typed(*events)
    assert typed is not None
    assert typed == _rules(*events)


@pytest.mark.parametrize(
    "overrides",
    [
        {"timestamp": "2026-04-14T10:00:00"},
        {"timestamp": "2026-04-14"},
        {"timestamp": "2026-04-14T10:00:00.123456Z"},
        {"user_id": None},
        {"string_props": None},
        {"insert_id": ""},
    ],
    ids=["naive", "date-only", "sub-millisecond", "null-user", "null-props", "empty-insert-id"],
)
def test_rarer_valid_forms_fall_back_to_the_rules_and_are_accepted(overrides: dict) -> None:
    event = {**an_event(timestamp=None), **overrides}  # explicit nulls stay in the JSON
    assert _typed(event) is None
    assert len(_raw(event)) == 1


FUZZ_VALUES = {
    "tenant_id": ["t", "", "x" * 128, "x" * 129, 5, None, "é漢"],
    "event_name": ["api.call", "a:b-c_d.e", "1x", "", "a b", "x" * 128, "x" * 129, None, 3],
    "timestamp": [
        "2026-04-14T10:00:00.123Z",
        "2026-04-14t10:00:00z",
        "2026-04-14T10:00:00",
        "2026-04-14",
        "2026-04-14T10:00:00.123456+02:00",
        "2026-04-14T10:10:00Z",  # beyond the 5-minute skew
        "2025-01-01T00:00:00Z",  # beyond 30 days of retention
        "2026-04-14T10:00Z",
        "yesterday",
        12,
        None,
    ],
    "user_id": ["u", "", "u" * 256, "u" * 257, None, 1],
    "insert_id": ["i", "", "i" * 128, "i" * 129, None, 2],
    "string_props": [
        {},
        {"a": "b"},
        {"a": 1},
        {"a": None},
        {"1a": "b"},
        {"a": "x" * 1025},
        None,
        [],
        TOO_MANY,
    ],
    "numeric_props": [
        {},
        {"n": 1},
        {"n": 1.5},
        {"n": True},
        {"n": "1"},
        {"n": None},
        {"$": 1},
        None,
        {"n": 1e300},
    ],
}


def test_fuzz_the_typed_path_agrees_with_the_rules() -> None:
    rng = random.Random(20261122)
    accepted_by_typed = 0
    for _ in range(600):
        # Mostly the first (valid) value of each field, so that whole events are often valid.
        event = {
            field: values[0] if rng.random() < 0.75 else rng.choice(values)
            for field, values in FUZZ_VALUES.items()
        }
        event = {k: v for k, v in event.items() if not (v is None and rng.random() < 0.5)}
        if rng.random() < 0.05:
            event["extra"] = "x"
        typed = _typed(event)
        try:
            ruled = _rules(event)
        except InvalidInput:
            ruled = None
        if typed is not None:
            accepted_by_typed += 1
            assert ruled is not None, event  # never accept what the rules refuse

            def blank_ids(rows: list) -> list:  # random ids differ between the two runs
                return [row._replace(insert_id="") for row in rows]

            assert blank_ids(typed) == blank_ids(ruled), event
    assert accepted_by_typed > 10  # the fuzz does reach the fast path


@pytest.mark.parametrize("naive", [False, True], ids=["typed", "rules"])  # naive: typed refuses
def test_first_stamps_is_asked_about_events_with_an_insert_id_and_no_timestamp_only(naive) -> None:
    asked: list = []
    earlier = datetime(2026, 4, 14, 10, 0, 0, 1000, tzinfo=UTC)

    def first_stamps(*, rows, received_at):
        asked.append(([row.insert_id for row in rows], received_at))
        return [earlier if row.insert_id == "seen" else received_at for row in rows]

    events = [
        an_event(timestamp="2026-04-14T10:00:00" if naive else "2026-04-14T10:00:00Z"),
        an_event(timestamp=None),  # a random insert id: nothing to remember
        an_event(timestamp=None, insert_id="seen"),
        an_event(timestamp="2026-04-14T10:00:00Z", insert_id="stamped-by-client"),
        an_event(timestamp=None, insert_id="new"),
    ]
    body = orjson.dumps({"events": events})
    rows = validate_batch(
        body, org_id="org_1", received_at=RECEIVED, retention_days=30, first_stamps=first_stamps
    )
    received = datetime(2026, 4, 14, 10, 30, 5, 123000, tzinfo=UTC)
    assert asked == [(["seen", "new"], received)]
    assert [row.timestamp for row in rows[1:]] == [received, earlier, rows[3].timestamp, received]
    assert rows[3].timestamp == datetime(2026, 4, 14, 10, 0, tzinfo=UTC)
