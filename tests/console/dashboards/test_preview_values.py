"""GET /app/dashboards/<id>/preview/values: a builder preview picker's options are the previewed
tenant's own top values of a dashboard filter (dashboards.filter_values, as the embed's
pickers), searched by what the picker holds; never another tenant's or organization's."""

import pytest
from django.test import override_settings

from dashboards.models import Dashboard
from dashboards.services import dashboard_create
from tests.console.dashboards.test_builder import kpi
from tests.factories import event, insert

pytestmark = pytest.mark.django_db


@pytest.fixture
def dashboard(org) -> Dashboard:
    return dashboard_create(
        organization=org.organization,
        spec={
            "name": "Usage",
            "widgets": [kpi()],
            "filters": [{"dimension": "model", "label": "Model"}],
        },
    )


@pytest.fixture
def seeded(org, other_org) -> None:
    def calls(org_id, tenant_id, *models):
        return [
            event(org_id=org_id, tenant_id=tenant_id, string_props={"model": m}) for m in models
        ]

    insert(
        calls(org.organization.pk, "acme", "gpt-4", "gpt-4", "claude")
        + calls(org.organization.pk, "globex", "llama")
        + calls(other_org.organization.pk, "acme", "other-org-model")
        + [
            event(
                org_id=org.organization.pk,
                tenant_id="acme",
                event_name="login",
                string_props={"model": "not-on-a-widget"},
            )
        ]
    )


def options(response) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.content.decode()
    return [part.split('"', 1)[0] for part in body.split('<option value="')[1:]]


def get(client, dashboard, **params):
    return client.get(f"/app/dashboards/{dashboard.pk}/preview/values", {"period": "7d", **params})


def test_the_previewed_tenants_own_values_most_frequent_first(member_client, dashboard, seeded):
    acme = get(member_client, dashboard, tenant_id="acme", dimension="model")
    assert options(acme) == ["gpt-4", "claude"]  # not another org's acme, nor login's values
    assert "2 events" in acme.content.decode()
    assert options(get(member_client, dashboard, tenant_id="globex", dimension="model")) == [
        "llama"
    ]


def test_what_the_picker_holds_searches_case_insensitively(owner_client, dashboard, seeded):
    found = get(
        owner_client, dashboard, tenant_id="acme", dimension="model", **{"filter.model": "CLA"}
    )
    assert options(found) == ["claude"]
    sql_like = get(
        owner_client,
        dashboard,
        tenant_id="acme",
        dimension="model",
        **{"filter.model": "x' OR 1=1"},
    )
    assert options(sql_like) == []


@pytest.mark.parametrize(
    "params",
    [
        {"tenant_id": "acme", "dimension": "status"},  # not a filter of the dashboard
        {"tenant_id": "acme"},
        {"dimension": "model"},  # no tenant
        {"tenant_id": "acme", "dimension": "model", "period": "365d"},
    ],
)
def test_bad_requests_are_400(owner_client, dashboard, seeded, params):
    response = owner_client.get(f"/app/dashboards/{dashboard.pk}/preview/values", params)
    assert response.status_code == 400


def test_another_organizations_dashboard_is_a_404(owner_client, other_org, seeded):
    theirs = dashboard_create(
        organization=other_org.organization,
        spec={"name": "Secret", "widgets": [kpi()], "filters": [{"dimension": "model"}]},
    )
    response = get(owner_client, theirs, tenant_id="acme", dimension="model")
    assert response.status_code == 404
    assert "other-org-model" not in response.content.decode()


def test_logged_out_is_sent_to_log_in(client, dashboard):
    response = get(client, dashboard, tenant_id="acme", dimension="model")
    assert response.status_code == 302 and "/login" in response["Location"]


@override_settings(CONSOLE_QUERY_RATE_LIMIT="3/m")
def test_the_preview_and_its_pickers_share_a_rate_limit_per_user(
    member_client, owner_client, dashboard, seeded
):
    """Each picker keystroke and preview reload reads the warehouse: over the user's budget
    the answer is a 429 with Retry-After (an HTMX toast), reading and showing nothing."""
    preview = member_client.get(f"/app/dashboards/{dashboard.pk}/preview", {"tenant_id": "acme"})
    assert preview.status_code == 200
    for _ in range(2):
        assert options(get(member_client, dashboard, tenant_id="acme", dimension="model"))

    refused = member_client.get(
        f"/app/dashboards/{dashboard.pk}/preview/values",
        {"period": "7d", "tenant_id": "acme", "dimension": "model"},
        HTTP_HX_REQUEST="true",
    )

    assert refused.status_code == 429, refused.content
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["HX-Retarget"] == "#toasts"
    assert "gpt-4" not in refused.content.decode()
    again = member_client.get(f"/app/dashboards/{dashboard.pk}/preview", {"tenant_id": "acme"})
    assert again.status_code == 429
    # Another user of the organization has a budget of their own.
    assert options(get(owner_client, dashboard, tenant_id="acme", dimension="model"))
