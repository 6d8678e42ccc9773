"""The embed JSON endpoints (data, drill, export) and the page: tenant isolation for every
widget kind and endpoint, hidden widgets, locked filters, periods and ranges, permissions."""

import csv
import io
import json

import pytest

from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import TENANT_A, TENANT_B, publish
from tests.factories import event, insert

pytestmark = pytest.mark.django_db

ALL_PERIODS = ("24h", "7d", "30d", "90d", "custom")
FOREIGN_MARKERS = (
    "b-only-model",
    "/b-secret",
    "b_user_",
    "other-org-model",
    "/other-org",
    "other_",
)


def widgets_by_id(body: dict) -> dict:
    return {w["id"]: w for w in body["widgets"]}


def assert_no_foreign_rows(text: str) -> None:
    for marker in FOREIGN_MARKERS:
        assert marker not in text, f"{marker!r} leaked into tenant A's response"


def test_data_returns_only_the_tokens_tenant_for_every_widget_kind(
    issue, embed_get, dashboard, seeded
):
    response = embed_get(f"/embed/{dashboard.pk}/data", issue(tenant_id=TENANT_A), period="7d")

    assert response.status_code == 200, response.content
    widgets = widgets_by_id(response.json())
    assert widgets["w_kpi"]["data"]["value"] == seeded.a_calls
    assert widgets["w_progress"]["data"]["value"] == 350
    assert sum(p[1] for p in widgets["w_series"]["data"]["series"][0]["points"]) == seeded.a_calls
    split_names = {s["name"] for s in widgets["w_split"]["data"]["series"]}
    assert split_names == {"gpt-4", "claude"}
    assert {r["key"]: r["value"] for r in widgets["w_bars"]["data"]["rows"]} == {
        "gpt-4": 2,
        "claude": 1,
    }
    assert {r["key"] for r in widgets["w_list"]["data"]["rows"]} == {"/chat", "/embed"}
    assert sorted(widgets["w_table"]["data"]["rows"]) == [
        ["claude", "/embed", 1],
        ["gpt-4", "/chat", 2],
    ]
    assert_no_foreign_rows(response.content.decode())


def test_tenant_b_sees_only_its_own_rows(issue, embed_get, dashboard, seeded):
    response = embed_get(f"/embed/{dashboard.pk}/data", issue(tenant_id=TENANT_B), period="7d")

    widgets = widgets_by_id(response.json())
    assert widgets["w_kpi"]["data"]["value"] == seeded.b_calls
    assert [r["key"] for r in widgets["w_bars"]["data"]["rows"]] == ["b-only-model"]
    assert "gpt-4" not in response.content.decode()


def test_same_tenant_id_in_another_organization_is_another_tenant(
    issue, embed_get, dashboard, seeded, other_org, client
):
    other_dashboard = publish(other_org.organization)
    token = issue(
        tenant_id=TENANT_A, organization=other_org.organization, dashboard_id=other_dashboard.pk
    )

    response = embed_get(f"/embed/{other_dashboard.pk}/data", token, period="7d")

    widgets = widgets_by_id(response.json())
    assert widgets["w_kpi"]["data"]["value"] == seeded.other_org_calls
    assert [r["key"] for r in widgets["w_bars"]["data"]["rows"]] == ["other-org-model"]
    assert "gpt-4" not in response.content.decode()


def test_result_cache_never_serves_one_tenants_result_to_another(
    issue, embed_get, dashboard, seeded
):
    url = f"/embed/{dashboard.pk}/data"
    first_a = embed_get(url, issue(tenant_id=TENANT_A), period="7d").json()
    first_b = embed_get(url, issue(tenant_id=TENANT_B), period="7d").json()
    again_a = embed_get(url, issue(tenant_id=TENANT_A), period="7d").json()

    assert widgets_by_id(first_a)["w_kpi"]["data"]["value"] == seeded.a_calls
    assert widgets_by_id(first_b)["w_kpi"]["data"]["value"] == seeded.b_calls
    # Widgets only: the period's bounds move on at each whole minute between the requests.
    assert again_a["widgets"] == first_a["widgets"]


def test_hidden_widget_is_absent_from_the_page_and_every_response(
    issue, embed_get, client, dashboard, seeded
):
    token = issue(
        permissions=EmbedPermissions(
            hidden_widgets=("w_secret",), allowed_periods=ALL_PERIODS, allow_drill_down=True
        ),
        allow_export=True,
    )
    page = client.get(f"/embed/{dashboard.pk}", {"token": token})
    data = embed_get(f"/embed/{dashboard.pk}/data", token, period="7d")
    drill = embed_get(f"/embed/{dashboard.pk}/drill", token, period="7d", widget="w_secret")
    export = embed_get(f"/embed/{dashboard.pk}/export", token, period="7d", widget="w_secret")

    assert page.status_code == 200
    assert (
        "w_secret" not in page.content.decode() and "Internal margin" not in page.content.decode()
    )
    assert (
        "w_secret" not in data.content.decode() and "Internal margin" not in data.content.decode()
    )
    assert "w_kpi" in data.content.decode()
    assert drill.status_code == 404 and export.status_code == 404


