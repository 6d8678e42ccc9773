"""The dashboard builder: list, create, generate, edit widgets with a live preview, publish.

Every edit goes through dashboards.services (which validates the whole spec) and answers with
the re-rendered side panel plus an `HX-Trigger: draft-changed` header, on which the preview
reloads itself through `dashboard_data` - the same code path the embeds use.
"""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Role
from console.access import console_view, has_role
from console.choices import dashboard_schema, period_choices
from console.dashboards.forms import (
    DashboardCreateForm,
    DashboardSettingsForm,
    WidgetForm,
    new_widget,
)
from console.dashboards.layout_form import parse_layout
from core.errors import Conflict, InvalidInput, NotFound
from core.ids import new_id
from dashboards import discovery, selectors, services
from dashboards.models import Dashboard
from dashboards.spec import CHARTS_BY_KIND, KINDS
from interface.builder import KIND_LABELS
from interface.forms import form_add_service_errors
from interface.requests import ConsoleRequest

DRAFT_CHANGED = "draft-changed"


def _dashboard(request: ConsoleRequest, dashboard_id: str) -> Dashboard:
    return selectors.dashboard_get(organization=request.organization, dashboard_id=dashboard_id)


def _status(dashboard: Dashboard) -> str:
    if not dashboard.is_published:
        return "draft"
    return "changes" if selectors.dashboard_has_unpublished_changes(dashboard) else "published"


# --- List ----------------------------------------------------------------------------------


@console_view
def dashboard_list(request: ConsoleRequest) -> HttpResponse:
    form = DashboardCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        dashboard = services.dashboard_create(
            organization=request.organization,
            spec={"name": form.cleaned_data["name"]},
            created_by=request.user,
        )
        return redirect("dash:builder", dashboard_id=dashboard.pk)
    dashboards = [
        (d, _status(d)) for d in selectors.dashboard_list(organization=request.organization)
    ]
    return render(
        request,
        "console/dashboards/list.html",
        {"form": form, "dashboards": dashboards, "can_edit": has_role(request, Role.ADMIN)},
        status=400 if form.errors else 200,
    )


@console_view
@require_POST
def dashboard_generate(request: ConsoleRequest) -> HttpResponse:
    try:
        dashboard = discovery.auto_create(
            organization=request.organization, created_by=request.user
        )
    except Conflict as error:
        messages.error(request, error.message)
        return redirect("dash:list")
    messages.success(request, "Generated from your events. Edit anything, then publish.")
    return redirect("dash:builder", dashboard_id=dashboard.pk)


