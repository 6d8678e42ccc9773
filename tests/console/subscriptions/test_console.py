"""/app/subscriptions: the operator's list of viewers' subscriptions (filters), pause /
resume and delete; members read only; another organization's subscription is a 404."""

import pytest

from subscriptions.models import Status, Subscription
from tests.embeds.conftest import TENANT_A, TENANT_B
from tests.subscriptions.conftest import link_path, links, viewer_permissions

pytestmark = pytest.mark.django_db
DIGEST = {"kind": "digest", "email": "viewer@example.com", "frequency": "daily"}


@pytest.fixture
def made(issue, subscribe, client, mailoutbox):
    def make(*, email="viewer@example.com", tenant_id=TENANT_A, confirm=True):
        token = issue(tenant_id=tenant_id, permissions=viewer_permissions())
        subscription_id = subscribe(token, **{**DIGEST, "email": email}).json()["id"]
        if confirm:
            client.post(link_path("confirm", links(mailoutbox[-1])["confirm"]))
        return subscription_id

    return make


def test_the_list_shows_and_filters_subscriptions(owner_client, made):
    made()
    made(email="b@example.com", tenant_id=TENANT_B, confirm=False)
    page = owner_client.get("/app/subscriptions").content.decode()
    assert "viewer@example.com" in page and "b@example.com" in page
    assert "Daily digest" in page and "Waiting for confirmation" in page
    narrowed = owner_client.get("/app/subscriptions", {"status": "pending"}).content.decode()
    assert "b@example.com" in narrowed and "viewer@example.com" not in narrowed
    by_tenant = owner_client.get("/app/subscriptions", {"tenant_id": TENANT_A}).content.decode()
    assert "viewer@example.com" in by_tenant and "b@example.com" not in by_tenant
    assert (
        "No subscriptions match"
        in owner_client.get("/app/subscriptions", {"tenant_id": "nobody"}).content.decode()
    )


def test_pause_resume_and_delete(owner_client, made, htmx):
    subscription_id = made()
    url = f"/app/subscriptions/{subscription_id}"
    row = owner_client.post(f"{url}/pause", headers=htmx)
    assert row.status_code == 200 and "Resume" in row.content.decode()
    assert Subscription.objects.get(pk=subscription_id).status == Status.PAUSED
    owner_client.post(f"{url}/pause")
    assert Subscription.objects.get(pk=subscription_id).status == Status.ACTIVE
    assert owner_client.post(f"{url}/delete", headers=htmx).content == b""
    assert not Subscription.objects.filter(pk=subscription_id).exists()


def test_members_read_but_cannot_change(member_client, made):
    subscription_id = made()
    assert "viewer@example.com" in member_client.get("/app/subscriptions").content.decode()
    assert member_client.post(f"/app/subscriptions/{subscription_id}/delete").status_code == 403
    assert Subscription.objects.filter(pk=subscription_id).exists()


def test_another_organizations_subscription_is_a_404(other_org, console_for, made):
    subscription_id = made()
    other = console_for(other_org.owner)
    assert "viewer@example.com" not in other.get("/app/subscriptions").content.decode()
    assert other.post(f"/app/subscriptions/{subscription_id}/delete").status_code == 404
    assert Subscription.objects.filter(pk=subscription_id).exists()
