"""The embed page's filter module (static/src/embed/filters.js) and the charts palette, run by
Node: locked values as the chips show them (strings, lists and the numeric ranges of the
session contract), calendar arithmetic of the date range, and a palette whose first colours
differ from the theme's primary (a green theme gets no second green)."""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
const filters = await import("./static/src/embed/filters.js");
const charts = await import("./clients/js/charts/src/palette.js");
const out = {
  locked: [filters.lockedText("eu"), filters.lockedText(["eu", "us"]),
           filters.lockedText({gte: 100, lte: 500}), filters.lockedText({gt: 1000.5}),
           filters.lockedText({gte: 100, lt: 500}), filters.lockedText({lte: 0})],
  days: [filters.addDays("2026-03-29", -1), filters.addDays("2026-12-31", 1),
         filters.addDays("2024-02-28", 1)],
  green: charts.palette("#0f9d58"),
  fallback: charts.palette("not a colour"),
};
console.log(JSON.stringify(out));
"""


def run_node() -> dict:
    result = subprocess.run(
        ["node", "--no-warnings", "--input-type=module", "-e", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_locked_values_dates_and_the_palette():
    out = run_node()
    assert out["locked"] == ["eu", "eu, us", "100–500", "> 1,000.5", "≥ 100 and < 500", "≤ 0"]
    assert out["days"] == ["2026-03-28", "2027-01-01", "2024-02-29"]
    green = out["green"]
    assert green[0] == "#0f9d58" and len(green) == len(set(green)) >= 11
    assert "#10b981" not in green[:10]  # the other green only as a last resort
    assert out["fallback"][0] == "#2563eb"
