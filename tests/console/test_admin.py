import pytest
from django.contrib.admin.utils import quote
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
    # quote(pk) as the admin does: a raw id like "inv_22…" is unquoted into 'inv"…' (a flake).
    detail = operator.get(
        f"/admin/accounts/invite/{quote(issued.invite.pk)}/change/"
    ).content.decode()
    assert "seek@example.com" in detail
    assert issued.token not in detail and hash_secret(issued.token) not in detail
    assert operator.get("/admin/accounts/invite/add/").status_code == 403  # sent from console/API
    assert Invite.objects.count() == 1


def test_an_id_that_looks_like_an_admin_escape_still_opens(org, operator) -> None:
    issued = invite_create(
        organization=org.organization, email="esc@example.com", role="member", actor_role="owner"
    )
    Invite.objects.filter(pk=issued.invite.pk).update(id="inv_22abcdefghjkmnpq")

    page = operator.get(f"/admin/accounts/invite/{quote('inv_22abcdefghjkmnpq')}/change/")

    assert page.status_code == 200 and "esc@example.com" in page.content.decode()
