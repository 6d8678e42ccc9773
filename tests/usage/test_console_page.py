"""The console's Usage page: the organization's own embed usage, for every member; an empty
state before any; the period, tenant and dashboard pickers narrow it."""

import pytest
from django.test import Client, override_settings

from accounts.models import Role
from tests.console.conftest import add_member
from tests.embeds.conftest import TENANT_A, TENANT_B, publish
from usage.recorder import usage_flush

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def view_as(client, issue, dashboard, tenant, *, user="", load_ms=None):
    token = issue(tenant_id=tenant, user=user)
    assert client.get(f"/embed/{dashboard.pk}?token={token}").status_code == 200
    if load_ms:
        client.post(
            f"/embed/{dashboard.pk}/usage",
            {"load_ms": load_ms},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    return token


def test_the_page_is_empty_before_any_embed_use(org):
    response = signed_in(org.owner).get("/app/usage")
    assert response.status_code == 200
    assert b'id="usage-empty"' in response.content
    assert b'href="/app/usage"' in response.content  # the nav entry


def test_every_member_sees_the_organizations_usage_only(client, issue, dashboard, org, other_org):
    view_as(client, issue, dashboard, TENANT_A, user="ann", load_ms=420)
    view_as(client, issue, dashboard, TENANT_B, user="bo")
    theirs = publish(other_org.organization, None)
    token = issue(
        tenant_id="their-tenant", dashboard_id=theirs.pk, organization=other_org.organization
    )
    client.get(f"/embed/{theirs.pk}?token={token}")
    usage_flush()

    member = add_member(org.organization, Role.MEMBER)
    page = signed_in(member).get("/app/usage").content.decode()
    assert 'id="usage-total-views">2<' in page
    assert TENANT_A in page and TENANT_B in page and dashboard.name in page
    assert "their-tenant" not in page and theirs.pk not in page
    assert "420 / 420 ms" in page

    other_page = signed_in(other_org.owner).get("/app/usage").content.decode()
    assert "their-tenant" in other_page and TENANT_A not in other_page


def test_the_pickers_narrow_the_page(client, issue, dashboard, org):
    view_as(client, issue, dashboard, TENANT_A, user="ann")
    view_as(client, issue, dashboard, TENANT_A, user="al")
    view_as(client, issue, dashboard, TENANT_B, user="bo")
    usage_flush()
    owner = signed_in(org.owner)
    narrowed = owner.get("/app/usage", {"tenant": TENANT_B, "period": "24h"}).content.decode()
    assert 'id="usage-total-views">1<' in narrowed
    assert 'value="24h" selected' in narrowed
    everything = owner.get("/app/usage", {"period": "30d"}).content.decode()
    assert 'id="usage-total-views">3<' in everything
    assert owner.get("/app/usage", {"dashboard": "dash_missing"}).status_code == 200
    bad = owner.get("/app/usage", {"period": "1y"}).content.decode()  # falls back to 7 days
    assert 'value="7d" selected' in bad


@override_settings(CONSOLE_QUERY_RATE_LIMIT="2/m")
def test_the_page_is_rate_limited_per_user(org):
    """Each load reads the usage stream: over CONSOLE_QUERY_RATE_LIMIT a 429 page with
    Retry-After, like the builder's preview."""
    client = signed_in(org.owner)
    for _ in range(2):
        assert client.get("/app/usage").status_code == 200

    refused = client.get("/app/usage")

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert b'id="usage-empty"' not in refused.content
