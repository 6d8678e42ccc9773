"""Console polish found by a new user (issue 14, item 11): export in the Embed tab, URLs with
a trailing slash."""

from pathlib import Path

import pytest
from django.conf import settings

from dashboards.services import dashboard_create, dashboard_publish
from tests.factories import spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(org):
    dashboard = dashboard_create(organization=org.organization, spec=spec("Usage"))
    dashboard_publish(dashboard=dashboard)
    return dashboard


def test_embed_tab_offers_export_and_the_session_and_snippets_carry_it(
    admin_client, published, htmx
) -> None:
    url = f"/app/dashboards/{published.pk}/embed"
    assert 'name="allow_export"' in admin_client.get(url).content.decode()
    body = {"tenant_id": "t1", "expires_in": "900", "allowed_periods": ["7d"]}
    without = admin_client.post(url, body, headers=htmx)
    assert without.context["issued"].claims.allow_export is False
    assert "allow_export" not in without.context["snippets"]["curl"]

    with_export = admin_client.post(url, {**body, "allow_export": "on"}, headers=htmx)
    assert with_export.context["issued"].claims.allow_export is True
    for name in ("curl", "python", "node"):
        assert "allow_export" in with_export.context["snippets"][name]


def test_readme_documents_allow_export() -> None:
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert '"allow_export": true' in readme and "CSV" in readme


@pytest.mark.parametrize(
    ("typed", "lands_on"),
    [
        ("/app/dashboards/", "/app/dashboards"),
        ("/app/keys/", "/app/keys"),
        ("/app/dashboards/?q=1", "/app/dashboards?q=1"),
    ],
)
def test_a_trailing_slash_redirects_to_the_page(owner_client, typed, lands_on) -> None:
    response = owner_client.get(typed)
    assert response.status_code == 301 and response["Location"] == lands_on
    assert owner_client.get(lands_on).status_code == 200


def test_a_trailing_slash_on_an_unknown_page_is_still_a_404(owner_client) -> None:
    assert owner_client.get("/app/nothing-here/").status_code == 404


# --- Origins in the embed flow (item 10) ----------------------------------------------------


def test_embed_tab_lists_the_origins_and_says_when_there_are_none(org, owner_client, published):
    page = owner_client.get(f"/app/dashboards/{published.pk}/embed").content.decode()
    assert "No site may frame this organization" in page
    assert 'value="http://testserver"' in page  # one click allows the console's own origin
    org.organization.allowed_embed_origins = ["https://app.customer.example"]
    org.organization.save()
    page = owner_client.get(f"/app/dashboards/{published.pk}/embed").content.decode()
    assert "<code>https://app.customer.example</code>" in page
    assert "No site may frame" not in page


def test_admin_allows_an_origin_in_one_click(org, admin_client, published, htmx) -> None:
    url = f"/app/dashboards/{published.pk}/embed/origins"
    response = admin_client.post(url, {"origin": "https://App.Customer.example/"})
    assert response.status_code == 302
    org.organization.refresh_from_db()
    assert org.organization.allowed_embed_origins == ["https://app.customer.example"]
    admin_client.post(url, {"origin": "https://app.customer.example"})  # twice: kept once
    org.organization.refresh_from_db()
    assert org.organization.allowed_embed_origins == ["https://app.customer.example"]

    session = admin_client.post(
        f"/app/dashboards/{published.pk}/embed",
        {"tenant_id": "t1", "expires_in": "900", "allowed_periods": ["7d"]},
        headers=htmx,
    )
    assert "Allowed now: https://app.customer.example" in session.context["snippets"]["html"]


def test_a_bad_origin_is_refused_and_nothing_changes(org, admin_client, published) -> None:
    url = f"/app/dashboards/{published.pk}/embed/origins"
    response = admin_client.post(url, {"origin": "javascript:alert(1)"}, follow=True)
    assert "use http:// or https://" in response.content.decode()
    org.organization.refresh_from_db()
    assert org.organization.allowed_embed_origins == []


def test_an_ipv6_origin_is_refused_in_one_click_too(org, admin_client, published) -> None:
    url = f"/app/dashboards/{published.pk}/embed/origins"
    response = admin_client.post(url, {"origin": "http://[::1]:8000"}, follow=True)
    assert "IPv6" in response.content.decode()
    org.organization.refresh_from_db()
    assert org.organization.allowed_embed_origins == []


def test_members_and_other_organizations_cannot_add_origins(
    org, other_org, member_client, console_for, published
) -> None:
    url = f"/app/dashboards/{published.pk}/embed/origins"
    assert member_client.post(url, {"origin": "https://evil.example"}).status_code == 403
    stranger = console_for(other_org.owner)
    assert stranger.post(url, {"origin": "https://evil.example"}).status_code == 404
    org.organization.refresh_from_db()
    assert org.organization.allowed_embed_origins == []


def test_the_embed_form_can_allow_the_custom_period_like_the_api(
    admin_client, client, published, htmx
) -> None:
    url = f"/app/dashboards/{published.pk}/embed"
    form = admin_client.get(url).context["form"]
    assert "custom" in [value for value, _ in form.fields["allowed_periods"].choices]

    body = {"tenant_id": "t1", "expires_in": "900", "allowed_periods": ["7d", "custom"]}
    response = admin_client.post(url, body, headers=htmx)
    assert response.status_code == 200
    issued = response.context["issued"]
    assert issued.claims.permissions.allowed_periods == ("7d", "custom")

    data = client.get(
        f"/embed/{published.pk}/data",
        {"period": "custom", "from": "2026-01-01", "to": "2026-01-07"},
        HTTP_AUTHORIZATION=f"Bearer {issued.token}",
    )
    assert data.status_code == 200  # the viewer may pick a custom range with that session
