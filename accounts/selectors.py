"""Reads for accounts."""

from accounts.models import ApiKey, Membership, Organization, User
from accounts.services import hash_secret


def api_key_for_secret(*, secret: str) -> ApiKey | None:
    """The active key with this secret, or None. Looks up by hash: constant work per request."""
    if not secret.startswith("sl_") or len(secret) > 200:
        return None
    key = ApiKey.objects.select_related("organization").filter(secret_hash=hash_secret(secret)).first()
    if key is None or key.revoked_at is not None:
        return None
    return key


def memberships_for_user(*, user: User) -> list[Membership]:
    return list(Membership.objects.filter(user=user).select_related("organization").order_by("organization__name"))


def membership_get(*, user: User, organization: Organization | str) -> Membership | None:
    org_id = organization if isinstance(organization, str) else organization.pk
    return Membership.objects.filter(user=user, organization_id=org_id).select_related("organization").first()
