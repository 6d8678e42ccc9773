"""Layouts that ended past the 12-column grid (x + w > 12, accepted until the spec refused
them) are narrowed to end at its edge, w = 12 - x, in drafts, published versions and
variants: how the embed's grid already drew them, and what the strict parser of stored specs
accepts now. Published versions are otherwise immutable; this changes only such boxes."""

from django.db import migrations

GRID_COLUMNS = 12  # core.limits.GRID_COLUMNS when this was written


def _fit(box: object) -> bool:
    """Narrow one {"x", "w", …} box in place; whether it changed."""
    if not isinstance(box, dict):
        return False
    x, w = box.get("x"), box.get("w")
    if not isinstance(x, int) or not isinstance(w, int) or not 0 <= x < GRID_COLUMNS:
        return False
    if x + w <= GRID_COLUMNS:
        return False
    box["w"] = GRID_COLUMNS - x
    return True


def _fit_widgets(widgets: object) -> bool:
    changed = False
    for widget in widgets if isinstance(widgets, list) else []:
        if isinstance(widget, dict):
            changed = _fit(widget.get("layout")) or changed
    return changed


def fit_layouts(apps, schema_editor) -> None:
    Dashboard = apps.get_model("dashboards", "Dashboard")
    DashboardVersion = apps.get_model("dashboards", "DashboardVersion")
    DashboardVariant = apps.get_model("dashboards", "DashboardVariant")
    for dashboard in Dashboard.objects.iterator():
        spec = dashboard.draft_spec
        if isinstance(spec, dict) and _fit_widgets(spec.get("widgets")):
            dashboard.save(update_fields=["draft_spec"])
    for version in DashboardVersion.objects.iterator():
        spec = version.spec
        if isinstance(spec, dict) and _fit_widgets(spec.get("widgets")):
            version.save(update_fields=["spec"])
    for variant in DashboardVariant.objects.iterator():
        boxes = variant.layout if isinstance(variant.layout, list) else []
        changed = _fit_widgets(variant.widgets)
        changed = any([_fit(box) for box in boxes]) or changed
        if changed:
            variant.save(update_fields=["widgets", "layout"])


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0002_dashboard_variants")]

    operations = [migrations.RunPython(fit_layouts, migrations.RunPython.noop)]
