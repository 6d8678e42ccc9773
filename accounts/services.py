"""Writes for organizations, users, memberships and API keys."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, Membership, Organization, Role, Scope, User

LAST_USED_RESOLUTION = timedelta(minutes=1)  # at most one write per key per minute


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once, never stored


def api_key_create(
    *, organization: Organization, scope: str, name: str = "", created_by: User | None = None
) -> IssuedKey:
    if scope not in Scope.values:
        raise ValueError(f"Unknown scope {scope!r}.")
    secret = f"sl_{scope}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        organization=organization,
        name=name or f"{scope.capitalize()} key",
        scope=scope,
        prefix=secret[: len(scope) + 4 + 8],  # "sl_<scope>_" plus eight random characters
        secret_hash=hash_secret(secret),
        created_by=created_by,
    )
    return IssuedKey(key=key, secret=secret)


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_key_mark_used(*, key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


@dataclass(frozen=True)
class NewOrganization:
    organization: Organization
    owner: User
    admin_key: IssuedKey
    ingest_key: IssuedKey


@transaction.atomic
def organization_create(*, name: str, owner_email: str, owner_password: str | None = None) -> NewOrganization:
    """An organization, its owner (created if new), and a default admin and ingest key."""
    organization = Organization.objects.create(name=name)
    owner = User.objects.filter(email__iexact=owner_email).first()
    if owner is None:
        owner = User.objects.create_user(owner_email, owner_password)
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    return NewOrganization(
        organization=organization,
        owner=owner,
        admin_key=api_key_create(organization=organization, scope=Scope.ADMIN, name="Default admin key", created_by=owner),
        ingest_key=api_key_create(organization=organization, scope=Scope.INGEST, name="Default ingest key", created_by=owner),
    )
