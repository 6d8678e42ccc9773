from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from accounts.models import Organization
from core.ids import new_id
from dashboards.models import Dashboard
from dashboards.services import dashboard_create, dashboard_publish, dashboard_update
from embeds.models import AuditLogEntry
from warehouse.events import EventRow, insert_events

pytestmark = pytest.mark.django_db


def send_events(organization: Organization, tenant_id: str, count: int, **numbers: float) -> None:
    now = datetime.now(UTC) - timedelta(minutes=5)
    insert_events(
        [
            EventRow(
                organization.pk,
                tenant_id,
                "api.call",
                now - timedelta(minutes=i),
                f"u{i % 3}",
                new_id("i"),
                {"model": "gpt-4" if i % 2 else "claude", "status": "ok"},
                {"latency_ms": 100.0 + i, **numbers},
            )
            for i in range(count)
        ]
    )
    cache.clear()  # the builder caches discovery for a minute


def kpi(widget_id: str = "w_calls", **changes) -> dict:
    return {
        "id": widget_id,
        "title": "Calls",
        "kind": "kpi",
        "chart": "stat",
        "event_name": "api.call",
        "metric": "count",
        "layout": {"x": 0, "y": 0, "w": 3, "h": 2},
        **changes,
    }


@pytest.fixture
def dashboard(org) -> Dashboard:
    return dashboard_create(
        organization=org.organization, spec={"name": "Usage", "widgets": [kpi()]}
    )


@pytest.fixture
def foreign_dashboard(other_org) -> Dashboard:
    return dashboard_create(
        organization=other_org.organization, spec={"name": "Secret", "widgets": [kpi()]}
    )


def widget_post(**fields) -> dict:
    base = {
        "title": "Calls",
        "kind": "kpi",
        "chart": "stat",
        "event_name": "api.call",
        "metric": "count",
        "property": "",
        "filters": "",
        "x": 0,
        "y": 0,
        "w": 3,
        "h": 2,
    }
    return {**base, **fields}


# --- List ----------------------------------------------------------------------------------


def test_list_shows_each_status(org, owner_client, dashboard) -> None:
    published = dashboard_create(
        organization=org.organization, spec={"name": "Live", "widgets": [kpi()]}
    )
    dashboard_publish(dashboard=published)
    changed = dashboard_create(
        organization=org.organization, spec={"name": "Edited", "widgets": [kpi()]}
    )
    dashboard_publish(dashboard=changed)
    dashboard_update(dashboard=changed, changes={"widgets": [kpi(title="Renamed")]})
    statuses = {
        d.name: status for d, status in owner_client.get("/app/dashboards").context["dashboards"]
    }
    assert statuses == {"Usage": "draft", "Live": "published", "Edited": "changes"}


def test_list_shows_only_own_dashboards(owner_client, dashboard, foreign_dashboard) -> None:
    page = owner_client.get("/app/dashboards").content.decode()
    assert "Usage" in page and "Secret" not in page


def test_create_rename_and_delete(org, admin_client) -> None:
    response = admin_client.post("/app/dashboards", {"name": "Fresh"})
    created = Dashboard.objects.get(organization=org.organization, name="Fresh")
    assert response["Location"] == f"/app/dashboards/{created.pk}"
    admin_client.post(
        f"/app/dashboards/{created.pk}/settings",
        {
            "name": "Renamed",
            "default_period": "30d",
            "primary_color": "#112233",
            "font_family": "Inter",
            "mode": "dark",
        },
    )
    created.refresh_from_db()
    assert created.name == "Renamed" and created.draft_spec["default_period"] == "30d"
    assert created.draft_spec["theme"] == {
        "primaryColor": "#112233",
        "fontFamily": "Inter",
        "mode": "dark",
    }
    admin_client.post(f"/app/dashboards/{created.pk}/delete")
    assert not Dashboard.objects.filter(pk=created.pk).exists()


def test_create_without_name_is_an_error(org, admin_client) -> None:
    response = admin_client.post("/app/dashboards", {"name": ""})
    assert response.status_code == 400 and "name" in response.context["form"].errors
    assert not Dashboard.objects.exists()


def test_settings_errors_show_next_to_the_field(admin_client, dashboard, htmx) -> None:
    response = admin_client.post(
        f"/app/dashboards/{dashboard.pk}/settings",
        {
            "name": "Usage",
            "default_period": "7d",
            "primary_color": "red",
            "font_family": "Inter",
            "mode": "light",
        },
        headers=htmx,
    )
    assert response.status_code == 400
    assert "primary_color" in response.context["settings_form"].errors
    dashboard.refresh_from_db()
    assert dashboard.draft_spec["theme"]["primaryColor"] != "red"


