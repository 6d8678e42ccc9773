"""The embed page names the modules it will load in <link rel="modulepreload"> (viewer/assets.py,
from the build's vendor/sightline/preload.json), ECharts only when a visible widget is a chart;
its own module and stylesheet have hashed names, cached for a year."""

import re

import pytest

from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import publish
from tests.viewer.test_inline_first_data import page_config
from viewer.assets import needs_charts

pytestmark = pytest.mark.django_db
KPI_ONLY = {
    "name": "KPIs",
    "widgets": [{"id": "w_kpi", "kind": "kpi", "event_name": "api.call", "metric": "count"}],
}


def preloads(response) -> list[str]:
    return re.findall(r'<link rel="modulepreload" href="([^"]+)">', response.content.decode())


def test_a_page_with_charts_preloads_its_chunks_and_echarts_and_each_is_served(
    client, issue, dashboard
):
    links = preloads(client.get(f"/embed/{dashboard.pk}", {"token": issue()}))

    assert any("/chunks/echarts-" in link for link in links), "run npm run build"
    assert len(links) >= 2 and all(link.startswith("/static/vendor/sightline/") for link in links)
    for link in links:
        assert client.get(link).status_code == 200, link


def test_echarts_is_not_preloaded_when_no_visible_widget_is_a_chart(client, issue, org):
    kpis = publish(org.organization, KPI_ONLY)
    links = preloads(client.get(f"/embed/{kpis.pk}", {"token": issue(dashboard_id=kpis.pk)}))

    assert links and not any("echarts" in link for link in links)


def test_hidden_charts_are_not_preloaded_either(client, issue, dashboard):
    config = page_config(client.get(f"/embed/{dashboard.pk}", {"token": issue()}))
    charts = [w["id"] for w in config["widgets"] if needs_charts(w)]
    assert charts
    hidden = EmbedPermissions(allowed_periods=("7d",), hidden_widgets=tuple(charts))
    links = preloads(client.get(f"/embed/{dashboard.pk}", {"token": issue(permissions=hidden)}))

    assert links and not any("echarts" in link for link in links)


def page_files(response) -> tuple[list[str], list[str]]:
    html = response.content.decode()
    scripts = re.findall(r'<script type="module" src="([^"]+)"></script>', html)
    return scripts, re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)


IMMUTABLE = re.compile(r"^/static/vendor/sightline/embed-[A-Z0-9]{8}\.(js|css)$")


def test_the_page_loads_one_hashed_module_and_one_stylesheet_cached_for_a_year(
    client, issue, dashboard
):
    scripts, stylesheets = page_files(client.get(f"/embed/{dashboard.pk}", {"token": issue()}))

    assert len(scripts) == 1 and len(stylesheets) == 1, (scripts, stylesheets)
    for path in scripts + stylesheets:
        assert IMMUTABLE.match(path), path
        response = client.get(path)
        assert response.status_code == 200, path
        assert "immutable" in response["Cache-Control"], path
        assert "max-age=315360000" in response["Cache-Control"], path


def test_an_error_page_loads_the_module_too(client, dashboard):
    """It tells the helper why (its script posts the error to the parent frame)."""
    response = client.get(f"/embed/{dashboard.pk}", {"token": "not-a-token"})
    scripts, stylesheets = page_files(response)

    assert response.status_code == 401
    assert len(scripts) == 1 and IMMUTABLE.match(scripts[0])
    assert len(stylesheets) == 1
