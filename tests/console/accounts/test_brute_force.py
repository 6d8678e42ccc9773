"""Brute force: failed logins lock an account and a client address out of the console and the
admin (django-axes), password-reset e-mails are rate limited per e-mail and per address, and an
owner created without a password can reset it."""

import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings

from accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN_PAGES = ["/app/login", "/admin/login/"]


def _login(client: Client, path: str, email: str, password: str):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR="10.1.1.1")


@pytest.mark.parametrize("path", LOGIN_PAGES)
@override_settings(AXES_FAILURE_LIMIT=3)
def test_failed_logins_lock_the_account_even_with_the_right_password(client, org, path) -> None:
    org.owner.is_staff = org.owner.is_superuser = True  # so the admin would let them in
    org.owner.save()
    for _ in range(2):
        assert _login(client, path, org.owner.email, "wrong").status_code == 200
    locked = _login(client, path, org.owner.email.upper(), "wrong")  # case folded: one account
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    right = _login(client, path, org.owner.email, "pw-Strong-123")
    assert right.status_code == 429  # locked: the right password does not get in either
    assert "_auth_user_id" not in client.session
    # From another address too: the account itself is locked.
    other = Client().post(
        path, {"username": org.owner.email, "password": "pw-Strong-123"}, REMOTE_ADDR="10.2.2.2"
    )
    assert other.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_one_address_guessing_many_accounts_is_locked(client, org, other_org) -> None:
    for n in range(3):
        _login(client, "/app/login", f"nobody{n}@example.com", "guess")
    assert _login(client, "/app/login", org.owner.email, "pw-Strong-123").status_code == 429
    # Another address logs in to the same account as usual.
    fine = Client().post(
        "/app/login",
        {"username": org.owner.email, "password": "pw-Strong-123"},
        REMOTE_ADDR="10.3.3.3",
    )
    assert fine.status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_successful_login_resets_the_count(client, org) -> None:
    for _ in range(2):
        _login(client, "/app/login", org.owner.email, "wrong")
    assert _login(client, "/app/login", org.owner.email, "pw-Strong-123").status_code == 302
    client.post("/app/logout")
    for _ in range(2):
        assert _login(client, "/app/login", org.owner.email, "wrong").status_code == 200


def _reset(client: Client, email: str, address: str = "10.9.9.9"):
    return client.post("/app/password-reset", {"email": email}, REMOTE_ADDR=address)


@override_settings(PASSWORD_RESET_EMAIL_RATE_LIMIT="2/h", PASSWORD_RESET_CLIENT_RATE_LIMIT="100/h")
def test_reset_emails_are_limited_per_account(client, org) -> None:
    for _ in range(2):
        assert _reset(client, org.owner.email).status_code == 302
    refused = _reset(client, org.owner.email.upper(), address="10.8.8.8")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many password reset requests. No e-mail was sent" in refused.content.decode()
    assert len(mail.outbox) == 2
    # An address without an account gets the same answer: the limit tells nothing.
    for _ in range(2):
        assert _reset(client, "nobody@example.com").status_code == 302
    assert _reset(client, "nobody@example.com").status_code == 429


@override_settings(PASSWORD_RESET_EMAIL_RATE_LIMIT="100/h", PASSWORD_RESET_CLIENT_RATE_LIMIT="3/h")
def test_reset_emails_are_limited_per_client_address(client, org, other_org) -> None:
    for n in range(3):
        assert _reset(client, f"someone{n}@example.com").status_code == 302
    assert _reset(client, org.owner.email).status_code == 429
    assert len(mail.outbox) == 0
    assert _reset(client, org.owner.email, address="10.7.7.7").status_code == 302
    assert len(mail.outbox) == 1


def test_a_bad_reset_form_is_an_error_and_sends_nothing(client) -> None:
    response = _reset(client, "not-an-email")
    assert response.status_code == 200 and "email" in response.context["form"].errors
    assert len(mail.outbox) == 0


def test_an_owner_created_without_a_password_sets_one_by_reset(client) -> None:
    out = io.StringIO()
    call_command("createorg", "Hooli", "--owner-email", "gavin@hooli.example", stdout=out)
    assert json.loads(out.getvalue())["org_id"]
    owner = User.objects.get(email="gavin@hooli.example")
    assert not owner.has_usable_password()
    assert _reset(client, "gavin@hooli.example").status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["gavin@hooli.example"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/app/password-reset/" in line)
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "n3w-Secret-pass", "new_password2": "n3w-Secret-pass"},
    )
    assert done.status_code == 302
    signed_in = _login(Client(), "/app/login", "gavin@hooli.example", "n3w-Secret-pass")
    assert signed_in.status_code == 302
