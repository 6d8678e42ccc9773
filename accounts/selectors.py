"""Reads for accounts."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from accounts.models import ApiKey, Invite, Membership, Organization, User
from accounts.services import hash_secret
from core.errors import NotFound
from core.prepared import PreparedQuery, field_names

_KEY_FIELDS = field_names(ApiKey)
_ORGANIZATION_FIELDS = field_names(Organization)
# Every API request reads its key: compiled once, fresh from the database on every call (a
# revoked key is refused by the very next request in every process).
_key_by_hash = PreparedQuery(
    lambda secret_hash: ApiKey.objects.filter(secret_hash=secret_hash).values_list(
        *_KEY_FIELDS, *field_names(Organization, prefix="organization__")
    ),
    "secret_hash",
)


def api_key_for_secret(*, secret: str) -> ApiKey | None:
    """The active key with this secret (its organization loaded), or None. Looks up by hash:
    constant work per request."""
    if not secret.startswith("sl_") or len(secret) > 200:
        return None
    row = _key_by_hash.first(hash_secret(secret))
    if row is None:
        return None
    key = ApiKey.from_db("default", _KEY_FIELDS, row[: len(_KEY_FIELDS)])
    if key.revoked_at is not None:
        return None
    key.organization = Organization.from_db(
        "default", _ORGANIZATION_FIELDS, row[len(_KEY_FIELDS) :]
    )
    return key


def memberships_for_user(*, user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


def membership_get(*, user: User, organization: Organization | str) -> Membership | None:
    org_id = organization if isinstance(organization, str) else organization.pk
    return (
        Membership.objects.filter(user=user, organization_id=org_id)
        .select_related("organization")
        .first()
    )


def member_list(*, organization: Organization) -> list[Membership]:
    return list(
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("created_at")
    )


def member_get(*, organization: Organization, membership_id: int | str) -> Membership:
    """Another organization's membership is NotFound, like a missing one."""
    membership = (
        Membership.objects.select_related("user", "organization")
        .filter(organization=organization, pk=_int_or_none(membership_id))
        .first()
    )
    if membership is None:
        raise NotFound("Not found.")
    return membership


def invite_pending_list(*, organization: Organization) -> list[Invite]:
    return list(
        Invite.objects.filter(
            organization=organization,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invite_get(*, organization: Organization, invite_id: str) -> Invite:
    invite = Invite.objects.filter(organization=organization, pk=invite_id).first()
    if invite is None:
        raise NotFound("Not found.")
    return invite


def api_key_list(*, organization: Organization) -> list[ApiKey]:
    return list(
        ApiKey.objects.filter(organization=organization)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at")
    )


def api_key_get(*, organization: Organization, key_id: str) -> ApiKey:
    key = ApiKey.objects.filter(organization=organization, pk=key_id).first()
    if key is None:
        raise NotFound("Not found.")
    return key


def _int_or_none(value: int | str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def user_exists(*, email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def organization_retention_start(
    *, organization: Organization | str, now: datetime | None = None
) -> datetime:
    """The oldest moment the organization's reads may see: `retention_days` before the next
    whole minute (UTC), so the bound - part of every cache key - holds for a minute, and is
    never older than the retention allows. `organization` may be an id (one small read)."""
    if isinstance(organization, str):
        days = Organization.objects.filter(pk=organization).values_list("retention_days", flat=True)
        retention_days = days.first()
        if retention_days is None:
            raise NotFound("Not found.")
    else:
        retention_days = organization.retention_days
    moment = (now or timezone.now()).astimezone(UTC)
    floored = moment.replace(second=0, microsecond=0)
    next_minute = floored if floored == moment else floored + timedelta(minutes=1)
    return next_minute - timedelta(days=retention_days)


def organization_retention_list() -> list[tuple[str, int]]:
    """(organization id, retention days) of every organization, for the retention job."""
    return list(Organization.objects.order_by("pk").values_list("pk", "retention_days"))
