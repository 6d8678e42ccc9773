from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, Invite, Membership, Organization, Role, User
from accounts.selectors import api_key_for_secret
from accounts.services import api_key_create, invite_create
from tests.console.conftest import add_member

pytestmark = pytest.mark.django_db


# --- API keys ------------------------------------------------------------------------------


def test_create_key_shows_secret_once(org, admin_client, htmx) -> None:
    response = admin_client.post("/app/keys", {"name": "Backend", "scope": "ingest"}, headers=htmx)
    assert response.status_code == 200
    secret = response.context["issued"].secret
    assert secret in response.content.decode() and "Copy" in response.content.decode()
    assert api_key_for_secret(secret=secret).scope == "ingest"
    assert secret not in admin_client.get("/app/keys").content.decode()


def test_key_list_shows_prefix_scope_and_last_used(org, member_client) -> None:
    page = member_client.get("/app/keys").content.decode()
    assert org.admin_key.key.prefix in page and org.admin_key.secret not in page


def test_create_key_with_bad_scope_is_an_error_next_to_the_field(org, admin_client) -> None:
    before = ApiKey.objects.count()
    response = admin_client.post("/app/keys", {"name": "x", "scope": "root"})
    assert response.status_code == 400 and "scope" in response.context["form"].errors
    assert ApiKey.objects.count() == before


def test_member_cannot_create_or_revoke_keys(org, member_client, htmx) -> None:
    before = ApiKey.objects.count()
    assert member_client.post("/app/keys", {"scope": "admin"}).status_code == 403
    assert member_client.post("/app/keys", {"scope": "admin"}, headers=htmx).status_code == 403
    assert member_client.post(f"/app/keys/{org.admin_key.key.pk}/revoke").status_code == 403
    assert (
        ApiKey.objects.count() == before and ApiKey.objects.get(pk=org.admin_key.key.pk).is_active
    )


def test_revoke_key(org, admin_client) -> None:
    admin_client.post(f"/app/keys/{org.ingest_key.key.pk}/revoke")
    assert api_key_for_secret(secret=org.ingest_key.secret) is None


def test_revoking_another_orgs_key_is_404(org, other_org, admin_client) -> None:
    response = admin_client.post(f"/app/keys/{other_org.admin_key.key.pk}/revoke")
    assert response.status_code == 404
    assert api_key_for_secret(secret=other_org.admin_key.secret) is not None


# --- Team ----------------------------------------------------------------------------------


def _invite_token() -> str:
    body = mail.outbox[-1].body
    return next(line for line in body.splitlines() if "/app/invites/" in line).rsplit("/", 1)[1]


def test_invite_new_person_who_accepts_with_a_password(org, admin_client, client) -> None:
    response = admin_client.post("/app/team", {"email": "New@Example.com", "role": "admin"})
    assert response.status_code == 200
    invite = Invite.objects.get(organization=org.organization)
    assert invite.email == "new@example.com" and mail.outbox[-1].to == ["new@example.com"]
    token = _invite_token()
    assert token not in str(Invite.objects.values().get(pk=invite.pk))  # only the hash is stored

    response = client.post(f"/app/invites/{token}", {"name": "Nia", "password": "pw-Strong-123"})
    assert response.status_code == 302
    membership = Membership.objects.get(
        organization=org.organization, user__email="new@example.com"
    )
    assert membership.role == Role.ADMIN
    assert client.get("/app/settings").status_code == 200  # signed in

    assert (
        client.post(f"/app/invites/{token}", {"password": "pw-Strong-123"}).status_code == 404
    )  # single use


def test_existing_user_accepts_when_signed_in_with_that_address(
    org, other_org, admin_client, console_for
) -> None:
    admin_client.post("/app/team", {"email": other_org.owner.email, "role": "member"})
    token = _invite_token()
    stranger = console_for(add_member(other_org.organization, Role.MEMBER))
    assert stranger.post(f"/app/invites/{token}").status_code == 403  # bound to the invited e-mail
    invitee = console_for(other_org.owner)
    assert invitee.post(f"/app/invites/{token}").status_code == 302
    assert (
        Membership.objects.get(organization=org.organization, user=other_org.owner).role
        == Role.MEMBER
    )