def test_generate_from_events(org, admin_client) -> None:
    send_events(org.organization, "t1", 12)
    response = admin_client.post("/app/dashboards/generate")
    dashboard = Dashboard.objects.get(organization=org.organization)
    assert response["Location"] == f"/app/dashboards/{dashboard.pk}"
    assert any(w["event_name"] == "api.call" for w in dashboard.draft_spec["widgets"])


def test_generate_without_events_explains_and_creates_nothing(org, admin_client) -> None:
    response = admin_client.post("/app/dashboards/generate", follow=True)
    assert "send events first" in response.content.decode()
    assert not Dashboard.objects.exists()


# --- Widgets -------------------------------------------------------------------------------


def test_add_widget_returns_the_side_panel_and_triggers_the_preview(
    org, admin_client, dashboard, htmx
) -> None:
    send_events(org.organization, "t1", 3)
    response = admin_client.post(
        f"/app/dashboards/{dashboard.pk}/widgets", {"kind": "breakdown"}, headers=htmx
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "draft-changed"
    assert 'id="builder-side"' in response.content.decode()
    dashboard.refresh_from_db()
    added = dashboard.draft_spec["widgets"][-1]
    assert (
        added["kind"] == "breakdown"
        and added["event_name"] == "api.call"
        and added["group_by"] == ["model"]
    )
    assert response.context["selected"] == added["id"]  # the editor opens on the new widget


def test_edit_widget_saves_through_the_spec(org, admin_client, dashboard, htmx) -> None:
    send_events(org.organization, "t1", 3)
    response = admin_client.post(
        f"/app/dashboards/{dashboard.pk}/widgets/w_calls",
        widget_post(
            title="p95 latency", metric="p95", property="latency_ms", filters="status = ok"
        ),
        headers=htmx,
    )
    assert response.status_code == 200
    dashboard.refresh_from_db()
    widget = dashboard.draft_spec["widgets"][0]
    assert (widget["title"], widget["metric"], widget["property"]) == (
        "p95 latency",
        "p95",
        "latency_ms",
    )
    assert widget["filters"] == {"status": "ok"}


def table_dashboard(org, **extra):
    """A dashboard with one table widget sorted on its group-by column, ascending."""
    table = {
        "id": "w_table",
        "title": "Calls by model",
        "kind": "table",
        "chart": "table",
        "event_name": "api.call",
        "group_by": ["model"],
        "sort": {"by": "model", "direction": "asc"},
        "layout": {"x": 0, "y": 0, "w": 12, "h": 5},
        **extra,
    }
    return dashboard_create(
        organization=org.organization, spec={"name": "Tables", "widgets": [table]}
    )


def edit_table(admin_client, dashboard, htmx, **fields) -> dict:
    response = admin_client.post(
        f"/app/dashboards/{dashboard.pk}/widgets/w_table",
        widget_post(kind="table", chart="table", w=12, h=5, limit=50, **fields),
        headers=htmx,
    )
    assert response.status_code == 200
    dashboard.refresh_from_db()
    return dashboard.draft_spec["widgets"][0]


def test_editing_a_table_keeps_its_sort_and_extra_columns(org, admin_client, htmx) -> None:
    metrics = [{"metric": "count"}, {"metric": "p95", "property": "latency_ms"}]
    dashboard = table_dashboard(org, metrics=metrics)
    widget = edit_table(admin_client, dashboard, htmx, title="Renamed", group_by=["model"])
    assert widget["title"] == "Renamed"
    assert widget["sort"] == {"by": "model", "direction": "asc"}
    assert [m["metric"] for m in widget["metrics"]] == ["count", "p95"]


def test_a_table_sort_on_a_column_the_edit_removes_falls_back_to_the_default(
    org, admin_client, htmx
) -> None:
    send_events(org.organization, "t1", 3)
    widget = edit_table(admin_client, table_dashboard(org), htmx, group_by=["status"])
    assert widget["group_by"] == ["status"]
    assert widget["sort"] == {"by": "count", "direction": "desc"}  # the spec's default


def test_numeric_metrics_offer_only_numeric_properties(org, admin_client, dashboard, htmx) -> None:
    send_events(org.organization, "t1", 3)
    response = admin_client.post(
        f"/app/dashboards/{dashboard.pk}/widgets/w_calls",
        {**widget_post(metric="sum"), "_refresh": "1"},
        headers=htmx,
    )
    choices = [value for value, _ in response.context["widget_form"].fields["property"].choices]
    assert choices == ["latency_ms"]
    dashboard.refresh_from_db()
    assert dashboard.draft_spec["widgets"][0]["metric"] == "count"  # a refresh saves nothing


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"metric": "sum", "property": ""}, "property"),
        ({"w": "13"}, "w"),
        ({"x": "9", "w": "6"}, "w"),  # ends past the grid's 12 columns
        ({"kind": "breakdown", "chart": "bar", "group_by": []}, "group_by"),
        ({"filters": "no equals sign"}, "filters"),
        ({"chart": "pie"}, "chart"),
    ],
)
def test_invalid_widget_shows_the_error_next_to_the_field(
    admin_client, dashboard, htmx, fields, field
) -> None:
    before = Dashboard.objects.get(pk=dashboard.pk).draft_spec
    response = admin_client.post(
        f"/app/dashboards/{dashboard.pk}/widgets/w_calls", widget_post(**fields), headers=htmx
    )
    assert response.status_code == 400
    assert field in response.context["widget_form"].errors
    assert 'class="field-error"' in response.content.decode()
    assert Dashboard.objects.get(pk=dashboard.pk).draft_spec == before


