"""Writes for embeds: issuing and revoking sessions, rotating and retiring signing keys.
Every issue and every revocation is written to the audit log in the same transaction."""

import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import ApiKey, Organization
from core.errors import Conflict, InvalidInput, NotFound
from core.ids import new_id
from core.prepared import PreparedInsert
from dashboards.selectors import dashboard_version_spec, dashboards_find
from embeds.models import (
    AuditAction,
    AuditLogEntry,
    EmbedRevocation,
    EmbedRevocationVersion,
    EmbedSessionCode,
    EmbedSigningKey,
    RevocationKind,
)
from embeds.selectors import (
    code_hash,
    embed_dashboard_state,
    embed_session_code_usable,
    embed_session_issue_entry,
    embed_signing_key_active,
    embed_signing_key_get,
    forget_signing_secret,
    revocation_state,
)
from embeds.tokens import EmbedClaims, EmbedPermissions, token_encode


@dataclass(frozen=True)
class Actor:
    """Who is acting, for the audit log."""

    api_key: ApiKey | None = None
    ip: str | None = None

    @property
    def api_key_id(self) -> str:
        return self.api_key.pk if self.api_key else ""


def audit_log_write(
    *, organization: Organization, action: str, actor: Actor, **fields: Any
) -> AuditLogEntry:
    return AuditLogEntry.objects.create(
        organization=organization, action=action, api_key_id=actor.api_key_id, ip=actor.ip, **fields
    )


_audit_insert = PreparedInsert(AuditLogEntry)


def audit_log_append(
    *, organization: Organization, action: str, actor: Actor, **fields: Any
) -> None:
    """`audit_log_write` for the hot path (every issued session): one INSERT compiled once, no
    model save and no RETURNING."""
    _audit_insert.insert(
        organization_id=organization.pk,
        action=action,
        api_key_id=actor.api_key_id,
        ip=actor.ip,
        **fields,
    )


def revocation_version_bump(*, organization: Organization) -> None:
    """Every process reloads the organization's revocations and signing keys on its next
    request. Called inside the transaction that writes the change."""
    row, created = EmbedRevocationVersion.objects.get_or_create(
        organization=organization, defaults={"version": 1}
    )
    if not created:
        EmbedRevocationVersion.objects.filter(pk=row.pk).update(version=F("version") + 1)


# --- Signing keys ---------------------------------------------------------------------------


def embed_signing_key_ensure(*, organization: Organization) -> EmbedSigningKey:
    """The active signing key, created on first use. The organization row is locked while
    creating so concurrent first sessions agree on one key."""
    key = embed_signing_key_active(organization=organization)
    if key is not None:
        return key
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        key = embed_signing_key_active(organization=organization)
        if key is None:
            key = EmbedSigningKey.objects.create(organization=organization)
            revocation_version_bump(organization=organization)
        return key


