"""The Embed tab of a dashboard: issue a session for a tenant and see the embed as that
customer will, with copyable server-side snippets filled in with the real ids."""

import json
import pprint
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.services import organization_embed_origin_add
from console.access import actor_role, console_view, has_role
from console.choices import dashboard_schema
from console.embeds.forms import EmbedSessionForm
from core.errors import Conflict, InvalidInput
from dashboards import selectors as dashboard_selectors
from embeds.services import Actor, SessionRequest, embed_session_create
from interface.forms import form_add_service_errors
from interface.requests import ConsoleRequest


@console_view
def embed_tab(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    dashboard = dashboard_selectors.dashboard_get(
        organization=request.organization, dashboard_id=dashboard_id
    )
    spec = dashboard_selectors.published_spec(dashboard)
    context = {
        "dashboard": dashboard,
        "published": spec is not None,
        "tenants": dashboard_schema(request.organization.pk).tenants,
        "can_edit": has_role(request, Role.ADMIN),
        "origins": list(request.organization.allowed_embed_origins),
        "this_origin": _this_origin(request),
    }
    if spec is None:
        return render(request, "console/embeds/embed_tab.html", context)
    form = EmbedSessionForm(request.POST or None, spec=spec, initial=_initial(context["tenants"]))
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = embed_session_create(
                organization=request.organization,
                request=SessionRequest(
                    dashboard_id=dashboard.pk,
                    tenant_id=form.cleaned_data["tenant_id"],
                    expires_in=form.cleaned_data["expires_in"],
                    permissions=form.permissions(),
                    user=request.user.email,
                    allow_export=form.cleaned_data["allow_export"],
                ),
                actor=Actor(ip=request.META.get("REMOTE_ADDR")),
            )
        except (InvalidInput, Conflict) as error:
            form_add_service_errors(form, error, field_for=_field_for)
    context.update(form=form, issued=issued)
    if issued is not None:
        context.update(
            frame_src=f"{reverse('embed-page', args=[dashboard.pk])}?token={issued.token}",
            snippets=_snippets(request, dashboard.pk, form),
        )
    template = (
        "console/embeds/partials/session.html" if request.htmx else "console/embeds/embed_tab.html"
    )
    return render(request, template, context, status=400 if form.errors else 200)


def _this_origin(request: ConsoleRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@console_view
@require_POST
def embed_origin_add(request: ConsoleRequest, dashboard_id: str) -> HttpResponse:
    """Allow one origin (by default the console's own) to frame this organization's embeds."""
    dashboard = dashboard_selectors.dashboard_get(
        organization=request.organization, dashboard_id=dashboard_id
    )
    origin = request.POST.get("origin", "")
    try:
        organization = organization_embed_origin_add(
            organization=request.organization, actor_role=actor_role(request), origin=origin
        )
    except InvalidInput as error:
        messages.error(request, error.details[0]["message"] if error.details else error.message)
    else:
        allowed = ", ".join(organization.allowed_embed_origins)
        messages.success(request, f"Pages on these origins may frame your embeds: {allowed}.")
    return redirect("embeds_console:embed", dashboard_id=dashboard.pk)


def _initial(tenants: list[str]) -> dict[str, object]:
    return {"tenant_id": tenants[0] if tenants else ""}


def _snippets(request: ConsoleRequest, dashboard_id: str, form: EmbedSessionForm) -> dict[str, str]:
    """What the customer's backend sends to create this same session. The admin key stays an
    environment variable: it never belongs in a page or a snippet."""
    url = request.build_absolute_uri("/v1/embed-sessions")
    permissions = form.permissions().as_claim()
    body = {
        "tenant_id": form.cleaned_data["tenant_id"],
        "dashboard_id": dashboard_id,
        "expires_in": form.cleaned_data["expires_in"],
        # Only what differs from the defaults, so the snippet stays short.
        "permissions": {k: v for k, v in permissions.items() if v not in ({}, [], None, False)},
    }
    if form.cleaned_data["allow_export"]:
        body["allow_export"] = True
    return {
        "curl": _curl_snippet(url, body),
        "python": _python_snippet(url, body),
        "node": _node_snippet(url, body),
        "html": _html_snippet(
            request.build_absolute_uri("/sdk/embed.js"), request.organization.allowed_embed_origins
        ),
    }


def _curl_snippet(url: str, body: dict[str, Any]) -> str:
    quoted = "'" + json.dumps(body).replace("'", "'\\''") + "'"  # safe inside a shell
    return (
        f"curl -X POST {url} \\\n"
        '  -H "Authorization: Bearer $SIGHTLINE_ADMIN_KEY" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        f"  -d {quoted}"
    )


def _python_snippet(url: str, body: dict[str, Any]) -> str:
    literal = pprint.pformat(body, indent=4, width=80, sort_dicts=False).replace("\n", "\n    ")
    return (
        "import os\n\nimport requests\n\n"
        "session = requests.post(\n"
        f"    {url!r},\n"
        '    headers={"Authorization": f"Bearer {os.environ[\'SIGHTLINE_ADMIN_KEY\']}"},\n'
        f"    json={literal},\n"
        "    timeout=10,\n"
        ").json()\n"
        'embed_url = session["embed_url"]  # hand this to the browser'
    )


def _node_snippet(url: str, body: dict[str, Any]) -> str:
    literal = json.dumps(body, indent=2).replace("\n", "\n  ")
    return (
        f"const response = await fetch({json.dumps(url)}, {{\n"
        '  method: "POST",\n'
        "  headers: {\n"
        "    Authorization: `Bearer ${process.env.SIGHTLINE_ADMIN_KEY}`,\n"
        '    "Content-Type": "application/json",\n'
        "  },\n"
        f"  body: JSON.stringify({literal}),\n"
        "});\n"
        "const { embed_url } = await response.json(); // hand this to the browser"
    )


def _html_snippet(sdk_url: str, origins: list[str]) -> str:
    where = ", ".join(origins) if origins else "none yet: add yours on the Embed tab or in Settings"
    return (
        "<!-- Only pages on an allowed embed origin may frame the dashboard.\n"
        f"     Allowed now: {where}. -->\n"
        f'<div id="analytics"></div>\n<script src="{sdk_url}"></script>\n<script>\n'
        "  // embed_url comes from your backend (the snippets above); never the admin key.\n"
        "  const embed = Sightline.create({\n"
        '    container: "#analytics",\n'
        "    embedUrl: EMBED_URL_FROM_YOUR_BACKEND,\n"
        "  });\n"
        '  embed.on("ready", () => console.log("analytics ready"));\n'
        "</script>"
    )


def _field_for(path: str) -> str:
    """`permissions.hidden_widgets[0]` -> `hidden_widgets`: the form's field for a service path."""
    return path.removeprefix("permissions.").split("[")[0].split(".")[0]
