"""GET /v1/variants and DELETE /v1/variants/{id}: filters, pagination, scopes, another
organization's variant, rate limits."""

import pytest

from dashboards.models import DashboardVariant
from dashboards.variant_services import variant_save
from dashboards.variants import TENANT, USER, VariantContent, VariantOwner
from tests.embeds.conftest import TENANT_A, TENANT_B, publish

pytestmark = pytest.mark.django_db
URL = "/v1/variants"
EMPTY = VariantContent(widgets=(), layout=(), hidden=())


def save(dashboard, tenant_id: str, user: str = "") -> DashboardVariant:
    owner = VariantOwner(tenant_id=tenant_id, scope=USER if user else TENANT, user=user)
    return variant_save(dashboard=dashboard, owner=owner, content=EMPTY, base_version=1)


@pytest.fixture
def variants(org):
    dashboard = publish(org.organization)
    other = publish(org.organization)
    return {
        "dashboard": dashboard,
        "other": other,
        "jane": save(dashboard, TENANT_A, "jane"),
        "shared": save(dashboard, TENANT_A),
        "b": save(dashboard, TENANT_B, "jane"),
        "elsewhere": save(other, TENANT_A, "jane"),
    }


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {v["id"] for v in response.json()["results"]}


def test_list_filters_by_dashboard_tenant_and_user(api, variants):
    dashboard = variants["dashboard"].pk

    everything = api.get(URL)
    by_dashboard = api.get(URL, {"dashboard_id": dashboard})
    by_tenant = api.get(URL, {"dashboard_id": dashboard, "tenant_id": TENANT_A})
    shared_only = api.get(URL, {"tenant_id": TENANT_A, "user": ""})

    assert everything.json()["count"] == 4
    assert ids(by_dashboard) == {variants[k].pk for k in ("jane", "shared", "b")}
    assert ids(by_tenant) == {variants["jane"].pk, variants["shared"].pk}
    assert ids(shared_only) == {variants["shared"].pk}
    first = everything.json()["results"][0]
    assert set(first) == {
        "id",
        "dashboard_id",
        "dashboard_name",
        "tenant_id",
        "scope",
        "user",
        "widgets",
        "layout",
        "hidden",
        "base_version",
        "revision",
        "created_at",
        "updated_at",
    }


def test_list_is_paginated_like_the_other_lists(api, variants):
    page = api.get(URL, {"limit": 3})
    rest = api.get(URL, {"limit": 3, "offset": 3})

    assert page.json()["count"] == 4 and len(page.json()["results"]) == 3
    assert page.json()["next"] and page.json()["previous"] is None
    assert len(rest.json()["results"]) == 1
    assert api.get(URL, {"limit": 0}).status_code == 400
    unknown = api.get(URL, {"tenant": TENANT_A})
    assert unknown.status_code == 400 and unknown.json()["error"]["details"][0]["field"] == "tenant"


def test_scopes_read_lists_admin_deletes(client_for, read_key, org, variants):
    read = client_for(read_key.secret)
    ingest = client_for(org.ingest_key.secret)

    assert read.get(URL).status_code == 200
    assert ingest.get(URL).status_code == 403
    assert read.delete(f"{URL}/{variants['jane'].pk}").status_code == 403
    assert ingest.delete(f"{URL}/{variants['jane'].pk}").status_code == 403
    assert client_for("sl_admin_not_a_key").get(URL).status_code == 401
    assert DashboardVariant.objects.filter(pk=variants["jane"].pk).exists()


def test_delete_removes_only_that_variant(api, variants):
    response = api.delete(f"{URL}/{variants['jane'].pk}")

    assert response.status_code == 204
    assert not DashboardVariant.objects.filter(pk=variants["jane"].pk).exists()
    assert DashboardVariant.objects.count() == 3
    assert api.delete(f"{URL}/{variants['jane'].pk}").status_code == 404


def test_another_organizations_variants_are_invisible_and_a_404(client_for, other_org, variants):
    other = client_for(other_org.admin_key.secret)

    assert other.get(URL).json()["count"] == 0
    assert other.get(URL, {"dashboard_id": variants["dashboard"].pk}).json()["count"] == 0
    missing = other.delete(f"{URL}/{variants['jane'].pk}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert DashboardVariant.objects.filter(pk=variants["jane"].pk).exists()


def test_both_routes_are_rate_limited_per_key(api, variants, settings):
    settings.API_RATE_LIMIT = "2/m"

    assert api.get(URL).status_code == 200
    assert api.get(URL).status_code == 200
    refused = api.delete(f"{URL}/{variants['jane'].pk}")

    assert refused.status_code == 429 and refused["Retry-After"]
    assert DashboardVariant.objects.filter(pk=variants["jane"].pk).exists()
