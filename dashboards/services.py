"""Writes of dashboards: the editable draft and its immutable published versions.

Every spec that reaches the database went through `parse_spec` and is stored in the canonical
form of `spec_to_dict`, so comparing stored JSON compares specs (see `has_unpublished_changes`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, Organization, User
from core.errors import Conflict, InvalidInput, NotFound
from dashboards.layout import in_reading_order, reflow
from dashboards.models import Dashboard, DashboardVersion
from dashboards.selectors import dashboard_latest_version, dashboard_version_get
from dashboards.spec import parse_spec, spec_to_dict

# The top-level spec keys a PATCH may set; anything else is refused before validation.
EDITABLE_KEYS = ("name", "default_period", "filters", "theme", "widgets")


@dataclass(frozen=True)
class Published:
    dashboard: Dashboard
    version: DashboardVersion
    created: bool  # False when the draft equalled the latest version, which is (re)published as is


def _canonical(raw: object) -> dict[str, Any]:
    return spec_to_dict(parse_spec(raw))


def dashboard_create(
    *, organization: Organization, spec: object, created_by: User | None = None
) -> Dashboard:
    """A new dashboard whose draft is `spec` (validated; raises InvalidInput naming the path)."""
    canonical = _canonical(spec)
    return Dashboard.objects.create(
        organization=organization,
        name=canonical["name"],
        draft_spec=canonical,
        created_by=created_by,
    )


@transaction.atomic
def dashboard_update(*, dashboard: Dashboard, changes: Mapping[str, Any]) -> Dashboard:
    """Merge top-level keys into the draft (a JSON merge patch: `null` removes a key so its
    default applies), then validate the whole result. Invalid: InvalidInput, nothing saved.

    The merge happens on the locked row, so two concurrent edits of different keys both land.
    `dashboard` itself is updated too (callers keep using their instance) and returned."""
    unknown = [key for key in changes if key not in EDITABLE_KEYS]
    if unknown:
        raise InvalidInput(
            "Only these spec keys can be changed: " + ", ".join(EDITABLE_KEYS) + ".",
            details=[{"field": key, "message": "Unknown key."} for key in unknown],
        )
    locked = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
    merged = {**locked.draft_spec, **changes}
    canonical = _canonical({key: value for key, value in merged.items() if value is not None})
    if canonical != locked.draft_spec:
        _save_draft(locked, canonical)
    return _refreshed(dashboard, locked)


# --- Widget edits (the builder) ------------------------------------------------------------
# Each reads the widget list of the locked draft, changes one widget and validates the whole
# spec: two editors changing different widgets at once both keep their edit (a read outside the
# lock, written back whole, would drop one). `dashboard` is refreshed in place and returned.


@transaction.atomic
def dashboard_widget_add(*, dashboard: Dashboard, widget: Mapping[str, Any]) -> Dashboard:
    """Appends `widget` below every other widget (its layout's `y` is set to that row)."""

    def add(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        bottom = max((w["layout"]["y"] + w["layout"]["h"] for w in widgets), default=0)
        return [*widgets, {**widget, "layout": {**widget["layout"], "y": bottom}}]

    return _widgets_edit(dashboard, add)


@transaction.atomic
def dashboard_layout_set(
    *, dashboard: Dashboard, layouts: Mapping[str, Mapping[str, int]]
) -> Dashboard:
    """New grid boxes ({x, y, w, h}) for some widgets, by id (the builder's drag and resize:
    one drop can push several widgets); the others keep theirs. The list then follows the grid
    in reading order (row, then column), the order of a narrow screen and of the move buttons.
    NotFound if one of the widgets is gone; a box the spec refuses is InvalidInput."""

    def place(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for widget_id in layouts:
            _widget_index(widgets, widget_id)
        placed = [
            {**w, "layout": dict(layouts[w["id"]])} if w["id"] in layouts else w for w in widgets
        ]
        return in_reading_order(placed)

    return _widgets_edit(dashboard, place)


@transaction.atomic
def dashboard_widget_replace(
    *, dashboard: Dashboard, widget_id: str, widget: Mapping[str, Any]
) -> Dashboard:
    """The widget `widget_id` becomes `widget` (which keeps that id); NotFound if it is gone.
    A new box (the form's number fields) puts the list in reading order, as a drag does."""

    def replace(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        index = _widget_index(widgets, widget_id)
        moved = widgets[index]["layout"] != widget["layout"]
        widgets[index] = {**widget, "id": widget_id}
        return in_reading_order(widgets) if moved else widgets

    return _widgets_edit(dashboard, replace)


@transaction.atomic
def dashboard_widget_duplicate(*, dashboard: Dashboard, widget_id: str, copy_id: str) -> Dashboard:
    """A copy (`copy_id`, title "… (copy)") right after the original; the grid is re-packed."""

    def duplicate(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        index = _widget_index(widgets, widget_id)
        original = widgets[index]
        widgets.insert(
            index + 1, {**original, "id": copy_id, "title": f"{original['title']} (copy)"}
        )
        return reflow(widgets)

    return _widgets_edit(dashboard, duplicate)


@transaction.atomic
def dashboard_widget_remove(*, dashboard: Dashboard, widget_id: str) -> Dashboard:
    def remove(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        del widgets[_widget_index(widgets, widget_id)]
        return widgets

    return _widgets_edit(dashboard, remove)


@transaction.atomic
def dashboard_widget_move(
    *, dashboard: Dashboard, widget_id: str, direction: Literal["up", "down"]
) -> Dashboard:
    """One place up or down in reading order; the grid is re-packed to follow the new order.
    At either end it stays where it is."""

    def move(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        index = _widget_index(widgets, widget_id)
        target = index + (-1 if direction == "up" else 1)
        if not 0 <= target < len(widgets):
            return widgets
        widgets[index], widgets[target] = widgets[target], widgets[index]
        return reflow(widgets)

    return _widgets_edit(dashboard, move)


def _widgets_edit(
    dashboard: Dashboard, edit: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
) -> Dashboard:
    """Run inside the caller's transaction: lock, edit the list, validate, save if changed."""
    locked = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
    widgets = edit(list(locked.draft_spec["widgets"]))
    canonical = _canonical({**locked.draft_spec, "widgets": widgets})
    if canonical != locked.draft_spec:
        _save_draft(locked, canonical)
    return _refreshed(dashboard, locked)


def _widget_index(widgets: list[dict[str, Any]], widget_id: str) -> int:
    for index, widget in enumerate(widgets):
        if widget["id"] == widget_id:
            return index
    raise NotFound("This widget does not exist (any more).")


def _refreshed(dashboard: Dashboard, locked: Dashboard) -> Dashboard:
    """The caller's instance shows what was saved (callers keep using their instance)."""
    dashboard.draft_spec, dashboard.name = locked.draft_spec, locked.name
    dashboard.updated_at = locked.updated_at
    return dashboard


def dashboard_delete(*, dashboard: Dashboard) -> None:
    """Deletes the dashboard and its versions; embeds of it stop at once (404)."""
    dashboard.delete()


@transaction.atomic
def dashboard_publish(
    *, dashboard: Dashboard, published_by: User | None = None, api_key: ApiKey | None = None
) -> Published:
    """Make the draft what customers see. A draft that differs from the latest version becomes
    version N+1 (immutable); a draft equal to it republishes that version, so publishing twice
    creates no empty versions. The row lock serialises concurrent publishes of one dashboard."""
    locked = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
    spec = _canonical(locked.draft_spec)  # re-validated: a version is never invalid
    latest = dashboard_latest_version(dashboard=locked)
    created = latest is None or latest.spec != spec
    if created:
        latest = DashboardVersion.objects.create(
            dashboard=locked,
            number=(latest.number if latest else 0) + 1,
            spec=spec,
            published_by=published_by,
            published_by_key=api_key.pk if api_key else "",
        )
    if locked.published_version_id != latest.pk:
        _set_published(locked, latest)
    return Published(dashboard=locked, version=latest, created=created)


@transaction.atomic
def dashboard_unpublish(*, dashboard: Dashboard) -> Dashboard:
    """Stop serving: embeds check `published_version` on every request. Idempotent."""
    locked = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
    if locked.published_version_id is not None:
        _set_published(locked, None)
    return locked


@transaction.atomic
def dashboard_restore(*, dashboard: Dashboard, number: int | None = None) -> Dashboard:
    """Draft <- a published version: `number`, or the live one, or (unpublished) the latest.
    Conflict when the dashboard was never published; NotFound for an unknown number. A
    version's spec is re-validated like any draft (the spec rules may have grown stricter)."""
    locked = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
    if number is not None:
        version = dashboard_version_get(dashboard=locked, number=number)
    else:
        version = locked.published_version or dashboard_latest_version(dashboard=locked)
        if version is None:
            raise Conflict(
                "This dashboard has never been published: there is nothing to restore.",
                code="never_published",
            )
    _save_draft(locked, _canonical(version.spec))
    return locked


def _save_draft(dashboard: Dashboard, canonical: dict[str, Any]) -> None:
    """Store a validated draft; the name column mirrors the spec's name (lists, search)."""
    dashboard.draft_spec = canonical
    dashboard.name = canonical["name"]
    dashboard.updated_at = timezone.now()
    dashboard.save(update_fields=["draft_spec", "name", "updated_at"])


def _set_published(dashboard: Dashboard, version: DashboardVersion | None) -> None:
    dashboard.published_version = version
    dashboard.updated_at = timezone.now()
    dashboard.save(update_fields=["published_version", "updated_at"])
