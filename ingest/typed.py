"""The fast path of ingest validation: the raw JSON decoded by msgspec straight into typed
structs (types, lengths, map sizes and unknown fields checked in C), then the rules msgspec
cannot express checked in a few passes over the whole batch, each distinct event name and
property key matched against its pattern once.

It answers only when the whole batch is certainly valid, and None otherwise: then
`ingest.validation.validate_parsed` decides and lists every problem. So it may refuse more
than the rules (a naive or sub-millisecond timestamp, a null where a field may be omitted),
never less.
"""

from datetime import datetime
from operator import attrgetter
from typing import Annotated

import msgspec
from msgspec import Meta

from ingest.rules import (
    EVENT_NAME_PATTERN,
    MAX_EVENTS_PER_BATCH,
    MAX_INSERT_ID_LENGTH,
    MAX_PROPS_PER_MAP,
    MAX_STRING_PROP_LENGTH,
    MAX_TENANT_ID_LENGTH,
    MAX_USER_ID_LENGTH,
    PROP_KEY_PATTERN,
    RandomIds,
    Window,
)
from warehouse.events import EventBatch

StringValue = Annotated[str, Meta(max_length=MAX_STRING_PROP_LENGTH)]


class _Event(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    tenant_id: Annotated[str, Meta(min_length=1, max_length=MAX_TENANT_ID_LENGTH)]
    event_name: str
    # tz=True: a timestamp without offset is refused here and read as UTC by validate_parsed.
    timestamp: Annotated[datetime, Meta(tz=True)] | None = None
    user_id: Annotated[str, Meta(max_length=MAX_USER_ID_LENGTH)] = ""
    insert_id: Annotated[str, Meta(min_length=1, max_length=MAX_INSERT_ID_LENGTH)] | None = None
    string_props: Annotated[dict[str, StringValue], Meta(max_length=MAX_PROPS_PER_MAP)] = {}
    # float: JSON integers are accepted (as floats); booleans, strings and null are not, and JSON
    # cannot carry NaN or Infinity (msgspec refuses them, and numbers beyond float range).
    numeric_props: Annotated[dict[str, float], Meta(max_length=MAX_PROPS_PER_MAP)] = {}


class _Body(msgspec.Struct, forbid_unknown_fields=True):
    events: Annotated[list[_Event], Meta(min_length=1, max_length=MAX_EVENTS_PER_BATCH)]


_decoder = msgspec.json.Decoder(_Body)
# One column of the batch at a time, in C (attrgetter), not one Python step per event; in the
# order _Event declares its fields.
_TENANT_ID, _EVENT_NAME, _TIMESTAMP, _USER_ID, _INSERT_ID, _STRING_PROPS, _NUMERIC_PROPS = map(
    attrgetter, _Event.__struct_fields__
)


def typed_rows(
    raw: bytes, *, org_id: str, window: Window, unstamped: list[int] | None = None
) -> EventBatch | None:
    """The rows, column by column, or None (see the module). Appends to `unstamped` the index
    of each event with an insert_id and no timestamp."""
    try:
        events = _decoder.decode(raw).events
    except msgspec.DecodeError:  # also every ValidationError
        return None
    stamps = list(map(_TIMESTAMP, events))
    if not (_names_valid(events) and _keys_valid(events) and _timestamps_valid(stamps, window)):
        return None
    insert_ids = list(map(_INSERT_ID, events))
    if None in stamps:
        if unstamped is not None:
            unstamped.extend(
                index
                for index, (stamp, insert_id) in enumerate(zip(stamps, insert_ids, strict=True))
                if stamp is None and insert_id is not None
            )
        received_at = window.received_at
        stamps = [stamp or received_at for stamp in stamps]
    if None in insert_ids:
        insert_ids = RandomIds(len(events)).fill(insert_ids)
    return EventBatch(
        [
            [org_id] * len(events),
            list(map(_TENANT_ID, events)),
            list(map(_EVENT_NAME, events)),
            stamps,
            list(map(_USER_ID, events)),
            insert_ids,
            list(map(_STRING_PROPS, events)),
            list(map(_NUMERIC_PROPS, events)),
        ]
    )


def _names_valid(events: list[_Event]) -> bool:
    return all(
        EVENT_NAME_PATTERN.fullmatch(name) for name in {event.event_name for event in events}
    )


def _keys_valid(events: list[_Event]) -> bool:
    keys = set().union(
        *[event.string_props for event in events], *[event.numeric_props for event in events]
    )
    return all(PROP_KEY_PATTERN.fullmatch(key) for key in keys)


def _timestamps_valid(stamps: list[datetime | None], window: Window) -> bool:
    given = [stamp for stamp in stamps if stamp is not None] if None in stamps else stamps
    if not given:
        return True
    if any(stamp.microsecond % 1000 for stamp in given):  # type: ignore[union-attr]
        return False  # sub-millisecond digits: validate_parsed truncates them
    return window.oldest <= min(given) and max(given) <= window.newest  # type: ignore[type-var]