def test_duplicate_move_and_remove(admin_client, dashboard) -> None:
    admin_client.post(f"/app/dashboards/{dashboard.pk}/widgets/w_calls/duplicate")
    dashboard.refresh_from_db()
    first, copy = dashboard.draft_spec["widgets"]
    assert copy["title"] == "Calls (copy)" and copy["id"] != first["id"]
    assert copy["layout"]["x"] == 3  # re-packed beside the original, not on top of it
    admin_client.post(
        f"/app/dashboards/{dashboard.pk}/widgets/{copy['id']}/move", {"direction": "up"}
    )
    dashboard.refresh_from_db()
    assert [w["id"] for w in dashboard.draft_spec["widgets"]] == [copy["id"], "w_calls"]
    assert dashboard.draft_spec["widgets"][0]["layout"]["x"] == 0
    admin_client.post(f"/app/dashboards/{dashboard.pk}/widgets/w_calls/remove")
    dashboard.refresh_from_db()
    assert [w["id"] for w in dashboard.draft_spec["widgets"]] == [copy["id"]]


def test_member_is_read_only_in_the_builder(member_client, dashboard, htmx) -> None:
    assert member_client.get(f"/app/dashboards/{dashboard.pk}").status_code == 200
    before = Dashboard.objects.get(pk=dashboard.pk).draft_spec
    base = f"/app/dashboards/{dashboard.pk}"
    for path, data in [
        ("/widgets", {"kind": "kpi"}),
        ("/widgets/w_calls", widget_post(title="Hacked")),
        ("/widgets/w_calls/duplicate", {}),
        ("/widgets/w_calls/remove", {}),
        ("/widgets/w_calls/move", {"direction": "down"}),
        ("/layout", {"layout": '[{"id": "w_calls", "x": 6, "y": 0, "w": 3, "h": 2}]'}),
        (
            "/settings",
            {
                "name": "Hacked",
                "default_period": "7d",
                "primary_color": "#000000",
                "font_family": "x",
                "mode": "light",
            },
        ),
        ("/publish", {}),
        ("/unpublish", {}),
        ("/restore", {}),
        ("/delete", {}),
    ]:
        assert member_client.post(base + path, data, headers=htmx).status_code == 403, path
    assert member_client.post("/app/dashboards", {"name": "New"}).status_code == 403
    assert member_client.post("/app/dashboards/generate").status_code == 403
    after = Dashboard.objects.get(pk=dashboard.pk)
    assert after.draft_spec == before and after.published_version is None
    assert Dashboard.objects.count() == 1


