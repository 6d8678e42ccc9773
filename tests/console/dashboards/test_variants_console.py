"""The console's Customer views page: the list with its filters, delete (admins only), and
another organization's variant a 404."""

import pytest

from dashboards.models import DashboardVariant
from tests.api.dashboards.test_variants_api import save
from tests.embeds.conftest import TENANT_A, TENANT_B, publish

pytestmark = pytest.mark.django_db
URL = "/app/dashboards/variants"


@pytest.fixture
def views(org):
    dashboard = publish(org.organization)
    other = publish(org.organization, {"name": "Second", "widgets": []})
    return {
        "dashboard": dashboard,
        "other": other,
        "jane": save(dashboard, TENANT_A, "jane"),
        "shared": save(dashboard, TENANT_B),
        "second": save(other, TENANT_A, "zed"),
    }


def rows(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_tenant_user_widgets_and_filters(member_client, views):
    everything = rows(member_client.get(URL))
    by_dashboard = rows(member_client.get(URL, {"dashboard": views["other"].pk}))
    by_tenant = rows(member_client.get(URL, {"tenant": TENANT_B}))

    assert all(f'data-variant="{views[k].pk}"' in everything for k in ("jane", "shared", "second"))
    assert "Whole tenant" in everything and "jane" in everything
    assert f'data-variant="{views["second"].pk}"' in by_dashboard
    assert f'data-variant="{views["jane"].pk}"' not in by_dashboard
    assert f'data-variant="{views["shared"].pk}"' in by_tenant
    assert f'data-variant="{views["jane"].pk}"' not in by_tenant
    assert "Delete" not in everything.split('id="variants"')[1]  # members only look


def test_an_admin_deletes_a_view_a_member_cannot(admin_client, member_client, views):
    target = f"{URL}/{views['jane'].pk}/delete"

    refused = member_client.post(target)
    deleted = admin_client.post(target, follow=True)

    assert refused.status_code == 403
    assert deleted.status_code == 200 and "was deleted" in deleted.content.decode()
    assert not DashboardVariant.objects.filter(pk=views["jane"].pk).exists()
    assert DashboardVariant.objects.count() == 2


def test_another_organizations_view_is_a_404(other_org, console_for, views):
    stranger = console_for(other_org.owner)

    assert views["jane"].pk not in rows(stranger.get(URL))
    assert stranger.post(f"{URL}/{views['jane'].pk}/delete").status_code == 404
    assert DashboardVariant.objects.filter(pk=views["jane"].pk).exists()
