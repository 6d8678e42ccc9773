"""Query parameter values for `{name:Type}` placeholders, the same for both backends.

chDB, like the server's HTTP interface, parses each parameter from text: a scalar String in
the *escaped* format (backslash escapes), a composite type (Array, Tuple) as a literal with
quoted elements. The server backend hands typed Python values to clickhouse-driver instead,
which encodes them for the native protocol itself.

No Map parameters: clickhouse-driver cannot send them (the server answers a type error), so
both backends refuse a dict up front and the SQL that works on chDB works on the server.
Pass keys and values as two Array parameters: `mapFromArrays({k:Array(String)},
{v:Array(String)})`.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

ParamValue = str | int | float | bool | datetime | Sequence[Any]
MAP_REFUSED = (
    "Map query parameters are not supported (clickhouse-driver cannot send them): pass keys"
    " and values as two Array parameters and use mapFromArrays(keys, values)."
)

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
        raise TypeError(MAP_REFUSED)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_literal(item) for item in value) + "]"
    raise TypeError(f"Unsupported query parameter value: {type(value).__name__}")


def encode_text_param(value: ParamValue) -> str:
    if isinstance(value, str):
        return value.translate(_ESCAPED)
    if isinstance(value, datetime):
        return format_datetime(value)
    return _literal(value)


def native_param(value: ParamValue) -> Any:
    """The value clickhouse-driver sends for a placeholder (server backend): datetimes as UTC
    text, everything else as is, after the same refusals as the text encoding."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Mapping) or (
        isinstance(value, (list, tuple)) and any(isinstance(item, Mapping) for item in value)
    ):
        raise TypeError(MAP_REFUSED)
    return value
