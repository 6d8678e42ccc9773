"""Query parameter values as ClickHouse's text format for `{name:Type}` placeholders.

chDB, like the server's HTTP interface, parses each parameter from text: a scalar String in
the *escaped* format (backslash escapes), a composite type (Array, Map, Tuple) as a literal with
quoted elements. The server backend hands typed Python values to clickhouse-driver instead,
which encodes them for the native protocol itself.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

ParamValue = str | int | float | bool | datetime | Sequence[Any] | Mapping[str, Any]

_ESCAPED = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"})
_QUOTED = str.maketrans(
    {"\\": "\\\\", "'": "\\'", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0"}
)


def format_datetime(value: datetime) -> str:
    """UTC, millisecond precision: the text form DateTime64(3, 'UTC') parses."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"


def _literal(value: Any) -> str:
    """An element inside a composite literal."""
    if isinstance(value, str):
        return "'" + value.translate(_QUOTED) + "'"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, datetime):
        return "'" + format_datetime(value) + "'"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_literal(k)}:{_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_literal(item) for item in value) + "]"
    raise TypeError(f"Unsupported query parameter value: {type(value).__name__}")


def encode_text_param(value: ParamValue) -> str:
    if isinstance(value, str):
        return value.translate(_ESCAPED)
    if isinstance(value, datetime):
        return format_datetime(value)
    return _literal(value)
