"""Reads for embeds: signing keys, and the one verification every embed request goes through."""

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from accounts.models import Organization
from core.activity import still_active
from core.prepared import PreparedQuery
from dashboards.selectors import Publication, PublicationReader, dashboards_find
from embeds.models import (
    AuditAction,
    AuditLogEntry,
    EmbedRevocation,
    EmbedRevocationVersion,
    EmbedSessionCode,
    EmbedSigningKey,
    RevocationKind,
)
from embeds.tokens import LEEWAY_SECONDS, EmbedClaims, InvalidToken, OutsideSession, token_decode

if TYPE_CHECKING:  # what dashboards' selectors return; read through them, never queried here
    from dashboards.models import Dashboard, DashboardVersion

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


@dataclass(frozen=True)
class RevocationState:
    """An organization's revocations and active signing key as of `version`: what every
    verification and every issue consults, loaded once per version per process."""

    version: int
    jtis: frozenset[str]
    retired_keys: frozenset[str]
    tenant_cutoffs: dict[str, datetime]  # tenant -> latest revocation
    organization_cutoff: datetime | None
    signing_key: EmbedSigningKey | None  # the newest key not retired

    def revokes(self, claims: EmbedClaims) -> bool:
        if claims.jti in self.jtis or claims.key_id in self.retired_keys:
            return True
        issued_at = datetime.fromtimestamp(claims.issued_at, tz=UTC)
        cutoff = self.tenant_cutoffs.get(claims.tenant_id)
        if cutoff is not None and cutoff >= issued_at:
            return True
        return self.organization_cutoff is not None and self.organization_cutoff >= issued_at


STATES_MAX = 4096
_states: dict[str, RevocationState] = {}


def revocation_state(*, org_id: str, version: int) -> RevocationState:
    """The organization's state at `version` (the caller read it just now, from the database).
    Loaded after the version was read, so a revocation racing the load can only make the
    cached state newer than its version, never older: the next read of a higher version
    reloads it."""
    state = _states.get(org_id)
    if state is not None and state.version == version:
        return state
    jtis, keys, tenants = set(), set(), {}
    organization_cutoff = None
    for kind, target, revoked_at in EmbedRevocation.objects.filter(
        organization_id=org_id
    ).values_list("kind", "target", "revoked_at"):
        if kind == RevocationKind.SESSION:
            jtis.add(target)
        elif kind == RevocationKind.SIGNING_KEY:
            keys.add(target)
        elif kind == RevocationKind.TENANT:
            tenants[target] = max(revoked_at, tenants.get(target, revoked_at))
        elif kind == RevocationKind.ORGANIZATION and target == "":
            organization_cutoff = max(revoked_at, organization_cutoff or revoked_at)
    state = RevocationState(
        version=version,
        jtis=frozenset(jtis),
        retired_keys=frozenset(keys),
        tenant_cutoffs=tenants,
        organization_cutoff=organization_cutoff,
        signing_key=EmbedSigningKey.objects.filter(organization_id=org_id, retired_at__isnull=True)
        .order_by("-created_at")
        .first(),
    )
    if len(_states) >= STATES_MAX:
        _states.clear()
    _states[org_id] = state
    return state


def embed_session_is_revoked(*, claims: EmbedClaims) -> bool:
    """Whether any revocation concerns this session (its jti, its signing key, its tenant, the
    whole organization), judged against the organization's current revocation version."""
    row = _revocation_version.first(claims.org_id)
    return revocation_state(org_id=claims.org_id, version=row[0] if row else 0).revokes(claims)


_revocation_version = PreparedQuery(
    lambda org_id: EmbedRevocationVersion.objects.filter(organization_id=org_id).values_list(
        "version"
    ),
    "org_id",
)
# The one read of a complete verification (and of issuing): the dashboard's published version,
# its organization and the organization's revocation version.
_publication = PublicationReader("organization__embed_revocation_version__version")


def embed_dashboard_state(*, dashboard_id: str, org_id: str) -> Publication | None:
    """The organization's dashboard as an embed sees it (extra: the revocation version), or
    None when it has no such dashboard: one indexed read."""
    return _publication.read(dashboard_id=dashboard_id, org_id=org_id)


TOKENS_MAX = 10_000
_verified_tokens: dict[str, EmbedClaims] = {}


def _decoded(token: str) -> EmbedClaims:
    """The token's claims; the signature is checked once per process per token (an embed page
    sends the same token with every request). Expiry is checked on every call; a retired key
    is a revocation, which every call checks."""
    claims = _verified_tokens.get(token)
    if claims is None:
        claims = token_decode(token, secret_for=signing_secret_for)
        if len(_verified_tokens) >= TOKENS_MAX:
            _verified_tokens.clear()
        _verified_tokens[token] = claims
    elif claims.expires_at + LEEWAY_SECONDS <= time.time():
        _verified_tokens.pop(token, None)
        raise InvalidToken("The embed session has expired.", code="token_expired")
    return claims


@dataclass(frozen=True)
class VerifiedEmbed:
    claims: EmbedClaims
    dashboard: "Dashboard"
    version: "DashboardVersion"


