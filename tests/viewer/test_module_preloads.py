"""The embed page names the modules it will load in <link rel="modulepreload"> (viewer/assets.py,
from the build's vendor/sightline/preload.json), ECharts only when a visible widget is a chart."""

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
