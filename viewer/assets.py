"""What the embed page's template names from the build (scripts/build-static.mjs writes
vendor/sightline/preload.json): its module and its one stylesheet, both named by content hash
(cached for a year), and in `<link rel="modulepreload">` the modules the browser should fetch
and compile while it parses the HTML, instead of discovering them one import at a time (the
page's module, then its chunks, then ECharts, each a round trip later); the ECharts chunk, the
bulk of the page's bytes, only for a page that draws a chart."""

import json
from dataclasses import dataclass, field
from functools import cache

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

MANIFEST = "vendor/sightline/preload.json"


@dataclass(frozen=True)
class PageAssets:
    """Static paths (for `{% static %}`); empty when the front end is not built."""

    script: str = ""
    stylesheet: str = ""
    preloads: list[str] = field(default_factory=list)


@cache
def _manifest() -> dict:
    """Read once per process (the build's hashed names change only with a new build)."""
    path = finders.find(MANIFEST)
    if path is None:
        try:
            path = staticfiles_storage.path(MANIFEST)
        except NotImplementedError:
            return {}
    try:
        with open(path, encoding="utf-8") as manifest:
            return json.load(manifest).get("embed", {})
    except OSError:
        return {}  # not built: the page says so (its script is missing)


def needs_charts(widget: dict) -> bool:
    """As @sightline/charts' needsCharts (clients/js/charts/src/states.js): the kinds drawn by
    ECharts."""
    return widget["kind"] == "timeseries" or (
        widget["kind"] == "breakdown" and widget.get("chart") != "list"
    )


def embed_assets(widgets: list[dict]) -> PageAssets:
    """The files of the page with these widget configs."""
    manifest = _manifest()
    paths = list(manifest.get("modules", []))
    if manifest.get("charts") and any(needs_charts(widget) for widget in widgets):
        paths.append(manifest["charts"])
    return PageAssets(
        script=manifest.get("entry", ""), stylesheet=manifest.get("css", ""), preloads=paths
    )
