"""Customers' own views (variants) of the organization's dashboards: the list, and deleting one
(its owner sees the published dashboard again). Members may look; admins may delete."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from console.access import console_view, has_role
from dashboards import selectors
from dashboards.variant_selectors import variant_get, variant_list
from dashboards.variant_services import variant_delete
from interface.requests import ConsoleRequest

PER_PAGE = 50


@console_view
def variants(request: ConsoleRequest) -> HttpResponse:
    dashboard_id = request.GET.get("dashboard") or None
    tenant_id = (request.GET.get("tenant") or "").strip() or None
    found = variant_list(
        organization=request.organization, dashboard_id=dashboard_id, tenant_id=tenant_id
    )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/dashboards/variants.html",
        {
            "page": page,
            "dashboards": selectors.dashboard_list(organization=request.organization),
            "dashboard_id": dashboard_id or "",
            "tenant_id": tenant_id or "",
            "can_edit": has_role(request, Role.ADMIN),
        },
    )


@console_view
@require_POST
def variant_remove(request: ConsoleRequest, variant_id: str) -> HttpResponse:
    variant = variant_get(organization=request.organization, variant_id=variant_id)
    owner = variant.user or "the whole tenant"
    variant_delete(variant=variant)
    messages.success(
        request,
        f"The view of {owner} at {variant.tenant_id} was deleted; "
        "they see the published dashboard again.",
    )
    return redirect("dash:variants")