@console_view
@require_POST
def dashboard_delete(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    dashboard = _dashboard(request, dashboard_id)
    services.dashboard_delete(dashboard=dashboard)
    messages.success(request, f"“{dashboard.name}” was deleted; its embeds stopped working.")
    return redirect("dash:list")


# --- Builder -------------------------------------------------------------------------------


@console_view
def builder(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    dashboard = _dashboard(request, dashboard_id)
    selected = request.GET.get("widget")
    if request.htmx:
        return _side(request, dashboard, selected=selected)
    schema = dashboard_schema(request.organization.pk)
    context = {
        **_side_context(request, dashboard, selected=selected),
        "tenants": schema.tenants,
        "periods": period_choices(),
    }
    return render(request, "console/dashboards/builder.html", context)


def _side_context(
    request: ConsoleRequest,
    dashboard: Dashboard,
    *,
    selected: str | None = None,
    widget_form: WidgetForm | None = None,
    settings_form: DashboardSettingsForm | None = None,
) -> dict[str, Any]:
    schema = dashboard_schema(request.organization.pk)
    spec = dashboard.draft_spec
    widget = next((w for w in spec["widgets"] if w["id"] == selected), None)
    if widget is not None and widget_form is None:
        widget_form = WidgetForm(schema=schema, widget=widget)
    return {
        "dashboard": dashboard,
        "spec": spec,
        "status": _status(dashboard),
        "versions": selectors.dashboard_versions(dashboard=dashboard),
        "selected": widget["id"] if widget else None,
        "widget_form": widget_form,
        "settings_form": settings_form or DashboardSettingsForm(schema=schema, spec=spec),
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
        "kind_labels": KIND_LABELS,
        "can_edit": has_role(request, Role.ADMIN),
        "has_events": bool(schema.events),
    }


def _side(
    request: ConsoleRequest,
    dashboard: Dashboard,
    *,
    changed: bool = False,
    status: int = 200,
    **kwargs: Any,
) -> HttpResponse:
    response = render(
        request,
        "console/dashboards/partials/side.html",
        _side_context(request, dashboard, **kwargs),
        status=status,
    )
    if changed:
        response["HX-Trigger"] = DRAFT_CHANGED
    return response


def _after_edit(
    request: ConsoleRequest, dashboard: Dashboard, *, selected: str | None = None
) -> HttpResponse:
    if request.htmx:
        return _side(request, dashboard, changed=True, selected=selected)
    url = reverse("dash:builder", kwargs={"dashboard_id": dashboard.pk})
    return redirect(f"{url}?widget={selected}" if selected else url)


@console_view
@require_POST
def dashboard_settings(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    dashboard = _dashboard(request, dashboard_id)
    form = DashboardSettingsForm(
        request.POST, schema=dashboard_schema(request.organization.pk), spec=dashboard.draft_spec
    )
    if form.is_valid():
        try:
            services.dashboard_update(dashboard=dashboard, changes=form.changes())
            return _after_edit(request, dashboard)
        except InvalidInput as error:
            form_add_service_errors(form, error, field_for=DashboardSettingsForm.field_for)
    return _side(request, dashboard, settings_form=form, status=400)


@console_view
@require_POST
def widget_add(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    dashboard = _dashboard(request, dashboard_id)
    kind = request.POST.get("kind", "")
    if kind not in KINDS:
        raise InvalidInput("Unknown widget kind.")
    widget = new_widget(
        kind=kind, widget_id=new_id("w", 10), schema=dashboard_schema(request.organization.pk)
    )
    try:
        services.dashboard_widget_add(dashboard=dashboard, widget=widget)
    except InvalidInput as error:
        return _refused(request, dashboard, "The widget could not be added", error)
    return _after_edit(request, dashboard, selected=widget["id"])


@console_view
def widget_edit(request: ConsoleRequest, dashboard_id: str, widget_id: str) -> HttpResponse:
    """GET opens the editor; POST with `_refresh` re-renders it for a new kind or metric
    without saving; any other POST saves the widget."""
    dashboard = _dashboard(request, dashboard_id)
    index, widget = _widget_at(dashboard, widget_id)
    if request.method == "GET":
        return _after_open(request, dashboard, widget_id)
    schema = dashboard_schema(request.organization.pk)
    if "_refresh" in request.POST:
        form = WidgetForm(
            schema=schema, widget=widget, initial=_refreshed_initial(request.POST, widget)
        )
        return _side(request, dashboard, selected=widget_id, widget_form=form)
    form = WidgetForm(request.POST, schema=schema, widget=widget)
    if form.is_valid():
        try:
            services.dashboard_widget_replace(
                dashboard=dashboard, widget_id=widget_id, widget=form.to_widget()
            )
            return _after_edit(request, dashboard, selected=widget_id)
        except InvalidInput as error:
            form_add_service_errors(
                form, error, field_for=WidgetForm.field_for, prefix=f"widgets[{index}]"
            )
    return _side(request, dashboard, selected=widget_id, widget_form=form, status=400)


def _after_open(request: ConsoleRequest, dashboard: Dashboard, widget_id: str) -> HttpResponse:
    if request.htmx:
        return _side(request, dashboard, selected=widget_id)
    return redirect(
        f"{reverse('dash:builder', kwargs={'dashboard_id': dashboard.pk})}?widget={widget_id}"
    )


def _refreshed_initial(data: Any, widget: dict[str, Any]) -> dict[str, Any]:
    """The half-edited form as initial values; a chart or property the new kind or metric
    does not offer falls back to that kind's first choice."""
    initial = {
        **WidgetForm.initial_from(widget),
        **{k: v for k, v in data.items() if k in WidgetForm.base_fields},
    }
    initial["group_by"] = data.getlist("group_by")
    charts = CHARTS_BY_KIND.get(initial.get("kind"), ())
    if initial.get("chart") not in charts and charts:
        initial["chart"] = charts[0]
    return initial


def _widget_at(dashboard: Dashboard, widget_id: str) -> tuple[int, dict[str, Any]]:
    for index, widget in enumerate(dashboard.draft_spec["widgets"]):
        if widget["id"] == widget_id:
            return index, widget
    raise NotFound("This widget does not exist (any more).")


@console_view
@require_POST
def widget_duplicate(request: ConsoleRequest, dashboard_id: str, widget_id: str) -> HttpResponse:
    dashboard = _dashboard(request, dashboard_id)
    copy_id = new_id("w", 10)
    services.dashboard_widget_duplicate(dashboard=dashboard, widget_id=widget_id, copy_id=copy_id)
    return _after_edit(request, dashboard, selected=copy_id)


@console_view
@require_POST
def widget_remove(request: ConsoleRequest, dashboard_id: str, widget_id: str) -> HttpResponse:
    dashboard = _dashboard(request, dashboard_id)
    services.dashboard_widget_remove(dashboard=dashboard, widget_id=widget_id)
    return _after_edit(request, dashboard)


@console_view
@require_POST
def widget_move(request: ConsoleRequest, dashboard_id: str, widget_id: str) -> HttpResponse:
    """Up/down in reading order: the list is re-packed so the grid follows the new order."""
    dashboard = _dashboard(request, dashboard_id)
    direction = "up" if request.POST.get("direction") == "up" else "down"
    services.dashboard_widget_move(dashboard=dashboard, widget_id=widget_id, direction=direction)
    return _after_edit(request, dashboard, selected=widget_id)


@console_view
@require_POST
def dashboard_layout(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    """The grid after a drag or resize in the preview (every widget's box): saved through the
    same service as the editor's number fields, which the re-rendered side panel shows for the
    widget open in the editor (`selected`)."""
    dashboard = _dashboard(request, dashboard_id)
    layouts = parse_layout(request.POST.get("layout", ""))
    try:
        services.dashboard_layout_set(dashboard=dashboard, layouts=layouts)
    except InvalidInput as error:
        return _refused(request, dashboard, "The layout could not be saved", error)
    return _after_edit(request, dashboard, selected=request.POST.get("selected") or None)


def _refused(
    request: ConsoleRequest, dashboard: Dashboard, what: str, error: InvalidInput
) -> HttpResponse:
    """An edit the spec refused, from a control with no form to show it next to (a button, the
    grid): the builder as it was, and a message naming the first reason."""
    reason = error.details[0]["message"] if error.details else error.message
    messages.error(request, f"{what}: {reason}")
    return _after_edit(request, dashboard)


# --- Publishing ----------------------------------------------------------------------------


@console_view
@require_POST
def dashboard_publish(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    dashboard = _dashboard(request, dashboard_id)
    published = services.dashboard_publish(dashboard=dashboard, published_by=request.user)
    messages.success(request, f"Version {published.version.number} is live in every embed.")
    return _after_edit(request, published.dashboard)


@console_view
@require_POST
def dashboard_unpublish(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    dashboard = services.dashboard_unpublish(dashboard=_dashboard(request, dashboard_id))
    messages.success(request, "Unpublished: embeds of this dashboard stopped working.")
    return _after_edit(request, dashboard)


@console_view
@require_POST
def dashboard_restore(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    dashboard = _dashboard(request, dashboard_id)
    number = request.POST.get("number")
    try:
        dashboard = services.dashboard_restore(
            dashboard=dashboard, number=int(number) if number else None
        )
    except (Conflict, ValueError) as error:
        messages.error(request, getattr(error, "message", "Unknown version."))
        return _after_edit(request, dashboard)
    messages.success(request, "The draft was restored from the published version.")
    return _after_edit(request, dashboard)