@transaction.atomic
def embed_signing_key_rotate(*, organization: Organization, actor: Actor) -> EmbedSigningKey:
    """A new key signs from now on; older keys keep verifying until retired."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    current = embed_signing_key_active(organization=organization)
    created_at = timezone.now()
    if current is not None and created_at <= current.created_at:
        # "Active" is the newest key; two keys in one clock tick would make that a coin toss.
        created_at = current.created_at + timedelta(microseconds=1)
    key = EmbedSigningKey.objects.create(organization=organization, created_at=created_at)
    revocation_version_bump(organization=organization)
    audit_log_write(
        organization=organization,
        action=AuditAction.KEY_ROTATED,
        actor=actor,
        details={"kid": key.pk},
    )
    return key


@transaction.atomic
def embed_signing_key_retire(
    *, organization: Organization, key_id: str, actor: Actor
) -> EmbedSigningKey:
    """Sessions signed with this key stop working at once, in every process."""
    key = embed_signing_key_get(organization=organization, key_id=key_id)
    if key is None:
        raise NotFound("Not found.")
    if key.retired_at is None:
        key.retired_at = timezone.now()
        key.save(update_fields=["retired_at"])
        EmbedRevocation.objects.create(
            organization=organization, kind=RevocationKind.SIGNING_KEY, target=key.pk
        )
        revocation_version_bump(organization=organization)
        audit_log_write(
            organization=organization,
            action=AuditAction.KEY_RETIRED,
            actor=actor,
            details={"kid": key.pk},
        )
    transaction.on_commit(lambda: forget_signing_secret(key.pk))
    return key


# --- Sessions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRequest:
    """A validated `POST /v1/embed-sessions` body."""

    dashboard_id: str
    tenant_id: str
    expires_in: int
    permissions: EmbedPermissions
    timezone: str | None = None
    locale: str | None = None  # BCP 47; None: the viewer's browser decides
    theme: dict[str, str] | None = None
    user: str = ""
    allow_export: bool = False
    single_use_url: bool = False
    dashboard_ids: tuple[str, ...] = ()  # the dashboards it may open besides dashboard_id
    inactivity_timeout: int | None = None


@dataclass(frozen=True)
class IssuedSession:
    token: str
    embed_url: str
    expires_at: datetime
    claims: EmbedClaims


def embed_session_create(
    *, organization: Organization, request: SessionRequest, actor: Actor
) -> IssuedSession:
    # The hot path of issuing: one narrow read (the dashboard's published version and the
    # organization's revocation version); the signing key from the per-process state of that
    # version; the published spec only when it is needed.
    state = embed_dashboard_state(dashboard_id=request.dashboard_id, org_id=organization.pk)
    if state is None:
        raise NotFound("Not found.")
    version, revocations = state.version, state.extra[0] or 0
    if state.version_id is None:
        raise Conflict("Publish the dashboard before embedding it.", code="dashboard_unpublished")
    others = tuple(d for d in request.dashboard_ids if d != request.dashboard_id)
    more_versions = _published_versions(organization, others) if others else []
    if request.permissions.hidden_widgets or request.permissions.widget_id:
        # Widget ids are per dashboard: hidden ones are checked against the union.
        versions = [version(), *more_versions]
        widget_ids = {w.id for v in versions for w in dashboard_version_spec(version=v).widgets}
        _check_widgets(request.permissions, widget_ids)
    key = revocation_state(
        org_id=organization.pk, version=revocations
    ).signing_key or embed_signing_key_ensure(organization=organization)
    issued_at = math.floor(time.time() * 1000) / 1000  # down: never after a revocation
    claims = EmbedClaims(
        key_id=key.pk,
        jti=new_id("es"),
        org_id=organization.pk,
        dashboard_id=request.dashboard_id,
        tenant_id=request.tenant_id,
        permissions=request.permissions,
        issued_at=issued_at,
        expires_at=int(issued_at) + request.expires_in,
        timezone=request.timezone,
        locale=request.locale,
        theme=request.theme or {},
        user=request.user,
        allow_export=request.allow_export,
        dashboard_ids=(request.dashboard_id, *others),
        inactivity_timeout=request.inactivity_timeout,
    )
    token = token_encode(claims=claims, secret=key.secret)
    audit_log_append(
        organization=organization,
        action=AuditAction.SESSION_ISSUED,
        actor=actor,
        created_at=datetime.fromtimestamp(issued_at, tz=UTC),  # revocations compare to it
        viewer=request.user,
        tenant_id=request.tenant_id,
        dashboard_id=request.dashboard_id,
        jti=claims.jti,
        details={
            "kid": key.pk,
            "expires_at": claims.expires_at,
            "permissions": request.permissions.as_claim(),
            "dashboard_ids": list(claims.dashboard_ids),
            "inactivity_timeout": claims.inactivity_timeout,
        },
    )
    if request.single_use_url:
        code = embed_session_code_create(
            organization=organization, dashboard_id=request.dashboard_id, token=token
        )
        query = f"code={code}"
    else:
        query = f"token={token}"
    return IssuedSession(
        token=token,
        embed_url=f"{settings.PUBLIC_URL}/embed/{request.dashboard_id}?{query}",
        expires_at=datetime.fromtimestamp(claims.expires_at, tz=UTC),
        claims=claims,
    )


def _published_versions(organization: Organization, dashboard_ids: tuple[str, ...]) -> list:
    """The published versions of the session's other dashboards: one query; a dashboard that
    is not the organization's is a 404 and an unpublished one a 409, as for `dashboard_id`."""
    found = dashboards_find(dashboard_ids=dashboard_ids, organization_id=organization.pk)
    if any(d not in found for d in dashboard_ids):
        raise NotFound("Not found.")
    unpublished = [d for d in dashboard_ids if found[d].published_version is None]
    if unpublished:
        raise Conflict(
            f"Publish the dashboard {unpublished[0]} before embedding it.",
            code="dashboard_unpublished",
        )
    return [found[d].published_version for d in dashboard_ids]


