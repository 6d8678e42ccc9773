"""Reads for embeds: signing keys, and the one verification every embed request goes through."""

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from accounts.models import Organization
from dashboards.models import Dashboard, DashboardVersion
from dashboards.spec import DashboardSpec, parse_spec
from embeds.models import (
    AuditAction,
    AuditLogEntry,
    EmbedRevocation,
    EmbedSigningKey,
    RevocationKind,
)
from embeds.tokens import EmbedClaims, InvalidToken, token_decode

SECRET_CACHE_SECONDS = 30.0
_secrets: dict[str, tuple[str, str, float]] = {}  # kid -> (org_id, secret, fetched at)
_secrets_lock = threading.Lock()


def embed_signing_keys_list(*, organization: Organization) -> list[EmbedSigningKey]:
    return list(EmbedSigningKey.objects.filter(organization=organization).order_by("-created_at"))


def embed_signing_key_get(*, organization: Organization, key_id: str) -> EmbedSigningKey | None:
    return EmbedSigningKey.objects.filter(organization=organization, pk=key_id).first()


def embed_signing_key_active(*, organization: Organization) -> EmbedSigningKey | None:
    """The key that signs new sessions: the newest one not retired."""
    return (
        EmbedSigningKey.objects.filter(organization=organization, retired_at__isnull=True)
        .order_by("-created_at")
        .first()
    )


def signing_secret_for(kid: str) -> tuple[str, str] | None:
    """(org_id, secret) of a key that may verify. Cached briefly per process: a retirement is
    also a revocation row, which every verification reads fresh, so the cache never lets a
    retired key through."""
    now = time.monotonic()
    cached = _secrets.get(kid)
    if cached is not None and now - cached[2] < SECRET_CACHE_SECONDS:
        return cached[0], cached[1]
    key = (
        EmbedSigningKey.objects.filter(pk=kid, retired_at__isnull=True)
        .values_list("organization_id", "secret")
        .first()
    )
    with _secrets_lock:
        if key is None:
            _secrets.pop(kid, None)
            return None
        _secrets[kid] = (key[0], key[1], now)
    return key


def forget_signing_secret(kid: str) -> None:
    with _secrets_lock:
        _secrets.pop(kid, None)


def embed_session_is_revoked(*, claims: EmbedClaims) -> bool:
    """One indexed query for every revocation that could concern this session (its jti, its
    signing key, its tenant, the whole organization), judged here: a plain `target IN (…)`
    costs far less to build per request than the equivalent OR of four conditions."""
    issued_at = datetime.fromtimestamp(claims.issued_at, tz=UTC)
    rows = EmbedRevocation.objects.filter(
        organization_id=claims.org_id, target__in=(claims.jti, claims.key_id, claims.tenant_id, "")
    ).values_list("kind", "target", "revoked_at")
    return any(
        _revokes(claims, issued_at, kind, target, revoked_at) for kind, target, revoked_at in rows
    )


def _revokes(
    claims: EmbedClaims, issued_at: datetime, kind: str, target: str, revoked_at: datetime
) -> bool:
    if kind == RevocationKind.SESSION:
        return target == claims.jti
    if kind == RevocationKind.SIGNING_KEY:
        return target == claims.key_id
    if kind == RevocationKind.TENANT:
        return target == claims.tenant_id and revoked_at >= issued_at
    return kind == RevocationKind.ORGANIZATION and target == "" and revoked_at >= issued_at


@dataclass(frozen=True)
class VerifiedEmbed:
    claims: EmbedClaims
    dashboard: Dashboard
    version: DashboardVersion


def embed_session_verify(*, token: str, dashboard_id: str) -> VerifiedEmbed:
    """The token, checked completely: signature and claims, not revoked, for this dashboard,
    which is published and belongs to the token's organization. Raises InvalidToken (401)."""
    claims = token_decode(token, secret_for=signing_secret_for)
    if claims.dashboard_id != dashboard_id:
        raise InvalidToken("The embed token is for another dashboard.")
    if embed_session_is_revoked(claims=claims):
        raise InvalidToken("The embed session has been revoked.", code="token_revoked")
    dashboard = (
        Dashboard.objects.select_related("published_version", "organization")
        .filter(pk=dashboard_id, organization_id=claims.org_id)
        .first()
    )
    if dashboard is None:
        raise InvalidToken("The embed token is not valid for this dashboard.")
    if dashboard.published_version is None:
        raise InvalidToken("This dashboard is not published.", code="dashboard_unpublished")
    return VerifiedEmbed(claims=claims, dashboard=dashboard, version=dashboard.published_version)


def embed_session_issue_entry(*, organization: Organization, jti: str) -> AuditLogEntry | None:
    """The audit record of this organization issuing session `jti`: the proof it exists."""
    return AuditLogEntry.objects.filter(
        organization=organization, jti=jti, action=AuditAction.SESSION_ISSUED
    ).first()


_parsed_specs: dict[tuple[str, int], "DashboardSpec"] = {}
PARSED_SPECS_MAX = 512


def published_spec_of(version: DashboardVersion) -> "DashboardSpec":
    """The parsed spec of a published version. Versions are immutable, so each is parsed once
    per process (keyed by the random dashboard id and the version number)."""
    cache_key = (version.dashboard_id, version.number)
    spec = _parsed_specs.get(cache_key)
    if spec is None:
        spec = parse_spec(version.spec)
        if len(_parsed_specs) >= PARSED_SPECS_MAX:
            _parsed_specs.clear()
        _parsed_specs[cache_key] = spec
    return spec
