import pytest
from django.test import Client

from accounts.models import Invite, User
from accounts.services import hash_secret, invite_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("ops@example.com", "pw-Strong-123"))
    return client


def test_invite_admin_is_searchable_filterable_and_hides_the_token(org, operator) -> None:
    issued = invite_create(
        organization=org.organization, email="seek@example.com", role="admin", actor_role="owner"
    )
    listing = operator.get("/admin/accounts/invite/", {"q": "seek@", "role": "admin"})
    assert listing.status_code == 200 and "seek@example.com" in listing.content.decode()
    detail = operator.get(f"/admin/accounts/invite/{issued.invite.pk}/change/").content.decode()
    assert "seek@example.com" in detail
    assert issued.token not in detail and hash_secret(issued.token) not in detail
    assert operator.get("/admin/accounts/invite/add/").status_code == 403  # sent from console/API
    assert Invite.objects.count() == 1
