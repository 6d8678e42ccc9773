"""Signing up without telling anyone which e-mail addresses have an account.

`registration_request` answers the same way whatever the address: it hashes the password and
sends one e-mail. To a new address the e-mail carries a link that creates the organization and
its owner (`registration_confirm`); to an address that has an account it says so and links to
logging in and resetting the password. Nothing is written to the database until the link is
used: the pending sign-up (the password already hashed) waits in the cache under the hash of the
link's random token, for REGISTRATION_TTL.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction

from accounts.models import User
from accounts.services import NewOrganization, organization_create
from core.errors import Conflict, NotFound
from core.text import one_line

REGISTRATION_TTL = 2 * 24 * 3600
CACHE_PREFIX = "sightline:registration:"


@dataclass(frozen=True)
class PendingRegistration:
    email: str
    organization_name: str


def _cache_key(token: str) -> str:
    return CACHE_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def registration_request(*, email: str, organization_name: str, password: str) -> None:
    """Sends the e-mail that finishes the sign-up, or says the address has an account."""
    email = email.strip().lower()
    password_hash = make_password(password)  # on both paths: the same work, the same time
    if User.objects.filter(email__iexact=email).exists():
        _send(
            email,
            "You already have a Sightline account",
            "Someone, hopefully you, tried to create a Sightline organization with this e-mail"
            " address. It already has an account: log in, then create the organization from"
            f" the console.\n\nLog in: {settings.PUBLIC_URL}/app/login\n"
            f"Forgot your password? {settings.PUBLIC_URL}/app/password-reset\n\n"
            "If it was not you, you can ignore this e-mail.\n",
        )
        return
    token = secrets.token_urlsafe(32)
    pending = {"email": email, "organization_name": organization_name, "password": password_hash}
    cache.set(_cache_key(token), pending, timeout=REGISTRATION_TTL)
    _send(
        email,
        f"Finish creating {organization_name} on Sightline",
        f"Use this link to create {organization_name} on Sightline and sign in (it works once,"
        f" for two days):\n{settings.PUBLIC_URL}/app/register/confirm/{token}\n\n"
        "If it was not you, you can ignore this e-mail: nothing is created without the link.\n",
    )


def _send(email: str, subject: str, body: str) -> None:
    send_mail(subject=one_line(subject), message=body, from_email=None, recipient_list=[email])


def registration_pending(*, token: str) -> PendingRegistration:
    """What the link would create; NotFound for an unknown, used or expired link."""
    pending = cache.get(_cache_key(token))
    if not isinstance(pending, dict):
        raise NotFound("This link has expired or was already used; register again.")
    return PendingRegistration(
        email=pending["email"], organization_name=pending["organization_name"]
    )


def registration_confirm(*, token: str) -> NewOrganization:
    """Creates the owner and the organization of a pending sign-up, once."""
    key = _cache_key(token)
    pending = cache.get(key)
    if not isinstance(pending, dict) or not cache.delete(key):
        raise NotFound("This link has expired or was already used; register again.")
    if User.objects.filter(email__iexact=pending["email"]).exists():
        raise Conflict("An account with this e-mail exists now: log in instead.")
    with transaction.atomic():
        created = organization_create(
            name=pending["organization_name"], owner_email=pending["email"]
        )
        created.owner.password = pending["password"]
        created.owner.save(update_fields=["password"])
    return created
