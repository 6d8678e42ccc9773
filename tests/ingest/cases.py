"""Invalid events, one rule each: (test id, overrides of a valid event, the field named)."""

from datetime import UTC, datetime, timedelta


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


NOW = datetime.now(UTC)
TOO_MANY = {f"k{i}": "v" for i in range(51)}

BAD_EVENTS = [
    ("tenant-missing", {"tenant_id": None}, "tenant_id"),
    ("tenant-empty", {"tenant_id": ""}, "tenant_id"),
    ("tenant-too-long", {"tenant_id": "t" * 129}, "tenant_id"),
    ("tenant-not-string", {"tenant_id": 42}, "tenant_id"),
    ("name-missing", {"event_name": None}, "event_name"),
    ("name-digit-first", {"event_name": "1call"}, "event_name"),
    ("name-space", {"event_name": "api call"}, "event_name"),
    ("name-too-long", {"event_name": "a" * 129}, "event_name"),
    ("name-empty", {"event_name": ""}, "event_name"),
    ("timestamp-not-iso", {"timestamp": "yesterday"}, "timestamp"),
    ("timestamp-bad-date", {"timestamp": "2026-13-45T00:00:00Z"}, "timestamp"),
    ("timestamp-number", {"timestamp": 1776162605}, "timestamp"),
    ("timestamp-future", {"timestamp": _iso(NOW + timedelta(minutes=30))}, "timestamp"),
    ("timestamp-before-retention", {"timestamp": _iso(NOW - timedelta(days=366))}, "timestamp"),
    ("user-too-long", {"user_id": "u" * 257}, "user_id"),
    ("user-not-string", {"user_id": 7}, "user_id"),
    ("insert-id-too-long", {"insert_id": "i" * 129}, "insert_id"),
    ("string-props-not-object", {"string_props": ["a"]}, "string_props"),
    ("string-value-number", {"string_props": {"plan": 3}}, "string_props.plan"),
    ("string-value-bool", {"string_props": {"plan": True}}, "string_props.plan"),
    ("string-value-null", {"string_props": {"plan": None}}, "string_props.plan"),
    ("string-value-object", {"string_props": {"plan": {"a": "b"}}}, "string_props.plan"),
    ("string-value-too-long", {"string_props": {"plan": "p" * 1025}}, "string_props.plan"),
    ("string-props-too-many", {"string_props": TOO_MANY}, "string_props"),
    ("string-key-digit-first", {"string_props": {"9lives": "x"}}, "string_props.9lives"),
    ("string-key-space", {"string_props": {"a b": "x"}}, "string_props.a b"),
    ("string-key-too-long", {"string_props": {"k" * 65: "x"}}, "string_props." + "k" * 65),
    ("numeric-value-string", {"numeric_props": {"tokens": "12"}}, "numeric_props.tokens"),
    ("numeric-value-bool", {"numeric_props": {"tokens": False}}, "numeric_props.tokens"),
    ("numeric-value-null", {"numeric_props": {"tokens": None}}, "numeric_props.tokens"),
    ("numeric-props-too-many", {"numeric_props": {f"n{i}": i for i in range(51)}}, "numeric_props"),
    ("numeric-key-invalid", {"numeric_props": {"$cost": 1}}, "numeric_props.$cost"),
    ("unknown-field", {"properties": {"a": "b"}}, "properties"),
]
