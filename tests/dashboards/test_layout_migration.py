"""dashboards/migrations/0003: boxes saved before the spec refused x + w > 12 are narrowed to
the grid's edge in drafts, published versions and variants, so the strict parser of stored
specs still reads them; every other box is left as it was."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from dashboards.models import Dashboard, DashboardVariant, DashboardVersion
from dashboards.selectors import dashboard_version_spec
from dashboards.services import dashboard_create, dashboard_publish
from tests.factories import spec, widget

pytestmark = pytest.mark.django_db
migration = importlib.import_module("dashboards.migrations.0003_layouts_within_the_grid")


def test_overflowing_boxes_are_narrowed_to_the_grid(org):
    fits = {"x": 0, "y": 0, "w": 6, "h": 2}
    dashboard = dashboard_create(
        organization=org.organization,
        spec=spec("Old", widgets=[widget("w_fits", layout=fits), widget("w_wide", layout=fits)]),
    )
    version = dashboard_publish(dashboard=dashboard).dashboard.published_version
    past = {"x": 8, "y": 0, "w": 8, "h": 2}  # stored before the rule: ends at column 16
    draft = {**dashboard.draft_spec}
    draft["widgets"] = [draft["widgets"][0], {**draft["widgets"][1], "layout": past}]
    Dashboard.objects.filter(pk=dashboard.pk).update(draft_spec=draft)
    DashboardVersion.objects.filter(pk=version.pk).update(spec=draft)
    variant = DashboardVariant.objects.create(
        organization=org.organization,
        dashboard=dashboard,
        tenant_id="acme",
        scope="user",
        user="jane",
        widgets=[widget("w_mine", layout={"x": 11, "y": 0, "w": 3, "h": 2})],
        layout=[{"id": "w_fits", **past}],
        base_version=version.number,
    )

    state = MigrationLoader(connection).project_state(("dashboards", "0002_dashboard_variants"))
    migration.fit_layouts(state.apps, None)  # the models as the migration sees them

    dashboard.refresh_from_db()
    version.refresh_from_db()
    variant.refresh_from_db()
    boxes = [w["layout"] for w in dashboard.draft_spec["widgets"]]
    assert boxes == [fits, {"x": 8, "y": 0, "w": 4, "h": 2}]
    assert [w["layout"] for w in version.spec["widgets"]] == boxes
    assert dashboard_version_spec(version=version).widgets[1].layout.w == 4
    assert variant.widgets[0]["layout"] == {"x": 11, "y": 0, "w": 1, "h": 2}
    assert variant.layout == [{"id": "w_fits", "x": 8, "y": 0, "w": 4, "h": 2}]