def test_expired_invite_cannot_be_accepted(org, client) -> None:
    issued = invite_create(
        organization=org.organization, email="late@example.com", role="member", actor_role="owner"
    )
    Invite.objects.filter(pk=issued.invite.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(f"/app/invites/{issued.token}").status_code == 404
    assert (
        client.post(f"/app/invites/{issued.token}", {"password": "pw-Strong-123"}).status_code
        == 404
    )
    assert not User.objects.filter(email="late@example.com").exists()


def test_reinvite_replaces_the_pending_invite(org) -> None:
    first = invite_create(
        organization=org.organization, email="a@example.com", role="member", actor_role="admin"
    )
    invite_create(
        organization=org.organization, email="a@example.com", role="member", actor_role="admin"
    )
    assert Client().get(f"/app/invites/{first.token}").status_code == 404


def test_invite_form_errors(org, admin_client) -> None:
    response = admin_client.post("/app/team", {"email": "nope", "role": "member"})
    assert response.status_code == 400 and "email" in response.context["form"].errors
    response = admin_client.post("/app/team", {"email": org.owner.email, "role": "member"})
    assert response.status_code == 400 and "already a member" in str(
        response.context["form"].errors["email"]
    )
    assert not Invite.objects.exists()


def test_member_cannot_invite(org, member_client) -> None:
    assert (
        member_client.post("/app/team", {"email": "x@example.com", "role": "member"}).status_code
        == 403
    )
    assert not Invite.objects.exists()


def test_admin_cannot_invite_an_owner(org, admin_client) -> None:
    response = admin_client.post("/app/team", {"email": "x@example.com", "role": "owner"})
    assert response.status_code == 400 and not Invite.objects.exists()


def test_owner_only_role_rules(org, admin_client, owner_client) -> None:
    owner_membership = Membership.objects.get(user=org.owner, organization=org.organization)
    member = Membership.objects.create(
        user=User.objects.create_user("m@example.com", "x"), organization=org.organization
    )
    # an admin can promote a member to admin, but not to owner, and cannot touch an owner
    assert (
        admin_client.post(f"/app/team/members/{member.pk}/role", {"role": "admin"}).status_code
        == 302
    )
    assert (
        admin_client.post(f"/app/team/members/{member.pk}/role", {"role": "owner"}).status_code
        == 403
    )
    assert (
        admin_client.post(
            f"/app/team/members/{owner_membership.pk}/role", {"role": "member"}
        ).status_code
        == 403
    )
    assert admin_client.post(f"/app/team/members/{owner_membership.pk}/remove").status_code == 403
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER
    # the owner can make someone else owner; the last owner can never be demoted or removed
    assert (
        owner_client.post(
            f"/app/team/members/{owner_membership.pk}/role", {"role": "admin"}
        ).status_code
        == 409
    )
    assert owner_client.post(f"/app/team/members/{owner_membership.pk}/remove").status_code == 409
    assert (
        owner_client.post(f"/app/team/members/{member.pk}/role", {"role": "owner"}).status_code
        == 302
    )
    member.refresh_from_db()
    assert member.role == Role.OWNER


def test_member_cannot_change_roles_or_remove(org, member_client, admin_user) -> None:
    target = Membership.objects.get(user=admin_user)
    assert (
        member_client.post(f"/app/team/members/{target.pk}/role", {"role": "member"}).status_code
        == 403
    )
    assert member_client.post(f"/app/team/members/{target.pk}/remove").status_code == 403
    assert Membership.objects.get(pk=target.pk).role == Role.ADMIN


def test_admin_removes_a_member(org, admin_client, member_user) -> None:
    target = Membership.objects.get(user=member_user)
    assert admin_client.post(f"/app/team/members/{target.pk}/remove").status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()


def test_another_orgs_member_and_invite_are_404(org, other_org, owner_client) -> None:
    foreign = Membership.objects.get(user=other_org.owner)
    issued = invite_create(
        organization=other_org.organization,
        email="z@example.com",
        role="member",
        actor_role="owner",
    )
    assert (
        owner_client.post(f"/app/team/members/{foreign.pk}/role", {"role": "member"}).status_code
        == 404
    )
    assert owner_client.post(f"/app/team/members/{foreign.pk}/remove").status_code == 404
    assert owner_client.post(f"/app/team/invites/{issued.invite.pk}/revoke").status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()
    assert Invite.objects.get(pk=issued.invite.pk).revoked_at is None


def test_team_page_lists_only_own_members(org, other_org, member_client) -> None:
    page = member_client.get("/app/team").content.decode()
    assert org.owner.email in page and other_org.owner.email not in page


# --- Settings ------------------------------------------------------------------------------

GOOD_SETTINGS = {
    "name": "Acme Inc",
    "allowed_embed_origins": "https://app.acme.example\nhttp://localhost:3000/",
    "default_timezone": "Europe/Paris",
    "retention_days": "180",
}


def test_admin_saves_settings(org, admin_client) -> None:
    assert admin_client.post("/app/settings", GOOD_SETTINGS).status_code == 302
    organization = Organization.objects.get(pk=org.organization.pk)
    assert organization.name == "Acme Inc" and organization.default_timezone == "Europe/Paris"
    assert organization.allowed_embed_origins == [
        "https://app.acme.example",
        "http://localhost:3000",
    ]
    assert organization.retention_days == 180


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("allowed_embed_origins", "ftp://files.example"),
        ("allowed_embed_origins", "https://app.example/path"),
        ("allowed_embed_origins", "not a url"),
        ("default_timezone", "Mars/Olympus"),
        ("retention_days", "0"),
        ("name", ""),
    ],
)
def test_settings_errors_show_next_to_the_field(org, admin_client, field, value) -> None:
    response = admin_client.post("/app/settings", {**GOOD_SETTINGS, field: value})
    assert response.status_code == 400 and field in response.context["form"].errors
    assert Organization.objects.get(pk=org.organization.pk).name == "Acme"


