"""Strict, all-or-nothing validation of an event batch, fast enough for 1,000 events a request.

The output is `EventRow`s ready for the warehouse, or an `InvalidInput` listing EVERY problem
as `{"index", "field", "message"}`. Two paths, one set of rules:
  - `ingest.typed` decodes the raw JSON straight into typed structs (msgspec, in C) and checks
    the rest in a few passes over the batch: the common, valid case;
  - `validate_parsed` below, over what orjson parsed, checks each rule in Python and says what
    is wrong. It is the authority: the typed path answers only when it is sure a batch is valid,
    and hands everything else (errors, and rarer forms such as naive timestamps) to it.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from core.errors import InvalidInput
from ingest.rules import (
    BODY_KEYS,
    EVENT_KEYS,
    EVENT_NAME_PATTERN,
    EVENT_NAME_RULE,
    MAX_EVENTS_PER_BATCH,
    MAX_FUTURE_SKEW,
    MAX_INSERT_ID_LENGTH,
    MAX_PROPS_PER_MAP,
    MAX_STRING_PROP_LENGTH,
    MAX_TENANT_ID_LENGTH,
    MAX_USER_ID_LENGTH,
    PROP_KEY_PATTERN,
    PROP_KEY_RULE,
    RandomIds,
    Window,
    to_millisecond,
)
from ingest.typed import typed_rows
from warehouse.events import EventBatch, EventRow

Error = dict[str, Any]


@dataclass
class _Batch:
    """What checking one batch rule by rule needs besides the events, and what it finds."""

    org_id: str
    window: Window
    errors: list[Error] = field(default_factory=list)
    event_names_seen: set[str] = field(default_factory=set)
    prop_keys_seen: set[str] = field(default_factory=set)

    def fail(self, index: int, field_name: str | None, message: str) -> None:
        self.errors.append({"index": index, "field": field_name, "message": message})


FirstStamps = Callable[..., list[datetime]]  # (*, rows, received_at) -> one stamp per row


def validate_batch(
    raw: bytes,
    *,
    org_id: str,
    received_at: datetime,
    retention_days: int,
    first_stamps: FirstStamps | None = None,
) -> EventBatch:
    """The rows of a JSON request body `{"events": [...]}`, all stamped with `org_id` (from the
    API key, never from the body). Raises InvalidInput naming every bad event and field, or
    with code `malformed_json`.

    An event without a timestamp gets the receive time; when it carries an insert_id,
    `first_stamps` (ingest.first_stamps.first_stamps_recall) may give it the stamp it got when
    it was first sent instead, so that a re-send is the same row."""
    window = Window.around(received_at, retention_days=retention_days)
    unstamped: list[int] = []
    rows = typed_rows(raw, org_id=org_id, window=window, unstamped=unstamped)
    if rows is None:
        parsed = parse_json(raw)
        rows = EventBatch.from_rows(
            validate_parsed(parsed, org_id=org_id, window=window, unstamped=unstamped)
        )
    if first_stamps is not None and unstamped:
        stamps = first_stamps(rows=[rows[i] for i in unstamped], received_at=window.received_at)
        for index, stamp in zip(unstamped, stamps, strict=True):
            if stamp != window.received_at:
                rows.set_timestamp(index, stamp)
    return rows


def parse_json(raw: bytes) -> object:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(
            "The body is not valid JSON.",
            code="malformed_json",
            details=[{"field": None, "message": str(exc)}],
        ) from None


def validate_parsed(
    body: object, *, org_id: str, window: Window, unstamped: list[int] | None = None
) -> list[EventRow]:
    """validate_batch over an already parsed body, checking every rule one by one. Appends to
    `unstamped` the index of each event with an insert_id and no timestamp."""
    events = _events_of(body)
    batch = _Batch(org_id=org_id, window=window)
    random_ids = RandomIds(len(events))
    rows = []
    stamped_here = []
    for index, event in enumerate(events):
        row = _explained_row(batch, index, event, random_ids)
        if row is not None:
            rows.append(row)
            if event.get("timestamp") is None and event.get("insert_id") is not None:
                stamped_here.append(index)
    if batch.errors:
        bad = len({error["index"] for error in batch.errors})
        raise InvalidInput(
            f"{bad} of {len(events)} events are invalid; nothing was stored.", details=batch.errors
        )
    if unstamped is not None:
        unstamped.extend(stamped_here)
    return rows


def _events_of(body: object) -> list[Any]:
    if not isinstance(body, dict):
        raise InvalidInput(
            'The body must be a JSON object: {"events": [...]}.',
            details=[_top("events", "is required")],
        )
    unknown = body.keys() - BODY_KEYS
    if unknown:
        raise InvalidInput(
            "The body has unknown keys.",
            details=[_top(key, "is not a known field") for key in sorted(unknown)],
        )
    events = body.get("events")
    if not isinstance(events, list):
        raise InvalidInput(
            "'events' must be a list of events.", details=[_top("events", "must be a list")]
        )
    if not events:
        raise InvalidInput(
            "'events' is empty.", details=[_top("events", "must hold at least one event")]
        )
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise InvalidInput(
            f"At most {MAX_EVENTS_PER_BATCH} events a request.",
            details=[
                _top("events", f"holds {len(events)} events; the limit is {MAX_EVENTS_PER_BATCH}")
            ],
        )
    return events


def _top(field_name: str, message: str) -> Error:
    return {"field": field_name, "message": message}


def _explained_row(
    batch: _Batch, index: int, event: object, random_ids: RandomIds
) -> EventRow | None:
    if type(event) is not dict:
        batch.fail(index, None, "must be a JSON object")
        return None
    errors_before = len(batch.errors)
    if not event.keys() <= EVENT_KEYS:
        for key in sorted(event.keys() - EVENT_KEYS):
            batch.fail(index, key, "is not a known event field")
    tenant_id = _tenant_id(batch, index, event.get("tenant_id"))
    event_name = _event_name(batch, index, event.get("event_name"))
    timestamp = _timestamp(batch, index, event.get("timestamp"))
    user_id = _optional_string(batch, index, event, "user_id", MAX_USER_ID_LENGTH)
    insert_id = _optional_string(batch, index, event, "insert_id", MAX_INSERT_ID_LENGTH)
    string_props = _props(
        batch, index, event.get("string_props"), "string_props", _string_value_problem
    )
    numeric_props = _props(
        batch, index, event.get("numeric_props"), "numeric_props", _numeric_value_problem
    )
    if len(batch.errors) != errors_before:
        return None
    return EventRow(
        batch.org_id,
        tenant_id,
        event_name,
        timestamp,
        user_id or "",
        insert_id or random_ids.get(index),
        string_props,
        numeric_props,
    )


def _tenant_id(batch: _Batch, index: int, value: object) -> str:
    if type(value) is not str or not value:
        batch.fail(index, "tenant_id", "is required: a non-empty string")
    elif len(value) > MAX_TENANT_ID_LENGTH:
        batch.fail(index, "tenant_id", f"is longer than {MAX_TENANT_ID_LENGTH} characters")
    return value  # type: ignore[return-value] - only used when no error was recorded


def _event_name(batch: _Batch, index: int, value: object) -> str:
    if type(value) is not str:
        batch.fail(index, "event_name", "is required: a string")
    elif value not in batch.event_names_seen:
        if EVENT_NAME_PATTERN.fullmatch(value) is None:
            batch.fail(index, "event_name", EVENT_NAME_RULE)
        else:
            batch.event_names_seen.add(value)
    return value  # type: ignore[return-value]


def _timestamp(batch: _Batch, index: int, value: object) -> datetime:
    if value is None:
        return batch.window.received_at
    if type(value) is not str:
        batch.fail(index, "timestamp", "must be an ISO 8601 string, e.g. 2026-04-14T10:30:05.123Z")
        return batch.window.received_at
    try:
        moment = datetime.fromisoformat(value.upper())  # RFC 3339 allows a lower-case t and z
    except ValueError:
        batch.fail(
            index, "timestamp", "is not an ISO 8601 date-time, e.g. 2026-04-14T10:30:05.123Z"
        )
        return batch.window.received_at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # documented: no offset means UTC
    if moment > batch.window.newest:
        batch.fail(
            index, "timestamp", f"is more than {_minutes(MAX_FUTURE_SKEW)} minutes in the future"
        )
    elif moment < batch.window.oldest:
        batch.fail(index, "timestamp", "is older than the organization's retention period")
    return to_millisecond(moment) if moment.microsecond % 1000 else moment


def _optional_string(
    batch: _Batch, index: int, event: dict[str, Any], key: str, max_length: int
) -> str | None:
    value = event.get(key)
    if value is None:
        return None
    if type(value) is not str:
        batch.fail(index, key, "must be a string")
    elif len(value) > max_length:
        batch.fail(index, key, f"is longer than {max_length} characters")
    return value  # type: ignore[return-value]


ValueProblem = Callable[[object], str | None]


def _props(
    batch: _Batch, index: int, value: object, name: str, value_problem: ValueProblem
) -> dict[str, Any]:
    if value is None:
        return {}
    if type(value) is not dict:
        batch.fail(index, name, "must be a JSON object")
        return {}
    if len(value) > MAX_PROPS_PER_MAP:
        batch.fail(index, name, f"has {len(value)} keys; the limit is {MAX_PROPS_PER_MAP}")
    seen = batch.prop_keys_seen
    for key, item in value.items():
        if key not in seen:
            if type(key) is not str or PROP_KEY_PATTERN.fullmatch(key) is None:
                batch.fail(index, f"{name}.{key}", PROP_KEY_RULE)
                continue
            seen.add(key)
        problem = value_problem(item)
        if problem is not None:
            batch.fail(index, f"{name}.{key}", problem)
    return value


def _string_value_problem(value: object) -> str | None:
    if type(value) is not str:
        return "must be a string"
    if len(value) > MAX_STRING_PROP_LENGTH:
        return f"is longer than {MAX_STRING_PROP_LENGTH} characters"
    return None


def _numeric_value_problem(value: object) -> str | None:
    kind = type(value)
    if kind is int:
        return None
    if kind is float:
        return None if math.isfinite(value) else "must be a finite number"  # type: ignore[arg-type]
    return "must be a number (not a string, boolean or null)"


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
