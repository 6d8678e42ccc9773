"""The modules the embed page names in `<link rel="modulepreload">`: the browser fetches and
compiles them while it parses the HTML, instead of discovering them one import at a time
(embed.js, then its chunks, then ECharts, each a round trip later). The list is the build's
(scripts/build-static.mjs writes vendor/sightline/preload.json with the hashed names); the
ECharts chunk, the bulk of the page's bytes, only for a page that draws a chart."""

import json
from functools import cache

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

MANIFEST = "vendor/sightline/preload.json"


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
        return {}  # not built: the page still works, it only discovers its modules later


def needs_charts(widget: dict) -> bool:
    """As @sightline/charts' needsCharts (clients/js/charts/src/states.js): the kinds drawn by
    ECharts."""
    return widget["kind"] == "timeseries" or (
        widget["kind"] == "breakdown" and widget.get("chart") != "list"
    )


def embed_preloads(widgets: list[dict]) -> list[str]:
    """Static paths (for `{% static %}`) of the modules the page with these widget configs
    will load."""
    manifest = _manifest()
    paths = list(manifest.get("modules", []))
    if manifest.get("charts") and any(needs_charts(widget) for widget in widgets):
        paths.append(manifest["charts"])
    return paths