@pytest.mark.parametrize("origin", ["http://[::1]:8000", "https://[2001:db8::1]"])
def test_an_ipv6_origin_is_refused_with_the_reason_not_saved_and_dropped(
    org, admin_client, origin
) -> None:
    """Browsers cannot match an IPv6 literal in frame-ancestors (Chromium reads the directive
    as 'none'), so such an origin could never frame an embed: refused when saved, with the
    way out, instead of being stored and then left out of every header."""
    response = admin_client.post(
        "/app/settings", {**GOOD_SETTINGS, "allowed_embed_origins": origin}
    )
    assert response.status_code == 400
    message = " ".join(response.context["form"].errors["allowed_embed_origins"])
    assert "IPv6" in message and "host name" in message
    assert Organization.objects.get(pk=org.organization.pk).allowed_embed_origins == []


def test_member_cannot_change_settings(org, member_client) -> None:
    assert member_client.get("/app/settings").status_code == 200  # reading is fine
    assert member_client.post("/app/settings", GOOD_SETTINGS).status_code == 403
    assert Organization.objects.get(pk=org.organization.pk).name == "Acme"


def test_only_an_owner_deletes_the_organization(org, admin_client, owner_client) -> None:
    assert admin_client.post("/app/settings/delete", {"confirm_name": "Acme"}).status_code == 403
    owner_client.post("/app/settings/delete", {"confirm_name": "wrong"})
    assert Organization.objects.filter(pk=org.organization.pk).exists()
    owner_client.post("/app/settings/delete", {"confirm_name": "Acme"})
    assert not Organization.objects.filter(pk=org.organization.pk).exists()


def test_console_pages_need_a_session(client) -> None:
    for path in ("/app/keys", "/app/team", "/app/settings"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/app/login")


def test_keys_page_shows_only_own_keys(org, other_org, owner_client) -> None:
    api_key_create(organization=other_org.organization, scope="read", name="Globex secret key")
    assert "Globex secret key" not in owner_client.get("/app/keys").content.decode()


def test_htmx_requests_carry_the_csrf_token_from_the_body(org) -> None:
    """HTMX sends <body hx-headers> on every request; without the token a POST is refused."""
    import json
    import re

    client = Client(enforce_csrf_checks=True)
    client.force_login(org.owner)
    page = client.get("/app/keys").content.decode()
    headers = json.loads(re.search(r"hx-headers='([^']+)'", page).group(1))
    assert (
        client.post("/app/keys", {"scope": "read"}, headers={"HX-Request": "true"}).status_code
        == 403
    )
    response = client.post(
        "/app/keys", {"scope": "read"}, headers={"HX-Request": "true", **headers}
    )
    assert response.status_code == 200 and response.context["issued"].key.scope == "read"


def test_a_refused_htmx_action_becomes_a_toast(org, member_client, htmx) -> None:
    response = member_client.post(f"/app/keys/{org.admin_key.key.pk}/revoke", headers=htmx)
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#toasts" and "toast-error" in response.content.decode()


def test_the_last_owner_is_marked_and_cannot_be_removed_from_the_page(org, owner_client) -> None:
    page = owner_client.get("/app/team").content.decode()
    assert "last owner" in page


def test_admins_see_the_webhook_secret_members_do_not(org, admin_client, member_client) -> None:
    secret = Organization.objects.get(pk=org.organization.pk).webhook_secret

    assert secret in admin_client.get("/app/settings").content.decode()
    assert secret not in member_client.get("/app/settings").content.decode()
