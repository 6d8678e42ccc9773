"""Writes for organizations, users, memberships and API keys."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import (
    ApiKey,
    Invite,
    KeyScope,
    Membership,
    Organization,
    Role,
    User,
    role_allows,
)
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.text import one_line
from core.timezones import is_known_timezone

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
    if scope not in KeyScope.values:
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
def organization_create(
    *, name: str, owner_email: str, owner_password: str | None = None
) -> NewOrganization:
    """An organization, its owner (created if new), and a default admin and ingest key."""
    organization = Organization.objects.create(name=name)
    owner = User.objects.filter(email__iexact=owner_email).first()
    if owner is None:
        owner = User.objects.create_user(owner_email, owner_password)
    Membership.objects.create(user=owner, organization=organization, role=Role.OWNER)
    return NewOrganization(
        organization=organization,
        owner=owner,
        admin_key=api_key_create(
            organization=organization,
            scope=KeyScope.ADMIN,
            name="Default admin key",
            created_by=owner,
        ),
        ingest_key=api_key_create(
            organization=organization,
            scope=KeyScope.INGEST,
            name="Default ingest key",
            created_by=owner,
        ),
    )


# --- Team: invites and roles ---------------------------------------------------------------
# Role rules, the same for the console and the API (an admin API key acts as an admin):
# members read only; admins manage admins and members; only owners grant, change or remove
# the owner role; an organization always keeps at least one owner.

INVITE_TTL = timedelta(days=7)


def _require_editor(actor_role: str) -> None:
    if not role_allows(actor_role, Role.ADMIN):
        raise Forbidden("Members have read-only access; ask an admin or owner.")


def _require_owner_for(actor_role: str, *roles: str) -> None:
    if Role.OWNER in roles and actor_role != Role.OWNER:
        raise Forbidden("Only an owner can grant, change or remove the owner role.")


def _validate_role(role: str, field: str = "role") -> None:
    if role not in Role.values:
        raise InvalidInput(
            "Unknown role.",
            details=[{"field": field, "message": f"Choose one of {', '.join(Role.values)}."}],
        )


@dataclass(frozen=True)
class IssuedInvite:
    invite: Invite
    token: str  # only in the e-mailed link, never stored

    @property
    def accept_url(self) -> str:
        return f"{settings.PUBLIC_URL}/app/invites/{self.token}"


def invite_create(
    *,
    organization: Organization,
    email: str,
    role: str,
    actor_role: str,
    invited_by: User | None = None,
) -> IssuedInvite:
    """A new single-use invite, e-mailed at once. A pending invite to the same address is
    replaced, so re-inviting is how a lost e-mail is re-sent."""
    _require_editor(actor_role)
    _validate_role(role)
    _require_owner_for(actor_role, role)
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise Conflict(f"{email} is already a member of this organization.", code="already_member")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        replaced = _pending_invites(organization).select_for_update().filter(email__iexact=email)
        # Replacing an invite revokes it: the same owner-only rule as invite_revoke applies.
        _require_owner_for(actor_role, *replaced.values_list("role", flat=True))
        replaced.update(revoked_at=timezone.now())
        invite = Invite.objects.create(
            organization=organization,
            email=email,
            role=role,
            token_hash=hash_secret(token),
            invited_by=invited_by,
            expires_at=timezone.now() + INVITE_TTL,
        )
    issued = IssuedInvite(invite=invite, token=token)
    _send_invite_email(issued)
    return issued


def _pending_invites(organization: Organization) -> QuerySet[Invite]:
    return Invite.objects.filter(
        organization=organization, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    )


def _send_invite_email(issued: IssuedInvite) -> None:
    invite = issued.invite
    inviter = invite.invited_by.email if invite.invited_by else "An administrator"
    send_mail(
        subject=one_line(f"You are invited to {invite.organization.name} on Sightline"),
        message=(
            f"{inviter} invited you to join {invite.organization.name} on Sightline "
            f"as {invite.role}.\n\n"
            f"Accept the invitation (the link works once and expires on "
            f"{invite.expires_at:%Y-%m-%d %H:%M} UTC):\n{issued.accept_url}\n"
        ),
        from_email=None,
        recipient_list=[invite.email],
    )


def invite_revoke(*, invite: Invite, actor_role: str) -> Invite:
    _require_editor(actor_role)
    _require_owner_for(actor_role, invite.role)
    if invite.accepted_at is None and invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.save(update_fields=["revoked_at"])
    return invite


def invite_for_token(*, token: str) -> Invite:
    """The pending invite of this token; NotFound for unknown, used, revoked or expired ones
    (one answer for all, so a link reveals nothing once it is dead)."""
    invite = (
        Invite.objects.select_related("organization", "invited_by")
        .filter(token_hash=hash_secret(token))
        .first()
    )
    if invite is None or not invite.is_pending:
        raise NotFound("This invitation link is invalid, expired or already used.")
    return invite


@transaction.atomic
def invite_accept(*, token: str, user: User) -> Membership:
    """Joins `user` to the invite's organization. The invite is bound to its e-mail address, and
    the row lock makes it single-use even when two requests race."""
    invite = invite_for_token(token=token)
    invite = Invite.objects.select_for_update().get(pk=invite.pk)
    if not invite.is_pending:
        raise NotFound("This invitation link is invalid, expired or already used.")
    if user.email.lower() != invite.email.lower():
        raise Forbidden(
            f"This invitation is for {invite.email}; sign in with that address to accept it."
        )
    membership, _ = Membership.objects.get_or_create(
        user=user, organization=invite.organization, defaults={"role": invite.role}
    )
    invite.accepted_at = timezone.now()
    invite.accepted_by = user
    invite.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invite_accept_as_new_user(*, token: str, password: str, name: str = "") -> Membership:
    """A new account for the invited address, joined at once. The invite row is locked first,
    so a double submit waits and then finds the invite used instead of racing to a duplicate."""
    invite = Invite.objects.select_for_update().get(pk=invite_for_token(token=token).pk)
    if not invite.is_pending:
        raise NotFound("This invitation link is invalid, expired or already used.")
    if User.objects.filter(email__iexact=invite.email).exists():
        raise Conflict(
            "An account with this e-mail already exists; sign in to accept.", code="account_exists"
        )
    user = User.objects.create_user(invite.email, password, name=name)
    return invite_accept(token=token, user=user)


def _owner_count(organization_id: str) -> int:
    return Membership.objects.filter(organization_id=organization_id, role=Role.OWNER).count()


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor_role: str) -> Membership:
    _require_editor(actor_role)
    _validate_role(role)
    _require_owner_for(actor_role, role, membership.role)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if (
        membership.role == Role.OWNER
        and role != Role.OWNER
        and _owner_count(membership.organization_id) == 1
    ):
        raise Conflict(
            "An organization needs at least one owner; make someone else owner first.",
            code="last_owner",
        )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor_role: str) -> None:
    _require_editor(actor_role)
    _require_owner_for(actor_role, membership.role)
    if membership.role == Role.OWNER and _owner_count(membership.organization_id) == 1:
        raise Conflict("The last owner cannot be removed.", code="last_owner")
    membership.delete()


# --- Organization settings -----------------------------------------------------------------

MAX_RETENTION_DAYS = 3650


def normalize_origin(raw: str) -> str:
    """`scheme://host[:port]` with http(s), nothing else (no path, query or credentials),
    as a frame-ancestors CSP source needs it. Raises ValueError with a readable reason."""
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{raw!r}: use http:// or https://.")
    if parts.netloc.rpartition("@")[2].startswith("["):
        # CSP source expressions have no syntax for an IPv6 literal: browsers drop such a
        # frame-ancestors source (Chromium then reads the directive as 'none').
        raise ValueError(
            f"{raw!r}: browsers cannot allow framing from an IPv6 address; use a host name "
            "that resolves to it, e.g. http://localhost:8000."
        )
    if not parts.hostname or parts.username or parts.password:
        raise ValueError(f"{raw!r}: give a host, e.g. https://app.example.com.")
    if parts.path or parts.query or parts.fragment:
        raise ValueError(f"{raw!r}: an origin has no path, query or fragment.")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{raw!r}: the port is not a number.") from None
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")


def validate_timezone(name: str) -> str:
    if not is_known_timezone(name):
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. Europe/Paris).")
    return name


def organization_update(
    *,
    organization: Organization,
    actor_role: str,
    name: str,
    allowed_embed_origins: list[str],
    default_timezone: str,
    retention_days: int,
) -> Organization:
    _require_editor(actor_role)
    errors: list[dict[str, str]] = []
    origins: list[str] = []
    for index, origin in enumerate(allowed_embed_origins):
        try:
            origins.append(normalize_origin(origin))
        except ValueError as exc:
            errors.append({"index": index, "field": "allowed_embed_origins", "message": str(exc)})
    try:
        validate_timezone(default_timezone)
    except ValueError as exc:
        errors.append({"field": "default_timezone", "message": str(exc)})
    if not name.strip():
        errors.append({"field": "name", "message": "The organization needs a name."})
    if not 1 <= retention_days <= MAX_RETENTION_DAYS:
        errors.append(
            {"field": "retention_days", "message": f"Between 1 and {MAX_RETENTION_DAYS} days."}
        )
    if errors:
        raise InvalidInput("The settings are invalid.", details=errors)
    organization.name = name.strip()
    organization.allowed_embed_origins = list(dict.fromkeys(origins))
    organization.default_timezone = default_timezone
    organization.retention_days = retention_days
    organization.save(
        update_fields=["name", "allowed_embed_origins", "default_timezone", "retention_days"]
    )
    return organization


@transaction.atomic
def organization_embed_origin_add(
    *, organization: Organization, actor_role: str, origin: str
) -> Organization:
    """Allow one more origin to frame the organization's embeds (admins and owners)."""
    _require_editor(actor_role)
    try:
        normalized = normalize_origin(origin)
    except ValueError as exc:
        raise InvalidInput(
            "Not an origin.", details=[{"field": "origin", "message": str(exc)}]
        ) from None
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    if normalized not in locked.allowed_embed_origins:
        locked.allowed_embed_origins = [*locked.allowed_embed_origins, normalized]
        locked.save(update_fields=["allowed_embed_origins"])
    organization.allowed_embed_origins = locked.allowed_embed_origins
    return organization


def organization_delete(*, organization: Organization, actor_role: str) -> None:
    """Owner only. The configuration goes at once; its events age out by retention."""
    if actor_role != Role.OWNER:
        raise Forbidden("Only an owner can delete the organization.")
    organization.delete()
