"""The builder's drag-and-drop layout as posted by static/src/console/grid.js: `layout`, a JSON
list of {id, x, y, w, h}, one per widget on the grid. Only the shape is checked here; the ranges
are the spec's (dashboards.services validates the whole draft)."""

import json
from typing import Any

from core.errors import InvalidInput

BOX_KEYS = ("x", "y", "w", "h")
MAX_BOXES = 200


def parse_layout(raw: str) -> dict[str, dict[str, int]]:
    """widget id -> {x, y, w, h}; InvalidInput (field `layout`) for anything else."""
    try:
        items = json.loads(raw)
    except ValueError:
        items = None
    if not isinstance(items, list) or not 0 < len(items) <= MAX_BOXES:
        raise _invalid("Send a list of {id, x, y, w, h}, one per widget.")
    layouts: dict[str, dict[str, int]] = {}
    for item in items:
        if not isinstance(item, dict) or set(item) != {"id", *BOX_KEYS}:
            raise _invalid("Each widget's box is exactly {id, x, y, w, h}.")
        widget_id, box = item["id"], {key: item[key] for key in BOX_KEYS}
        if not isinstance(widget_id, str) or widget_id in layouts:
            raise _invalid("Each widget id once, as text.")
        if not all(_is_int(value) for value in box.values()):
            raise _invalid("x, y, w and h are whole numbers.")
        layouts[widget_id] = box
    return layouts


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, details=[{"field": "layout", "message": message}])
