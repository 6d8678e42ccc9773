"""GET /v1/usage: read or admin keys, the key's organization only, strict query, rate limited."""

import pytest

from tests.embeds.conftest import TENANT_A, TENANT_B, publish
from usage.recorder import usage_flush

pytestmark = pytest.mark.django_db
URL = "/v1/usage"


@pytest.fixture
def used(client, issue, dashboard, org, other_org):
    for tenant in (TENANT_A, TENANT_A, TENANT_B):
        client.get(f"/embed/{dashboard.pk}?token={issue(tenant_id=tenant, user=tenant)}")
    theirs = publish(other_org.organization)
    token = issue(tenant_id="theirs", dashboard_id=theirs.pk, organization=other_org.organization)
    client.get(f"/embed/{theirs.pk}?token={token}")
    assert usage_flush() == 4
    return theirs


def test_a_read_or_admin_key_gets_the_organizations_usage(
    client_for, org, read_key, used, dashboard
):
    for secret in (org.admin_key.secret, read_key.secret):
        body = client_for(secret).get(URL, {"period": "24h"}).json()
        assert body["totals"]["views"] == 3 and body["totals"]["viewers"] == 2
        assert body["bucket"] == "hour" and body["period"] == "24h"
        assert {row["tenant_id"] for row in body["tenants"]} == {TENANT_A, TENANT_B}
        assert [(row["dashboard_id"], row["name"]) for row in body["dashboards"]] == [
            (dashboard.pk, dashboard.name)
        ]
        assert sum(point["views"] for point in body["series"]) == 3
        assert body["series"][0]["t"].endswith("Z")


def test_narrowing_to_a_tenant(api, used):
    body = api.get(URL, {"tenant_id": TENANT_B}).json()
    assert body["totals"]["views"] == 1
    assert [row["tenant_id"] for row in body["tenants"]] == [TENANT_B]


def test_another_organizations_usage_is_never_visible(client_for, org, other_org, used):
    mine = client_for(org.admin_key.secret).get(URL, {"tenant_id": "theirs"}).json()
    assert mine["totals"]["views"] == 0 and mine["tenants"] == []
    theirs = client_for(other_org.admin_key.secret).get(URL).json()
    assert theirs["totals"]["views"] == 1
    assert [row["tenant_id"] for row in theirs["tenants"]] == ["theirs"]
    assert [row["dashboard_id"] for row in theirs["dashboards"]] == [used.pk]


def test_scopes(client, client_for, org):
    assert client.get(URL).status_code == 401
    assert client_for("sl_admin_not-a-key").get(URL).status_code == 401
    refused = client_for(org.ingest_key.secret).get(URL)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert client_for(org.admin_key.secret).post(URL, {}, format="json").status_code == 405


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "1y"}, "period"),
        ({"perod": "7d"}, "perod"),
        ({"tenant_id": "x" * 129}, "tenant_id"),
    ],
)
def test_bad_queries_are_a_400_naming_the_field(api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert field in [detail["field"] for detail in error["details"]]


def test_the_route_is_rate_limited_per_key(api, client_for, read_key, settings):
    settings.API_RATE_LIMIT = "2/m"
    assert [api.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    refused = api.get(URL)
    assert refused.json()["error"]["code"] == "rate_limited" and int(refused["Retry-After"]) >= 1
    assert client_for(read_key.secret).get(URL).status_code == 200  # per key