def test_another_orgs_dashboard_is_404_on_every_page(owner_client, foreign_dashboard) -> None:
    base = f"/app/dashboards/{foreign_dashboard.pk}"
    for path in ("", "/preview", "/widgets/w_calls", "/embed"):
        assert owner_client.get(base + path).status_code == 404, path
    for path in (
        "/settings",
        "/delete",
        "/publish",
        "/unpublish",
        "/restore",
        "/widgets",
        "/widgets/w_calls",
        "/widgets/w_calls/duplicate",
        "/widgets/w_calls/remove",
        "/widgets/w_calls/move",
        "/layout",
        "/embed",
    ):
        assert (
            owner_client.post(base + path, {"kind": "kpi", "tenant_id": "t"}).status_code == 404
        ), path
    assert (
        Dashboard.objects.get(pk=foreign_dashboard.pk).draft_spec["widgets"][0]["title"] == "Calls"
    )


# --- Preview -------------------------------------------------------------------------------


def test_preview_shows_the_picked_tenants_data_only(
    org, other_org, owner_client, dashboard
) -> None:
    send_events(org.organization, "t1", 3)
    send_events(org.organization, "t2", 7)
    send_events(other_org.organization, "t1", 11)
    for tenant, expected in (("t1", 3.0), ("t2", 7.0)):
        response = owner_client.get(
            f"/app/dashboards/{dashboard.pk}/preview", {"tenant_id": tenant, "period": "24h"}
        )
        assert response.status_code == 200
        assert response.context["data"]["widgets"][0]["data"]["value"] == expected
        assert f'"value": {expected}' in response.content.decode()  # what the renderer draws


def test_preview_follows_an_edit(org, admin_client, dashboard) -> None:
    send_events(org.organization, "t1", 4)
    url = f"/app/dashboards/{dashboard.pk}/preview"
    assert (
        admin_client.get(url, {"tenant_id": "t1"}).context["data"]["widgets"][0]["data"]["value"]
        == 4.0
    )
    admin_client.post(
        f"/app/dashboards/{dashboard.pk}/widgets/w_calls",
        widget_post(metric="count_unique", property="user_id"),
    )
    assert (
        admin_client.get(url, {"tenant_id": "t1"}).context["data"]["widgets"][0]["data"]["value"]
        == 3.0
    )


def test_preview_rejects_a_bad_period(org, owner_client, dashboard) -> None:
    send_events(org.organization, "t1", 1)
    response = owner_client.get(
        f"/app/dashboards/{dashboard.pk}/preview", {"tenant_id": "t1", "period": "1y"}
    )
    assert response.status_code == 400 and "period" in response.content.decode()


# --- Publishing ----------------------------------------------------------------------------


def test_publish_unpublish_restore_and_history(org, owner_client, dashboard, htmx) -> None:
    response = owner_client.post(f"/app/dashboards/{dashboard.pk}/publish", headers=htmx)
    assert response.status_code == 200 and response.context["status"] == "published"
    dashboard.refresh_from_db()
    assert dashboard.published_version.number == 1
    owner_client.post(
        f"/app/dashboards/{dashboard.pk}/widgets/w_calls", widget_post(title="Changed")
    )
    assert owner_client.get(f"/app/dashboards/{dashboard.pk}").context["status"] == "changes"
    owner_client.post(f"/app/dashboards/{dashboard.pk}/restore")
    dashboard.refresh_from_db()
    assert dashboard.draft_spec["widgets"][0]["title"] == "Calls"
    page = owner_client.get(f"/app/dashboards/{dashboard.pk}").content.decode()
    assert "v1" in page and org.owner.email in page  # who published, in the history
    owner_client.post(f"/app/dashboards/{dashboard.pk}/unpublish")
    dashboard.refresh_from_db()
    assert dashboard.published_version is None


# --- Embed tab -----------------------------------------------------------------------------


def test_embed_tab_asks_to_publish_first(owner_client, dashboard) -> None:
    response = owner_client.get(f"/app/dashboards/{dashboard.pk}/embed")
    assert response.status_code == 200 and "Publish first" in response.content.decode()


def test_embed_tab_creates_a_session_with_snippets(org, admin_client, dashboard, htmx) -> None:
    dashboard_publish(dashboard=dashboard)
    response = admin_client.post(
        f"/app/dashboards/{dashboard.pk}/embed",
        {
            "tenant_id": "t1",
            "expires_in": "900",
            "locked_filters": "model = gpt-4",
            "allowed_periods": ["7d", "30d"],
        },
        headers=htmx,
    )
    assert response.status_code == 200
    issued = response.context["issued"]
    assert issued.claims.tenant_id == "t1" and dict(issued.claims.permissions.locked_filters) == {
        "model": "gpt-4"
    }
    page = response.content.decode()
    assert f'src="/embed/{dashboard.pk}?token={issued.token}"' in page
    for snippet in response.context["snippets"].values():
        assert dashboard.pk in snippet or "embed_url" in snippet.lower() or "EMBED_URL" in snippet
    assert '"tenant_id": "t1"' in response.context["snippets"]["curl"]
    assert org.admin_key.secret not in page  # the admin key never lands in a page
    assert AuditLogEntry.objects.filter(jti=issued.claims.jti, tenant_id="t1").exists()


