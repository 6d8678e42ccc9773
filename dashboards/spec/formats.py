"""A widget's number format (`format`): how its values are shown, never how they are computed.

{"unit": "number" | "percent" | "currency" | "duration" | "bytes", "currency": "EUR",
 "decimals": 0..6 | null, "compact": true | false | null, "prefix": "", "suffix": ""}

percent shows 0.25 as 25 %, duration reads milliseconds (1200 -> "1.2 s"), bytes picks KB/MB/….
Cards, axes, tooltips and tables use it (@sightline/charts); CSV exports keep raw values.
"""

import re
from typing import Any

from dashboards.spec.fields import SpecErrors, as_choice, as_object

UNITS: tuple[str, ...] = ("number", "percent", "currency", "duration", "bytes")
CURRENCY_RE = re.compile(r"[A-Z]{3}")
MAX_DECIMALS = 6
MAX_AFFIX_CHARS = 8
FORMAT_FIELDS = {"unit", "currency", "decimals", "compact", "prefix", "suffix"}


def parse_format(raw: Any, path: str, errors: SpecErrors) -> dict[str, Any] | None:
    """The canonical format (every key present), or None when the widget has none."""
    if raw is None:
        return None
    obj = as_object(raw, path, FORMAT_FIELDS, errors)
    if obj is None:
        return None
    unit = as_choice(obj.get("unit", "number"), f"{path}.unit", UNITS, errors)
    currency = obj.get("currency")
    if unit == "currency":
        if not isinstance(currency, str) or not CURRENCY_RE.fullmatch(currency):
            errors.add(f"{path}.currency", "A currency format needs an ISO 4217 code, e.g. EUR.")
    elif currency is not None:
        errors.add(f"{path}.currency", "Only the currency unit takes a currency.")
    decimals = obj.get("decimals")
    if decimals is not None and (
        isinstance(decimals, bool)
        or not isinstance(decimals, int)
        or not 0 <= decimals <= MAX_DECIMALS
    ):
        errors.add(f"{path}.decimals", f"A whole number from 0 to {MAX_DECIMALS}, or null.")
    compact = obj.get("compact")
    if compact is not None and not isinstance(compact, bool):
        errors.add(f"{path}.compact", "true, false or null.")
    affixes = {}
    for name in ("prefix", "suffix"):
        value = obj.get(name, "")
        if not isinstance(value, str) or len(value) > MAX_AFFIX_CHARS:
            errors.add(f"{path}.{name}", f"A string of at most {MAX_AFFIX_CHARS} characters.")
        affixes[name] = value if isinstance(value, str) else ""
    return {
        "unit": unit,
        "currency": currency if unit == "currency" else None,
        "decimals": decimals,
        "compact": compact,
        **affixes,
    }
