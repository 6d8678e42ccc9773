import pytest
from django.core import mail

from accounts.models import Invite, Membership, Role
from accounts.services import invite_create
from tests.console.conftest import add_member

pytestmark = pytest.mark.django_db


def test_invite_by_api_emails_the_link_and_never_returns_it(api, org) -> None:
    response = api.post(
        "/v1/members/invite", {"email": "Dev@Example.com", "role": "admin"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (
        body["email"] == "dev@example.com"
        and body["role"] == "admin"
        and body["status"] == "pending"
    )
    assert body["id"].startswith("inv_") and "token" not in body and "accept_url" not in body
    assert mail.outbox[-1].to == ["dev@example.com"] and "/app/invites/" in mail.outbox[-1].body
    assert Invite.objects.get(pk=body["id"]).organization == org.organization


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "nope", "role": "member"}, "email"),
        ({"email": "a@b.example", "role": "god"}, "role"),
        ({}, "email"),
    ],
)
def test_invite_bad_input_is_400_with_details(api, payload, field) -> None:
    response = api.post("/v1/members/invite", payload, format="json")
    assert response.status_code == 400
    assert field in [d["field"] for d in response.json()["error"]["details"]]
    assert not Invite.objects.exists()


def test_api_key_cannot_invite_an_owner(api) -> None:
    response = api.post(
        "/v1/members/invite", {"email": "a@b.example", "role": "owner"}, format="json"
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert not Invite.objects.exists()


def test_inviting_a_member_again_is_409(api, org) -> None:
    response = api.post(
        "/v1/members/invite", {"email": org.owner.email, "role": "member"}, format="json"
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_member"


def test_members_api_needs_an_admin_key(client_for, org, read_key) -> None:
    for secret in (org.ingest_key.secret, read_key.secret):
        client = client_for(secret)
        assert (
            client.post("/v1/members/invite", {"email": "a@b.example"}, format="json").status_code
            == 403
        )
        assert client.get("/v1/members").status_code == 403
    assert not Invite.objects.exists()


def test_members_api_without_key_is_401(client) -> None:
    response = client.post(
        "/v1/members/invite", {"email": "a@b.example"}, content_type="application/json"
    )
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
    assert client.get("/v1/members").status_code == 401


def test_list_members_of_own_org_only(api, org, other_org) -> None:
    rows = api.get("/v1/members").json()["results"]
    assert [row["email"] for row in rows] == [org.owner.email]
    assert rows[0]["role"] == "owner"


def test_change_role_and_remove(api, org) -> None:
    member = Membership.objects.get(user=add_member(org.organization, Role.MEMBER))
    response = api.patch(f"/v1/members/{member.pk}", {"role": "admin"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "admin"
    assert api.patch(f"/v1/members/{member.pk}", {"role": "boss"}, format="json").status_code == 400
    assert api.delete(f"/v1/members/{member.pk}").status_code == 204
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_api_key_cannot_touch_owners(api, org) -> None:
    owner = Membership.objects.get(user=org.owner)
    assert (
        api.patch(f"/v1/members/{owner.pk}", {"role": "member"}, format="json").status_code == 403
    )
    assert api.delete(f"/v1/members/{owner.pk}").status_code == 403
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_another_orgs_member_and_invite_are_404(api, other_org) -> None:
    foreign = Membership.objects.get(user=other_org.owner)
    issued = invite_create(
        organization=other_org.organization,
        email="z@example.com",
        role="member",
        actor_role="owner",
    )
    assert api.get(f"/v1/members/{foreign.pk}").status_code == 404
    assert (
        api.patch(f"/v1/members/{foreign.pk}", {"role": "member"}, format="json").status_code == 404
    )
    assert api.delete(f"/v1/members/{foreign.pk}").status_code == 404
    assert api.delete(f"/v1/members/invites/{issued.invite.pk}").status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()
    assert Invite.objects.get(pk=issued.invite.pk).revoked_at is None


def test_list_and_revoke_invites(api, org) -> None:
    created = api.post("/v1/members/invite", {"email": "x@example.com"}, format="json").json()
    listed = api.get("/v1/members/invites").json()["results"]
    assert [row["id"] for row in listed] == [created["id"]]
    assert api.delete(f"/v1/members/invites/{created['id']}").status_code == 204
    assert api.get("/v1/members/invites").json()["results"][0]["status"] == "revoked"


def test_an_admin_key_cannot_cancel_an_owners_pending_owner_invite(api, org) -> None:
    owner_invite = invite_create(
        organization=org.organization, email="boss@example.com", role="owner", actor_role="owner"
    )

    # Re-inviting replaces the pending invite: for an owner invite that is an owner-only revoke.
    response = api.post(
        "/v1/members/invite", {"email": "boss@example.com", "role": "member"}, format="json"
    )

    assert response.status_code == 403
    owner_invite.invite.refresh_from_db()
    assert owner_invite.invite.revoked_at is None
    assert Invite.objects.filter(organization=org.organization).count() == 1
