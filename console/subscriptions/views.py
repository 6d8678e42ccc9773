"""Console page for viewers' subscriptions: the list (filtered by kind, status, tenant),
pause / resume and delete. Viewers create them from the embed; operators only manage them.
Members read, admins and owners write (console_view); HTMX actions swap one row."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from console.access import console_view, has_role
from dashboards import selectors as dashboard_selectors
from interface.requests import ConsoleRequest
from subscriptions import selectors, services
from subscriptions.models import Kind, Status, Subscription

PAGE_SIZE = 50
FILTERS = ("kind", "status", "tenant_id")


def _rows(request: ConsoleRequest, subscriptions: list[Subscription]) -> list[dict]:
    names = dashboard_selectors.dashboard_names(
        organization=request.organization, dashboard_ids=[s.dashboard_id for s in subscriptions]
    )
    return [
        {"s": s, "dashboard_name": names.get(s.dashboard_id, "(deleted dashboard)")}
        for s in selectors.with_reasons(subscriptions)
    ]


@console_view
def subscription_list(request: ConsoleRequest) -> HttpResponse:
    filters = {name: request.GET.get(name, "").strip() for name in FILTERS}
    if filters["kind"] not in ("", *Kind.values):
        filters["kind"] = ""
    if filters["status"] not in ("", *Status.values):
        filters["status"] = ""
    found = selectors.subscriptions_list(organization=request.organization, filters=filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "rows": _rows(request, list(page.object_list)),
        "page": page,
        "filters": filters,
        "kinds": Kind.choices,
        "statuses": Status.choices,
        "can_edit": has_role(request, Role.ADMIN),
    }
    return render(request, "subscriptions/list.html", context)


def _get(request: ConsoleRequest, subscription_id: str) -> Subscription:
    return selectors.subscription_get(
        organization=request.organization, subscription_id=subscription_id
    )


@console_view
@require_POST
def subscription_pause(request: ConsoleRequest, subscription_id: str) -> HttpResponse:
    """Pauses an active subscription, resumes a paused one (409 otherwise: a toast)."""
    subscription = _get(request, subscription_id)
    paused = subscription.status == Status.ACTIVE
    services.subscription_set_paused(subscription=subscription, paused=paused)
    if not request.htmx:
        messages.success(request, f"Subscription {'paused' if paused else 'resumed'}.")
        return redirect("subscriptions:list")
    row = _rows(request, [_get(request, subscription_id)])[0]
    return render(request, "subscriptions/row.html", {"row": row, "can_edit": True})


@console_view
@require_POST
def subscription_delete(request: ConsoleRequest, subscription_id: str) -> HttpResponse:
    services.subscription_delete(subscription=_get(request, subscription_id))
    if request.htmx:
        return HttpResponse("")  # the row swaps itself out
    messages.success(request, "Subscription deleted.")
    return redirect("subscriptions:list")
