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
