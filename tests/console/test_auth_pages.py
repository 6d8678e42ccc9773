import pytest
from django.contrib.sessions.models import Session
from django.core import mail

from accounts.models import ApiKey, Membership, Organization, Role, User
from accounts.selectors import api_key_for_secret
from accounts.services import organization_create
from console.middleware import SESSION_ORG_KEY

pytestmark = pytest.mark.django_db


def test_register_creates_org_owner_and_shows_admin_key_once(client) -> None:
    response = client.post(
        "/app/register",
        {
            "organization_name": "Initech",
            "email": "Boss@Initech.example",
            "password": "pw-Strong-123",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/app/welcome"
    # On its way to the welcome page the secret is not stored on the server, not even in a session.
    sessions = [str(session.get_decoded()) for session in Session.objects.all()]
    assert sessions and not any("sl_admin_" in data for data in sessions)
    org = Organization.objects.get(name="Initech")
    membership = Membership.objects.get(organization=org)
    assert membership.user.email == "boss@initech.example" and membership.role == Role.OWNER

    welcome = client.get("/app/welcome")
    secret = welcome.context["secret"]
    assert secret.startswith("sl_admin_") and secret in welcome.content.decode()
    assert api_key_for_secret(secret=secret).organization == org
    assert secret not in client.get("/app/welcome").content.decode()  # shown once


def test_register_shows_the_ingest_key_once_and_the_curl_uses_it(client) -> None:
    client.post(
        "/app/register",
        {"organization_name": "Initech", "email": "a@initech.example", "password": "pw-Strong-123"},
    )
    sessions = [str(session.get_decoded()) for session in Session.objects.all()]
    assert not any("sl_ingest_" in data for data in sessions)
    welcome = client.get("/app/welcome")
    page = welcome.content.decode()
    ingest = welcome.context["ingest_secret"]
    key = api_key_for_secret(secret=ingest)
    assert key.scope == "ingest" and key.organization.name == "Initech"
    assert ingest in page
    curl = page[page.index("curl -X POST") :]
    assert "Bearer $SIGHTLINE_INGEST_KEY" in curl[: curl.index("</code>")]
    assert ingest not in client.get("/app/welcome").content.decode()  # shown once


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


def test_register_with_existing_email_is_refused(client, org) -> None:
    response = client.post(
        "/app/register",
        {"organization_name": "Again", "email": org.owner.email, "password": "pw-Strong-123"},
    )
    assert "email" in response.context["form"].errors
    assert not Organization.objects.filter(name="Again").exists()


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
