import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client, override_settings

from accounts.models import ApiKey, Membership, Organization, Role, User
from accounts.selectors import api_key_for_secret
from accounts.services import organization_create
from console.middleware import SESSION_ORG_KEY

pytestmark = pytest.mark.django_db


def _confirm_link(message) -> str:
    return next(line for line in message.body.splitlines() if "/app/register/confirm/" in line)


def test_register_creates_org_owner_and_shows_admin_key_once(client) -> None:
    response = client.post(
        "/app/register",
        {
            "organization_name": "Initech",
            "email": "Boss@Initech.example",
            "password": "pw-Strong-123",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/app/register/sent"
    assert not Organization.objects.exists() and not User.objects.exists()  # only with the link
    [message] = mail.outbox
    assert message.to == ["boss@initech.example"]
    path = _confirm_link(message).split("testserver", 1)[1]
    assert "Create Initech" in client.get(path).content.decode()  # GET uses nothing up
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/app/welcome"
    # On its way to the welcome page the secret is not stored on the server, not even in a session.
    sessions = [str(session.get_decoded()) for session in Session.objects.all()]
    assert sessions and not any("sl_admin_" in data for data in sessions)
    org = Organization.objects.get(name="Initech")
    membership = Membership.objects.get(organization=org)
    assert membership.user.email == "boss@initech.example" and membership.role == Role.OWNER
    assert membership.user.check_password("pw-Strong-123")

    welcome = client.get("/app/welcome")
    secret = welcome.context["secret"]
    assert secret.startswith("sl_admin_") and secret in welcome.content.decode()
    assert api_key_for_secret(secret=secret).organization == org
    assert secret not in client.get("/app/welcome").content.decode()  # shown once
    # The link works once.
    assert Client().post(path).status_code == 404
    assert Organization.objects.filter(name="Initech").count() == 1


def test_a_bad_confirmation_link_is_a_404_and_creates_nothing(client) -> None:
    assert client.get("/app/register/confirm/not-a-token").status_code == 404
    assert client.post("/app/register/confirm/not-a-token").status_code == 404
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"organization_name": "", "email": "a@b.example", "password": "pw-Strong-123"},
            "organization_name",
        ),
        ({"organization_name": "X", "email": "not-an-email", "password": "pw-Strong-123"}, "email"),
        ({"organization_name": "X", "email": "a@b.example", "password": "123"}, "password"),
    ],
)
def test_register_errors_show_next_to_the_field_and_create_nothing(client, data, field) -> None:
    response = client.post("/app/register", data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'class="field-error"' in response.content.decode()
    assert not Organization.objects.exists() and not User.objects.exists()


def test_register_answers_the_same_whether_or_not_the_email_has_an_account(client, org) -> None:
    def register(email: str) -> tuple[int, str, int, str]:
        browser = Client()
        data = {"organization_name": "Again", "email": email, "password": "pw-Strong-123"}
        answer = browser.post("/app/register", data)
        page = browser.get(answer["Location"])
        text = page.content.decode().replace(email.lower(), "EMAIL")
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
        return (
            answer.status_code,
            answer["Location"],
            page.status_code,
            re.sub(r'"X-CSRFToken": "[^"]+"', "", text),
        )

    assert register(org.owner.email.upper()) == register("newcomer@example.com")
    assert not Organization.objects.filter(name="Again").exists()
    existing, fresh = mail.outbox
    assert existing.to == [org.owner.email] and "already has an account" in existing.body
    assert "/app/register/confirm/" not in existing.body
    assert fresh.to == ["newcomer@example.com"] and "/app/register/confirm/" in fresh.body
    org.owner.refresh_from_db()
    assert org.owner.check_password("pw-Strong-123")  # untouched


def test_a_confirmation_after_the_address_got_an_account_is_refused(client, org) -> None:
    client.post(
        "/app/register",
        {"organization_name": "Late", "email": "late@example.com", "password": "pw-Strong-123"},
    )
    path = _confirm_link(mail.outbox[-1]).split("testserver", 1)[1]
    organization_create(
        name="Meanwhile", owner_email="late@example.com", owner_password="pw-X-1234"
    )
    assert client.post(path).status_code == 409
    assert not Organization.objects.filter(name="Late").exists()


@override_settings(REGISTER_RATE_LIMIT="2/h")
def test_sign_ups_are_limited_per_client_address(client) -> None:
    for n in range(2):
        data = {"organization_name": "X", "email": f"a{n}@example.com", "password": "pw-Strong-123"}
        assert client.post("/app/register", data, REMOTE_ADDR="10.5.5.5").status_code == 302
    data = {"organization_name": "X", "email": "a9@example.com", "password": "pw-Strong-123"}
    refused = client.post("/app/register", data, REMOTE_ADDR="10.5.5.5")
    assert refused.status_code == 429 and "Too many sign-ups" in refused.content.decode()
    assert len(mail.outbox) == 2


def test_login_and_logout(client, org) -> None:
    assert client.get("/app/keys").status_code == 302  # signed out: to the login page
    response = client.post("/app/login", {"username": org.owner.email, "password": "pw-Strong-123"})
    assert response.status_code == 302
    assert client.get("/app/keys").status_code == 200
    assert client.get("/app/logout").status_code == 405  # logging out is a POST
    client.post("/app/logout")
    assert client.get("/app/keys").status_code == 302


def test_wrong_password_shows_an_error(client, org) -> None:
    response = client.post("/app/login", {"username": org.owner.email, "password": "nope"})
    assert response.status_code == 200 and "didn't match" in response.content.decode()


def test_password_reset_by_email(client, org) -> None:
    client.post("/app/password-reset", {"email": org.owner.email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/app/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "n3w-Secret-pass", "new_password2": "n3w-Secret-pass"},
    )
    assert response.status_code == 302
    signed_in = client.post(
        "/app/login", {"username": org.owner.email, "password": "n3w-Secret-pass"}
    )
    assert signed_in.status_code == 302


def test_org_switch_changes_current_organization(org, owner_client) -> None:
    second = organization_create(name="Second", owner_email=org.owner.email)
    owner_client.post("/app/orgs/switch", {"organization": second.organization.pk})
    assert owner_client.session[SESSION_ORG_KEY] == second.organization.pk
    assert owner_client.get("/app/settings").context["current_organization"] == second.organization


def test_org_switch_to_a_foreign_org_is_404(org, other_org, owner_client) -> None:
    response = owner_client.post("/app/orgs/switch", {"organization": other_org.organization.pk})
    assert response.status_code == 404
    assert owner_client.session.get(SESSION_ORG_KEY) != other_org.organization.pk


def test_new_organization_makes_the_user_its_owner(org, owner_client) -> None:
    response = owner_client.post("/app/orgs/new", {"name": "Side project"})
    assert response.status_code == 302
    new_org = Organization.objects.get(name="Side project")
    assert Membership.objects.get(organization=new_org, user=org.owner).role == Role.OWNER
    assert ApiKey.objects.filter(organization=new_org, scope="admin").exists()


def test_unknown_console_page_is_a_styled_404(client) -> None:
    response = client.get("/app/no-such-page")
    assert response.status_code == 404 and "This page does not exist" in response.content.decode()