def test_locked_filter_wins_over_the_viewers_filters(issue, embed_get, dashboard, seeded):
    token = issue(
        permissions=EmbedPermissions(
            locked_filters={"model": "claude"}, allowed_periods=ALL_PERIODS
        )
    )
    url = f"/embed/{dashboard.pk}/data"

    plain = embed_get(url, token, period="7d")
    overridden = embed_get(url, token, period="7d", filters=json.dumps({"model": "gpt-4"}))

    assert widgets_by_id(plain.json())["w_kpi"]["data"]["value"] == 1
    assert overridden.status_code == 200
    assert widgets_by_id(overridden.json())["w_kpi"]["data"]["value"] == 1
    assert "gpt-4" not in overridden.content.decode()


def test_locked_filter_cannot_be_changed_through_the_page_query_string(
    issue, client, dashboard, seeded
):
    token = issue(
        permissions=EmbedPermissions(
            locked_filters={"model": "claude"}, allowed_periods=ALL_PERIODS
        )
    )

    page = client.get(
        f"/embed/{dashboard.pk}",
        {"token": token, "filters": '{"model": "gpt-4"}', "model": "gpt-4"},
    )

    config = json.loads(
        page.content.decode()
        .split('id="sl-config" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert config["locked_filters"] == {"model": "claude"}
    assert {f["dimension"]: f["locked"] for f in config["filters"]} == {
        "model": "claude",
        "plan": None,
    }


def test_viewer_filter_on_an_unlocked_dimension_applies(issue, embed_get, dashboard, seeded):
    response = embed_get(
        f"/embed/{dashboard.pk}/data", issue(), period="7d", filters=json.dumps({"plan": "free"})
    )

    assert widgets_by_id(response.json())["w_kpi"]["data"]["value"] == 1


@pytest.mark.parametrize("period", ["30d", "90d", "custom"])
def test_period_outside_allowed_periods_is_403(issue, embed_get, dashboard, period):
    token = issue(permissions=EmbedPermissions(allowed_periods=("24h", "7d")))
    params = {"from": "2026-01-01", "to": "2026-01-03"} if period == "custom" else {}

    response = embed_get(f"/embed/{dashboard.pk}/data", token, period=period, **params)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "period_not_allowed"
    assert "widgets" not in response.json()


def test_range_over_max_date_range_days_is_403(issue, embed_get, dashboard):
    token = issue(permissions=EmbedPermissions(allowed_periods=ALL_PERIODS, max_date_range_days=7))
    url = f"/embed/{dashboard.pk}/data"

    assert embed_get(url, token, period="7d").status_code == 200
    assert embed_get(url, token, period="30d").status_code == 403
    wide = embed_get(url, token, period="custom", **{"from": "2026-01-01", "to": "2026-01-20"})
    assert wide.status_code == 403
    assert wide.json()["error"]["code"] == "date_range_not_allowed"
    assert (
        embed_get(
            url, token, period="custom", **{"from": "2026-01-01", "to": "2026-01-05"}
        ).status_code
        == 200
    )


def test_default_period_falls_back_to_an_allowed_one(issue, embed_get, dashboard):
    token = issue(permissions=EmbedPermissions(allowed_periods=("24h",)))

    response = embed_get(f"/embed/{dashboard.pk}/data", token)

    assert response.status_code == 200
    assert response.json()["period"]["name"] == "24h"


def test_unknown_or_bad_data_parameters_are_400(issue, embed_get, dashboard):
    token = issue()
    url = f"/embed/{dashboard.pk}/data"

    unknown = embed_get(url, token, period="7d", tenant_id=TENANT_B)
    bad_period = embed_get(url, token, period="1y")
    bad_tz = embed_get(url, token, period="7d", tz="Mars/Olympus")

    assert (
        unknown.status_code == 400 and unknown.json()["error"]["details"][0]["field"] == "tenant_id"
    )
    assert bad_period.status_code in (400, 403)
    assert bad_tz.status_code == 400


# --- Drill-down -------------------------------------------------------------------------------


def test_drill_returns_the_tenants_matching_events_only(issue, embed_get, dashboard, seeded):
    token = issue(permissions=EmbedPermissions(allowed_periods=ALL_PERIODS, allow_drill_down=True))

    response = embed_get(
        f"/embed/{dashboard.pk}/drill",
        token,
        period="7d",
        widget="w_bars",
        dimension="model",
        value="gpt-4",
    )

    assert response.status_code == 200, response.content
    rows = response.json()["rows"]
    assert len(rows) == 2
    assert {r["string_props"]["model"] for r in rows} == {"gpt-4"}
    assert_no_foreign_rows(response.content.decode())


@pytest.mark.parametrize(
    "widget_id", ["w_kpi", "w_progress", "w_series", "w_split", "w_bars", "w_list", "w_table"]
)
def test_drill_never_returns_another_tenants_rows_for_any_widget_kind(
    issue, embed_get, dashboard, seeded, widget_id
):
    token = issue(permissions=EmbedPermissions(allowed_periods=ALL_PERIODS, allow_drill_down=True))

    response = embed_get(f"/embed/{dashboard.pk}/drill", token, period="7d", widget=widget_id)
    asking_for_b = embed_get(
        f"/embed/{dashboard.pk}/drill",
        token,
        period="7d",
        widget="w_bars",
        dimension="model",
        value="b-only-model",
    )

    assert response.status_code == 200
    assert len(response.json()["rows"]) == seeded.a_calls
    assert_no_foreign_rows(response.content.decode())
    assert asking_for_b.json()["rows"] == []


def test_drill_narrows_to_the_clicked_bucket(issue, embed_get, dashboard, seeded):
    from datetime import UTC, datetime, timedelta

    token = issue(permissions=EmbedPermissions(allowed_periods=ALL_PERIODS, allow_drill_down=True))
    now = datetime.now(UTC)

    response = embed_get(
        f"/embed/{dashboard.pk}/drill",
        token,
        period="7d",
        widget="w_series",
        point_from=(now - timedelta(hours=4)).isoformat(),
        point_to=now.isoformat(),
    )

    assert len(response.json()["rows"]) == 2  # the events 2 and 3 hours ago


def test_drill_refused_when_not_allowed(issue, embed_get, dashboard, seeded):
    token = issue(permissions=EmbedPermissions(allowed_periods=ALL_PERIODS, allow_drill_down=False))

    response = embed_get(f"/embed/{dashboard.pk}/drill", token, period="7d", widget="w_bars")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "drill_down_not_allowed"
    assert "rows" not in response.json()


def test_drill_on_a_dimension_the_widget_does_not_group_by_is_400(issue, embed_get, dashboard):
    token = issue(permissions=EmbedPermissions(allowed_periods=ALL_PERIODS, allow_drill_down=True))

    response = embed_get(
        f"/embed/{dashboard.pk}/drill",
        token,
        period="7d",
        widget="w_bars",
        dimension="plan",
        value="pro",
    )

    assert response.status_code == 400


def test_drill_keeps_the_locked_filter(issue, embed_get, dashboard, seeded):
    token = issue(
        permissions=EmbedPermissions(
            locked_filters={"model": "claude"}, allowed_periods=ALL_PERIODS, allow_drill_down=True
        )
    )

    response = embed_get(
        f"/embed/{dashboard.pk}/drill",
        token,
        period="7d",
        widget="w_bars",
        dimension="model",
        value="gpt-4",
    )

    assert response.status_code == 200
    assert [row["string_props"]["model"] for row in response.json()["rows"]] == ["claude"]


# --- Export -----------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(
    "widget_id", ["w_kpi", "w_progress", "w_series", "w_split", "w_bars", "w_list", "w_table"]
)
def test_export_is_the_tenants_widget_data_as_csv(issue, embed_get, dashboard, seeded, widget_id):
    token = issue(allow_export=True)

    response = embed_get(f"/embed/{dashboard.pk}/export", token, period="7d", widget=widget_id)

    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert len(rows) >= 2
    assert_no_foreign_rows(response.content.decode())


def test_export_of_a_breakdown_lists_keys_and_values(issue, embed_get, dashboard, seeded):
    response = embed_get(
        f"/embed/{dashboard.pk}/export", issue(allow_export=True), period="7d", widget="w_bars"
    )

    assert read_csv(response) == [["model", "value"], ["gpt-4", "2.0"], ["claude", "1.0"]]


def test_export_quotes_cells_a_spreadsheet_would_run(org, issue, embed_get, dashboard):
    insert(
        [
            event(
                org_id=org.organization.pk,
                tenant_id=TENANT_A,
                string_props={"model": "=HYPERLINK(1)"},
            )
        ]
    )

    response = embed_get(
        f"/embed/{dashboard.pk}/export", issue(allow_export=True), period="7d", widget="w_bars"
    )

    assert ["'=HYPERLINK(1)", "1.0"] in read_csv(response)


def test_export_refused_when_not_allowed(issue, embed_get, dashboard, seeded):
    response = embed_get(
        f"/embed/{dashboard.pk}/export", issue(allow_export=False), period="7d", widget="w_kpi"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "export_not_allowed"


# --- The page and the helper -------------------------------------------------------------------


def test_page_renders_the_published_version_without_the_token(issue, client, dashboard, seeded):
    token = issue()

    response = client.get(f"/embed/{dashboard.pk}", {"token": token})

    html = response.content.decode()
    assert response.status_code == 200
    assert token not in html
    assert "All kinds" in html and "w_table" in html
    assert_no_foreign_rows(html)
    assert response["Referrer-Policy"] == "no-referrer"
    assert "X-Frame-Options" not in response


def test_page_frame_ancestors_come_from_the_organizations_allowed_origins(
    org, issue, client, dashboard
):
    org.organization.allowed_embed_origins = ["https://app.customer.example"]
    org.organization.save()

    response = client.get(f"/embed/{dashboard.pk}", {"token": issue()})

    assert (
        "frame-ancestors 'self' https://app.customer.example" in response["Content-Security-Policy"]
    )


def test_page_with_no_allowed_origins_may_only_be_framed_by_itself(issue, client, dashboard):
    response = client.get(f"/embed/{dashboard.pk}", {"token": issue()})

    assert response["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_page_with_a_bad_token_is_401_with_a_clear_message(client, dashboard):
    response = client.get(f"/embed/{dashboard.pk}", {"token": "nope"})

    assert response.status_code == 401
    assert "malformed" in response.content.decode()
    assert "w_kpi" not in response.content.decode()


def test_page_data_drill_export_never_show_tenant_b_to_tenant_a(
    issue, client, embed_get, dashboard, seeded
):
    token = issue(
        permissions=EmbedPermissions(allowed_periods=ALL_PERIODS, allow_drill_down=True),
        allow_export=True,
    )
    responses = [
        client.get(f"/embed/{dashboard.pk}", {"token": token}),
        embed_get(f"/embed/{dashboard.pk}/data", token, period="90d"),
        embed_get(f"/embed/{dashboard.pk}/drill", token, period="90d", widget="w_table"),
        embed_get(f"/embed/{dashboard.pk}/export", token, period="90d", widget="w_table"),
    ]

    for response in responses:
        assert response.status_code == 200
        assert_no_foreign_rows(response.content.decode())


def test_json_endpoints_answer_cors_only_for_allowed_origins(
    org, issue, embed_get, client, dashboard
):
    org.organization.allowed_embed_origins = ["https://app.customer.example"]
    org.organization.save()
    token, url = issue(), f"/embed/{dashboard.pk}/data"

    allowed = client.get(
        url,
        {"period": "7d"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ORIGIN="https://app.customer.example",
    )
    other = client.get(
        url,
        {"period": "7d"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ORIGIN="https://evil.example",
    )

    assert allowed["Access-Control-Allow-Origin"] == "https://app.customer.example"
    assert "Access-Control-Allow-Origin" not in other


def test_sdk_is_served_as_javascript(client):
    response = client.get("/sdk/embed.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"Sightline" in response.content


def test_json_endpoints_answer_other_methods_with_a_json_405(issue, client, dashboard):
    response = client.post(f"/embed/{dashboard.pk}/data", HTTP_AUTHORIZATION=f"Bearer {issue()}")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_cors_preflight_is_answered_without_a_token(client, dashboard):
    response = client.options(
        f"/embed/{dashboard.pk}/data",
        HTTP_ORIGIN="https://app.customer.example",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Headers"] == "Authorization"


def test_malformed_allowed_origins_never_reach_the_headers(org, issue, client, dashboard):
    org.organization.allowed_embed_origins = [
        "https://ok.example",
        "https://x.example; script-src *",
        3,
    ]
    org.organization.save()

    response = client.get(f"/embed/{dashboard.pk}", {"token": issue()})

    assert response["Content-Security-Policy"].endswith("frame-ancestors 'self' https://ok.example")
    assert "script-src *" not in response.content.decode()


def test_drill_and_export_answer_503_when_the_warehouse_refuses(
    settings, issue, embed_get, dashboard, seeded
):
    token = issue(
        permissions=EmbedPermissions(allowed_periods=ALL_PERIODS, allow_drill_down=True),
        allow_export=True,
    )
    settings.WAREHOUSE_MAX_ROWS_TO_READ = 1  # a real refusal by the engine, not a mock

    drill = embed_get(f"/embed/{dashboard.pk}/drill", token, period="7d", widget="w_bars")
    export = embed_get(f"/embed/{dashboard.pk}/export", token, period="7d", widget="w_bars")

    assert drill.status_code == 503 and drill.json()["error"]["code"] == "query_failed"
    assert export.status_code == 503 and export.json()["error"]["code"] == "query_failed"
