"""GET /v1/dashboards/{id}/data: every widget's data for one tenant, draft or published."""

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from dashboards.models import Dashboard
from tests.factories import event, insert, spec, widget

pytestmark = pytest.mark.django_db

WIDGETS = [
    widget("w_calls", title="Calls"),
    widget("w_users", metric="count_unique"),
    widget("w_by_model", kind="breakdown", chart="bar", group_by=["model"], limit=5),
]


def create(api, body=None) -> dict:
    response = api.post(
        "/v1/dashboards",
        body or spec(widgets=WIDGETS, filters=[{"dimension": "model"}]),
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def data_of(api, dashboard_id: str, **params) -> dict:
    response = api.get(f"/v1/dashboards/{dashboard_id}/data", params)
    assert response.status_code == 200, response.json()
    return {w["id"]: w["data"] for w in response.json()["widgets"]}


def seed(org_id: str, tenant_id: str, models: list[str], user_prefix: str = "u") -> None:
    insert(
        event(
            org_id=org_id,
            tenant_id=tenant_id,
            user_id=f"{user_prefix}{n % 3}",
            string_props={"model": model},
        )
        for n, model in enumerate(models)
    )


def test_returns_every_widget_for_the_tenant(api, org) -> None:
    dashboard = create(api)
    seed(org.organization.pk, "acme", ["gpt-4", "gpt-4", "gpt-4", "claude", "claude"])

    response = api.get(
        f"/v1/dashboards/{dashboard['id']}/data", {"tenant_id": "acme", "period": "24h"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["period"]["name"] == "24h" and body["period"]["tz"] == "UTC"
    assert [(w["id"], w["kind"], w["title"]) for w in body["widgets"]] == [
        ("w_calls", "kpi", "Calls"),
        ("w_users", "kpi", "w_users"),
        ("w_by_model", "breakdown", "w_by_model"),
    ]
    data = {w["id"]: w["data"] for w in body["widgets"]}
    assert data["w_calls"]["value"] == 5.0
    assert data["w_users"]["value"] == 3.0
    assert data["w_by_model"]["rows"] == [
        {"key": "gpt-4", "value": 3.0},
        {"key": "claude", "value": 2.0},
    ]


def test_another_tenant_and_another_organization_never_appear(api, org, other_org) -> None:
    dashboard = create(api)
    seed(org.organization.pk, "acme", ["gpt-4"])
    seed(org.organization.pk, "globex", ["claude"] * 7, user_prefix="g")  # same org, other tenant
    seed(
        other_org.organization.pk, "acme", ["mistral"] * 11, user_prefix="o"
    )  # same tenant id, other org

    acme = data_of(api, dashboard["id"], tenant_id="acme")
    globex = data_of(api, dashboard["id"], tenant_id="globex")
    nobody = data_of(api, dashboard["id"], tenant_id="nobody")

    assert (acme["w_calls"]["value"], acme["w_by_model"]["rows"]) == (
        1.0,
        [{"key": "gpt-4", "value": 1.0}],
    )
    assert (globex["w_calls"]["value"], globex["w_by_model"]["rows"]) == (
        7.0,
        [{"key": "claude", "value": 7.0}],
    )
    assert (nobody["w_calls"]["value"], nobody["w_by_model"]["rows"]) == (0.0, [])


def test_viewer_filters_narrow_the_data(api, org) -> None:
    dashboard = create(api)
    seed(org.organization.pk, "acme", ["gpt-4", "gpt-4", "claude"])

    data = data_of(
        api, dashboard["id"], tenant_id="acme", filters=orjson.dumps({"model": "claude"}).decode()
    )

    assert data["w_calls"]["value"] == 1.0


def test_draft_by_default_published_on_request(api, org) -> None:
    dashboard = create(api)
    api.post(f"/v1/dashboards/{dashboard['id']}/publish")
    api.patch(
        f"/v1/dashboards/{dashboard['id']}", {"widgets": [widget("w_draft_only")]}, format="json"
    )
    seed(org.organization.pk, "acme", ["gpt-4"])

    assert set(data_of(api, dashboard["id"], tenant_id="acme")) == {"w_draft_only"}
    assert set(data_of(api, dashboard["id"], tenant_id="acme", version="published")) == {
        "w_calls",
        "w_users",
        "w_by_model",
    }


def test_an_edited_draft_is_never_served_from_the_cache_of_the_previous_draft(api, org) -> None:
    dashboard = create(api, spec(widgets=[widget("w_x")]))
    seed(org.organization.pk, "acme", ["gpt-4", "claude"])
    assert data_of(api, dashboard["id"], tenant_id="acme")["w_x"] == {"value": 2.0, "previous": 0.0}

    api.patch(
        f"/v1/dashboards/{dashboard['id']}",
        {"widgets": [widget("w_x", filters={"model": "claude"})]},
        format="json",
    )

    assert data_of(api, dashboard["id"], tenant_id="acme")["w_x"]["value"] == 1.0


def test_published_data_of_an_unpublished_dashboard_is_a_conflict(api) -> None:
    dashboard = create(api)

    response = api.get(
        f"/v1/dashboards/{dashboard['id']}/data", {"tenant_id": "acme", "version": "published"}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_published"


def test_custom_period_in_a_timezone(api, org) -> None:
    dashboard = create(api)
    inside = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on 11 March in Paris (UTC+1)
    insert(
        [
            event(
                org_id=org.organization.pk,
                tenant_id="acme",
                timestamp=inside,
                string_props={"model": "a"},
            )
        ]
    )

    paris = data_of(
        api,
        dashboard["id"],
        tenant_id="acme",
        period="custom",
        tz="Europe/Paris",
        **{"from": "2026-03-11", "to": "2026-03-11"},
    )
    utc = data_of(
        api,
        dashboard["id"],
        tenant_id="acme",
        period="custom",
        tz="UTC",
        **{"from": "2026-03-11", "to": "2026-03-11"},
    )

    assert paris["w_calls"]["value"] == 1.0  # 00:30 on 11 March in Paris
    assert utc["w_calls"]["value"] == 0.0  # still 10 March in UTC


TOO_LONG_TO = (datetime(2024, 1, 1) + timedelta(days=400)).date().isoformat()
BAD_PARAMS = [
    pytest.param({}, "tenant_id", id="missing-tenant"),
    pytest.param({"tenant_id": "t" * 201}, "tenant_id", id="over-long-tenant"),
    pytest.param({"tenant_id": "a", "version": "v2"}, "version", id="unknown-version"),
    pytest.param({"tenant_id": "a", "perod": "7d"}, "perod", id="unknown-parameter"),
    pytest.param({"tenant_id": "a", "period": "1y"}, "period", id="invalid-period"),
    pytest.param(
        {"tenant_id": "a", "period": "custom", "from": "2026-03-10", "to": "2026-03-01"},
        "to",
        id="reversed-range",
    ),
    pytest.param(
        {"tenant_id": "a", "period": "custom", "from": "2024-01-01", "to": TOO_LONG_TO},
        "to",
        id="over-long-range",
    ),
    pytest.param(
        {"tenant_id": "a", "period": "custom", "to": "2026-03-01"}, "from", id="custom-without-from"
    ),
    pytest.param(
        {"tenant_id": "a", "period": "custom", "from": "yesterday", "to": "2026-03-01"},
        "from",
        id="bad-date",
    ),
    pytest.param({"tenant_id": "a", "tz": "Mars/Olympus"}, "tz", id="unknown-timezone"),
    pytest.param({"tenant_id": "a", "filters": "{not json"}, "filters", id="filters-not-json"),
    pytest.param(
        {"tenant_id": "a", "filters": '{"plan": "pro"}'},
        "filters.plan",
        id="filter-not-on-dashboard",
    ),
]


@pytest.mark.parametrize(("params", "field"), BAD_PARAMS)
def test_bad_parameters_are_a_clear_error(api, params, field) -> None:
    dashboard = create(api)

    response = api.get(f"/v1/dashboards/{dashboard['id']}/data", params)

    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["message"]
    assert field in {d["field"] for d in error["details"]}
    assert Dashboard.objects.get(pk=dashboard["id"]).draft_spec == dashboard["spec"]


def test_an_unreachable_warehouse_is_one_clear_503(api) -> None:
    """Not a 200 of empty widgets: nothing can answer, and the client is told to retry."""
    from warehouse.backends import ServerBackend, set_backend

    dashboard = create(api)
    previous = set_backend(ServerBackend("clickhouse://default@127.0.0.1:19499/default"))
    try:
        response = api.get(f"/v1/dashboards/{dashboard['id']}/data", {"tenant_id": "acme"})
    finally:
        set_backend(previous).close()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "warehouse_unavailable"
    assert response["Retry-After"] == "5"
    assert b"19499" not in response.content