def _check_widgets(permissions: EmbedPermissions, widget_ids: set[str]) -> None:
    details = [
        {
            "field": f"permissions.hidden_widgets[{index}]",
            "message": f"The dashboard has no widget {widget_id!r}.",
        }
        for index, widget_id in enumerate(permissions.hidden_widgets)
        if widget_id not in widget_ids
    ]
    only = permissions.widget_id
    if only is not None and (only not in widget_ids or only in permissions.hidden_widgets):
        details.append({"field": "widget_id", "message": f"The dashboard has no widget {only!r}."})
    if details:
        raise InvalidInput("The request is invalid.", details=details)


def embed_session_code_create(*, organization: Organization, dashboard_id: str, token: str) -> str:
    """A single-use code for `token`, valid EMBED_CODE_TTL_SECONDS. Codes past their day are
    swept here, so the table holds only the last day's."""
    now = timezone.now()
    EmbedSessionCode.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    code = secrets.token_urlsafe(24)
    EmbedSessionCode.objects.create(
        code_hash=code_hash(code),
        organization=organization,
        dashboard_id=dashboard_id,
        token=token,
        expires_at=now + timedelta(seconds=settings.EMBED_CODE_TTL_SECONDS),
    )
    return code


@transaction.atomic
def embed_session_code_redeem(*, code: str, dashboard_id: str) -> str:
    """The token behind the code, once: the row is locked, marked used and the token erased."""
    row = embed_session_code_usable(code=code, dashboard_id=dashboard_id, lock=True)
    token = row.token
    row.used_at, row.token = timezone.now(), ""
    row.save(update_fields=["used_at", "token"])
    return token


@transaction.atomic
def embed_session_revoke(*, organization: Organization, jti: str, actor: Actor) -> None:
    issued = embed_session_issue_entry(organization=organization, jti=jti)
    if issued is None:
        raise NotFound("Not found.")
    EmbedRevocation.objects.get_or_create(
        organization=organization, kind=RevocationKind.SESSION, target=jti
    )
    revocation_version_bump(organization=organization)
    audit_log_write(
        organization=organization,
        action=AuditAction.SESSION_REVOKED,
        actor=actor,
        jti=jti,
        viewer=issued.viewer,
        tenant_id=issued.tenant_id,
        dashboard_id=issued.dashboard_id,
    )


@transaction.atomic
def embed_sessions_revoke_tenant(
    *, organization: Organization, tenant_id: str, actor: Actor
) -> None:
    """Every session of this tenant issued until now; new sessions work again."""
    EmbedRevocation.objects.create(
        organization=organization, kind=RevocationKind.TENANT, target=tenant_id
    )
    revocation_version_bump(organization=organization)
    audit_log_write(
        organization=organization,
        action=AuditAction.TENANT_REVOKED,
        actor=actor,
        tenant_id=tenant_id,
    )


@transaction.atomic
def embed_sessions_revoke_all(*, organization: Organization, actor: Actor) -> None:
    """Every session of the organization issued until now; new sessions work again."""
    EmbedRevocation.objects.create(
        organization=organization, kind=RevocationKind.ORGANIZATION, target=""
    )
    revocation_version_bump(organization=organization)
    audit_log_write(organization=organization, action=AuditAction.ORGANIZATION_REVOKED, actor=actor)