def embed_session_verify(*, token: str, dashboard_id: str, activity: bool = True) -> VerifiedEmbed:
    """The token, checked completely: signature and claims, not revoked, for this dashboard,
    which is published and belongs to the token's organization, and not idle past its
    `inactivity_timeout` (the call counts as activity unless `activity` is False). Raises
    InvalidToken (401). One database read per call (dashboard, organization, revocation
    version), plus one shared-store call for a session with an inactivity timeout; the rest
    comes from per-process caches that this read keeps exact."""
    claims = _decoded(token)
    if dashboard_id not in claims.dashboard_ids:
        raise OutsideSession("Not found.")
    state = embed_dashboard_state(dashboard_id=dashboard_id, org_id=claims.org_id)
    if state is not None and revocation_state(
        org_id=claims.org_id, version=state.extra[0] or 0
    ).revokes(claims):
        raise InvalidToken("The embed session has been revoked.", code="token_revoked")
    if state is None:
        if embed_session_is_revoked(claims=claims):
            raise InvalidToken("The embed session has been revoked.", code="token_revoked")
        raise InvalidToken("The embed token is not valid for this dashboard.")
    dashboard = state.dashboard()
    version = dashboard.published_version
    if version is None:
        raise InvalidToken("This dashboard is not published.", code="dashboard_unpublished")
    if claims.inactivity_timeout is not None:
        _check_activity(claims, touch=activity)
    return VerifiedEmbed(claims=claims, dashboard=dashboard, version=version)


def _check_activity(claims: EmbedClaims, *, touch: bool) -> None:
    """A session ends after `inactivity_timeout` seconds without a request from any of its
    pages, in whichever process they reach (core.activity's shared store)."""
    idle = claims.inactivity_timeout or 0
    fresh = time.time() - claims.issued_at < idle
    if not still_active(f"embed:{claims.jti}", idle_seconds=idle, fresh=fresh, touch=touch):
        raise InvalidToken(
            f"This embed session ended after {idle} seconds without activity.",
            code="session_inactive",
        )


def embed_session_dashboards(claims: EmbedClaims) -> list[dict[str, str]]:
    """The session's dashboards the page's switcher offers (id and name, in the session's
    order): published ones of its organization only; none when fewer than two are left."""
    if len(claims.dashboard_ids) < 2:
        return []
    found = dashboards_find(dashboard_ids=claims.dashboard_ids, organization_id=claims.org_id)
    boards = [
        {"id": d, "name": found[d].name}
        for d in claims.dashboard_ids
        if d in found and found[d].published_version_id is not None
    ]
    return boards if len(boards) > 1 else []


def embed_session_issue_entry(*, organization: Organization, jti: str) -> AuditLogEntry | None:
    """The audit record of this organization issuing session `jti`: the proof it exists."""
    return AuditLogEntry.objects.filter(
        organization=organization, jti=jti, action=AuditAction.SESSION_ISSUED
    ).first()


# --- Single-use codes (`single_use_url`) --------------------------------------------------------

CODE_USED = (
    "This embed link has already been used: a link that carries a code opens once. "
    "Ask the app that showed it for a new one."
)
CODE_EXPIRED = "This embed link has expired: ask the app that showed it for a new one."
CODE_UNKNOWN = "This embed link is not valid."


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def embed_session_code_usable(
    *, code: str, dashboard_id: str, lock: bool = False
) -> EmbedSessionCode:
    """The row of an unused, unexpired code for this dashboard (locked for update when asked).
    Raises InvalidToken (401) with code `invalid_code`, `code_used` or `code_expired`."""
    rows = EmbedSessionCode.objects.filter(code_hash=code_hash(code), dashboard_id=dashboard_id)
    row = (rows.select_for_update() if lock else rows).first() if code else None
    if row is None:
        raise InvalidToken(CODE_UNKNOWN, code="invalid_code")
    if row.used_at is not None:
        raise InvalidToken(CODE_USED, code="code_used")
    if row.expires_at <= timezone.now():
        raise InvalidToken(CODE_EXPIRED, code="code_expired")
    return row


# --- Listing sessions ---------------------------------------------------------------------------


def embed_sessions_list(
    *, organization: Organization, tenant_id: str | None = None, active_only: bool = True
) -> QuerySet[AuditLogEntry]:
    """The sessions the organization issued, newest first, from their audit records (tokens are
    stateless; the record is what the server knows). Each row is annotated with `revoked`
    (by the same four rules as `embed_session_is_revoked`) and `expires_at`; `active_only`
    keeps the ones neither expired nor revoked."""
    revocations = EmbedRevocation.objects.filter(organization=organization)
    revoked = (
        Q(Exists(revocations.filter(kind=RevocationKind.SESSION, target=OuterRef("jti"))))
        | Q(Exists(revocations.filter(kind=RevocationKind.SIGNING_KEY, target=OuterRef("kid"))))
        | Q(
            Exists(
                revocations.filter(
                    kind=RevocationKind.TENANT,
                    target=OuterRef("tenant_id"),
                    revoked_at__gte=OuterRef("created_at"),
                )
            )
        )
        | Q(
            Exists(
                revocations.filter(
                    kind=RevocationKind.ORGANIZATION, revoked_at__gte=OuterRef("created_at")
                )
            )
        )
    )
    sessions = (
        AuditLogEntry.objects.filter(organization=organization, action=AuditAction.SESSION_ISSUED)
        .annotate(kid=KeyTextTransform("kid", "details"))
        .alias(is_revoked=revoked)
        .order_by("-created_at", "-id")
    )
    if tenant_id is not None:
        sessions = sessions.filter(tenant_id=tenant_id)
    if active_only:
        sessions = sessions.filter(is_revoked=False, details__expires_at__gt=int(time.time()))
    return sessions.annotate(revoked=revoked)


def embed_session_code_organization(*, code: str) -> Organization | None:
    """The organization a code was issued by, used or not: its error page must still be
    allowed in the customer's frame (frame-ancestors) to say what went wrong."""
    row = EmbedSessionCode.objects.filter(code_hash=code_hash(code)).select_related("organization")
    found = row.first() if code else None
    return found.organization if found else None
