"""Rules written twice, once for the browser (@sightline/charts) and once on the server, that
cannot share one file cheaply: checked to agree with the real JavaScript (Node), so a change to
one side that forgets the other fails here.

- which widgets are drawn by ECharts: states.js `needsCharts` and viewer/assets.needs_charts
  (the embed page preloads the ECharts chunk only for them), for every kind and chart;
- each mode's colours: palette.js `MODE_COLORS` (what the server-side renderer and e-mails
  draw) and the --sl-* defaults of styles.css (what the pages draw)."""

import json
import re
import subprocess
from pathlib import Path

from dashboards.spec import CHARTS_BY_KIND
from viewer.assets import needs_charts

ROOT = Path(__file__).resolve().parent.parent
CHARTS = ROOT / "clients" / "js" / "charts" / "src"


def node(script: str) -> object:
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_widgets_drawn_by_echarts_are_the_same_on_both_sides() -> None:
    widgets = [
        {"kind": kind, "chart": chart}
        for kind, charts in CHARTS_BY_KIND.items()
        for chart in charts
    ]
    script = (
        f"import {{ needsCharts }} from {json.dumps(str(CHARTS / 'states.js'))};"
        f"console.log(JSON.stringify({json.dumps(widgets)}.map(needsCharts)));"
    )
    assert node(script) == [needs_charts(widget) for widget in widgets]
    assert any(needs_charts(w) for w in widgets) and not all(needs_charts(w) for w in widgets)


def _css_defaults(mode: str) -> dict[str, str]:
    css = (CHARTS / "styles.css").read_text()
    selector = r":root, \.sl-theme \{" if mode == "light" else r':root\[data-mode="dark"\][^{]*\{'
    block = re.search(selector + r"([^}]*)\}", css)
    assert block, mode
    return dict(re.findall(r"--sl-([a-z]+):\s*(#[0-9a-fA-F]{6})", block.group(1)))


def test_mode_colors_are_the_stylesheets_defaults() -> None:
    script = (
        f"import {{ MODE_COLORS }} from {json.dumps(str(CHARTS / 'palette.js'))};"
        "console.log(JSON.stringify(MODE_COLORS));"
    )
    colors = node(script)
    assert isinstance(colors, dict)
    for mode in ("light", "dark"):
        css = _css_defaults(mode)
        assert colors[mode] == {key: css[key] for key in colors[mode]}, mode
