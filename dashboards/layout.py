"""Grid packing for the dashboard layout (GRID_COLUMNS wide)."""

from typing import Any

from core.limits import GRID_COLUMNS


def reflow(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Places widgets in list order, each as high as it fits (leftmost on ties), keeping sizes.
    Reordering the list therefore reorders the grid without overlaps."""
    heights = [0] * GRID_COLUMNS
    placed = []
    for widget in widgets:
        width = min(max(int(widget["layout"]["w"]), 1), GRID_COLUMNS)
        height = int(widget["layout"]["h"])
        x = min(
            range(GRID_COLUMNS - width + 1), key=lambda col: (max(heights[col : col + width]), col)
        )
        y = max(heights[x : x + width])
        heights[x : x + width] = [y + height] * width
        placed.append({**widget, "layout": {"x": x, "y": y, "w": width, "h": height}})
    return placed


def in_reading_order(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The widgets by row, then column (stable): the order a reader meets them on the grid,
    and the embed's order on a narrow screen."""
    return sorted(widgets, key=lambda widget: (widget["layout"]["y"], widget["layout"]["x"]))