def test_embed_tab_form_errors(admin_client, dashboard, htmx) -> None:
    dashboard_publish(dashboard=dashboard)
    response = admin_client.post(
        f"/app/dashboards/{dashboard.pk}/embed",
        {"tenant_id": "", "expires_in": "5", "allowed_periods": []},
        headers=htmx,
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"tenant_id", "expires_in", "allowed_periods"}


def test_member_cannot_create_embed_sessions(member_client, dashboard) -> None:
    dashboard_publish(dashboard=dashboard)
    assert member_client.get(f"/app/dashboards/{dashboard.pk}/embed").status_code == 200
    response = member_client.post(
        f"/app/dashboards/{dashboard.pk}/embed",
        {"tenant_id": "t1", "expires_in": "900", "allowed_periods": ["7d"]},
    )
    assert response.status_code == 403
    assert not AuditLogEntry.objects.exists()


def test_preview_applies_the_dashboards_viewer_filters(org, owner_client, dashboard) -> None:
    send_events(org.organization, "t1", 6)  # models alternate: 3 gpt-4, 3 claude
    dashboard_update(
        dashboard=dashboard, changes={"filters": [{"dimension": "model", "label": "Model"}]}
    )
    url = f"/app/dashboards/{dashboard.pk}/preview"
    response = owner_client.get(url, {"tenant_id": "t1", "filter.model": "gpt-4"})
    assert response.context["data"]["widgets"][0]["data"]["value"] == 3.0
    assert 'name="filter.model" value="gpt-4"' in response.content.decode()  # the picker keeps it
    unfiltered = owner_client.get(url, {"tenant_id": "t1", "filter.model": ""})
    assert unfiltered.context["data"]["widgets"][0]["data"]["value"] == 6.0


def test_settings_keep_the_order_and_labels_of_kept_filters(org, admin_client, dashboard) -> None:
    send_events(org.organization, "t1", 2)
    dashboard_update(
        dashboard=dashboard,
        changes={
            "filters": [
                {"dimension": "status", "label": "State"},
                {"dimension": "model", "label": "LLM"},
            ]
        },
    )
    admin_client.post(
        f"/app/dashboards/{dashboard.pk}/settings",
        {
            "name": "Usage",
            "default_period": "7d",
            "primary_color": "#112233",
            "font_family": "Inter",
            "mode": "light",
            "filters": ["model", "status"],
        },
    )
    dashboard.refresh_from_db()
    assert dashboard.draft_spec["filters"] == [
        {"dimension": "status", "label": "State"},
        {"dimension": "model", "label": "LLM"},
    ]


def test_embed_snippets_are_valid_code_with_the_same_body(admin_client, dashboard, htmx) -> None:
    import ast
    import json
    import shlex
    import shutil
    import subprocess

    dashboard_publish(dashboard=dashboard)
    response = admin_client.post(
        f"/app/dashboards/{dashboard.pk}/embed",
        {
            "tenant_id": "o'hara & co",
            "expires_in": "900",
            "allow_drill_down": "on",
            "locked_filters": "model = gpt-4",
            "allowed_periods": ["7d"],
        },
        headers=htmx,
    )
    snippets = response.context["snippets"]
    curl = shlex.split(snippets["curl"].replace("\\\n", " "))
    body = json.loads(curl[curl.index("-d") + 1])
    assert body == {
        "tenant_id": "o'hara & co",
        "dashboard_id": dashboard.pk,
        "expires_in": 900,
        "permissions": {
            "locked_filters": {"model": "gpt-4"},
            "allowed_periods": ["7d"],
            "allow_drill_down": True,
        },
    }
    call = next(
        node
        for node in ast.walk(ast.parse(snippets["python"]))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "post"
    )
    assert ast.literal_eval(next(k.value for k in call.keywords if k.arg == "json")) == body
    if shutil.which("node"):  # the Node snippet parses as a module (top-level await)
        check = subprocess.run(
            ["node", "--input-type=module", "--check"],
            input=snippets["node"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert check.returncode == 0, check.stderr
