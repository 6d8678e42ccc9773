"""Embed session tokens: JWT, HS256 only, `kid` naming the organization's signing key.

This module is the cryptography and the claim shapes, nothing else: no database, so the
issuing and verifying services (and the benchmark) can reason about it in isolation.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from django.conf import settings

from core.errors import Unauthenticated
from core.limits import EVENT_NAME_PATTERN
from warehouse.query import LockedValue, locked_value, locked_value_json

ALGORITHM = "HS256"
LEEWAY_SECONDS = 10  # clock skew tolerated on exp / iat / nbf
MAX_TOKEN_LENGTH = 8192
REQUIRED_CLAIMS = ("iss", "aud", "sub", "org", "dash", "perm", "iat", "exp", "jti")
ROLES = ("viewer", "designer")
VARIANT_SCOPES = ("user", "tenant")


class InvalidToken(Unauthenticated):
    code = "invalid_token"


class OutsideSession(InvalidToken):
    """A dashboard the session may not open: a 404 whether or not it exists."""

    status, code = 404, "not_found"


@dataclass(frozen=True)
class EmbedPermissions:
    """What a session may do. The claim is compact: a field at its default is left out, so a
    token issued before a field existed decodes to that field's default."""

    locked_filters: Mapping[str, LockedValue] = field(default_factory=dict)
    hidden_widgets: tuple[str, ...] = ()
    allowed_periods: tuple[str, ...] = ()
    allow_drill_down: bool = False
    max_date_range_days: int | None = None
    widget_id: str | None = None  # a single-widget embed: every other widget is out of reach
    role: str = "viewer"  # or "designer": the embed's edit mode (variants)
    variant_scope: str = "user"  # a designer's variant: per session `user`, or "tenant"-wide
    allowed_events: tuple[str, ...] = ()  # a designer may chart these; (): the dashboard's own
    allow_subscriptions: bool = False  # the viewer may subscribe to digests and alerts

    def as_claim(self) -> dict[str, Any]:
        claim: dict[str, Any] = {
            "locked_filters": {k: locked_value_json(v) for k, v in self.locked_filters.items()},
            "hidden_widgets": list(self.hidden_widgets),
            "allowed_periods": list(self.allowed_periods),
            "allow_drill_down": self.allow_drill_down,
            "max_date_range_days": self.max_date_range_days,
        }
        if self.widget_id:
            claim["widget_id"] = self.widget_id
        if self.role != "viewer":
            claim["role"] = self.role
        if self.variant_scope != "user":
            claim["variant_scope"] = self.variant_scope
        if self.allowed_events:
            claim["allowed_events"] = list(self.allowed_events)
        if self.allow_subscriptions:
            claim["allow_subscriptions"] = True
        return claim

    @classmethod
    def from_claim(cls, claim: Any) -> "EmbedPermissions":
        if not isinstance(claim, dict):
            raise InvalidToken("The embed token's permissions are malformed.")
        try:
            locked = claim.get("locked_filters") or {}
            max_days = claim.get("max_date_range_days")
            widget_id = claim.get("widget_id")
            role = claim.get("role", "viewer")
            variant_scope = claim.get("variant_scope", "user")
            events = claim.get("allowed_events") or []
            if role not in ROLES or variant_scope not in VARIANT_SCOPES:
                raise ValueError("unknown role or variant scope")
            if not isinstance(events, list) or not all(
                isinstance(e, str) and EVENT_NAME_PATTERN.fullmatch(e) for e in events
            ):
                raise ValueError("malformed allowed_events")
            permissions = cls(
                locked_filters={str(k): locked_value(v) for k, v in locked.items()},
                hidden_widgets=tuple(str(w) for w in claim.get("hidden_widgets") or ()),
                allowed_periods=tuple(str(p) for p in claim.get("allowed_periods") or ()),
                allow_drill_down=claim.get("allow_drill_down") is True,
                max_date_range_days=int(max_days) if max_days is not None else None,
                widget_id=str(widget_id) if widget_id else None,
                role=role,
                variant_scope=variant_scope,
                allowed_events=tuple(events),
                allow_subscriptions=claim.get("allow_subscriptions") is True,
            )
        except (AttributeError, TypeError, ValueError) as exc:
            raise InvalidToken("The embed token's permissions are malformed.") from exc
        return permissions


@dataclass(frozen=True)
class EmbedClaims:
    """What a verified token says. `issued_at` keeps milliseconds so that a revocation and a
    session issued in the same second are ordered correctly."""

    key_id: str
    jti: str
    org_id: str
    dashboard_id: str
    tenant_id: str
    permissions: EmbedPermissions
    issued_at: float
    expires_at: int
    timezone: str | None = None
    locale: str | None = None
    theme: Mapping[str, str] = field(default_factory=dict)
    user: str = ""
    allow_export: bool = False
    # The dashboards the session may open, the default (`dashboard_id`) first; always holds it.
    dashboard_ids: tuple[str, ...] = ()
    inactivity_timeout: int | None = None  # seconds without a request that end the session

    def __post_init__(self) -> None:
        if self.dashboard_id not in self.dashboard_ids:
            ids = (self.dashboard_id, *self.dashboard_ids)
            object.__setattr__(self, "dashboard_ids", ids)

    def as_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "iss": settings.EMBED_TOKEN_ISSUER,
            "aud": settings.EMBED_TOKEN_AUDIENCE,
            "sub": self.tenant_id,
            "org": self.org_id,
            "dash": self.dashboard_id,
            "perm": self.permissions.as_claim(),
            "iat": self.issued_at,
            "exp": self.expires_at,
            "jti": self.jti,
            "export": self.allow_export,
        }
        if self.timezone:
            payload["tz"] = self.timezone
        if self.locale:
            payload["loc"] = self.locale
        if self.theme:
            payload["theme"] = dict(self.theme)
        if self.user:
            payload["user"] = self.user
        if len(self.dashboard_ids) > 1:
            payload["dashes"] = list(self.dashboard_ids)
        if self.inactivity_timeout is not None:
            payload["idle"] = self.inactivity_timeout
        return payload


def token_encode(*, claims: EmbedClaims, secret: str) -> str:
    return jwt.encode(
        claims.as_payload(), secret, algorithm=ALGORITHM, headers={"kid": claims.key_id}
    )


SecretLookup = Callable[[str], tuple[str, str] | None]
"""kid -> (org_id, secret) of a signing key that may verify, or None."""


HEADERS_MAX = 1024
_headers: dict[str, dict[str, Any]] = {}


def _unverified_header(segment: str) -> dict[str, Any]:
    """The JOSE header, only to pick the key: `jwt.decode` below checks it again with the
    signature. Parsed once per process per header text (every token a key signs has the same
    one), not per token: PyJWT's own unverified read decodes and checks the whole token, a
    third of a verification's time."""
    header = _headers.get(segment)
    if header is None:
        try:
            header = jwt.get_unverified_header(f"{segment}..")
        except jwt.PyJWTError as exc:
            raise InvalidToken("The embed token is malformed.") from exc
        if len(segment) <= 256:  # ours are ~70 characters; a junk one is not kept
            if len(_headers) >= HEADERS_MAX:
                _headers.clear()
            _headers[segment] = header
    return header


def token_decode(token: str, *, secret_for: SecretLookup) -> EmbedClaims:
    """Checks signature (HS256 only), iss, aud, exp, iat/nbf and that the key belongs to the
    organization the token names. Revocation and the dashboard are the caller's to check."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken("The embed token is missing or malformed.")
    header = _unverified_header(token.partition(".")[0])
    kid = header.get("kid")
    key = secret_for(kid) if isinstance(kid, str) and header.get("alg") == ALGORITHM else None
    if key is None:
        raise InvalidToken("The embed token is not signed with a valid key.")
    org_id, secret = key
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=settings.EMBED_TOKEN_AUDIENCE,
            issuer=settings.EMBED_TOKEN_ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": list(REQUIRED_CLAIMS), "verify_iat": True, "verify_nbf": True},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("The embed session has expired.", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"The embed token is invalid: {exc}.") from exc
    if payload["org"] != org_id:
        raise InvalidToken("The embed token is not signed with a valid key.")
    return _claims_from_payload(kid, payload)


def _claims_from_payload(kid: str, payload: dict[str, Any]) -> EmbedClaims:
    strings = ("sub", "org", "dash", "jti")
    if not all(isinstance(payload[name], str) and payload[name] for name in strings):
        raise InvalidToken("The embed token's claims are malformed.")
    theme = payload.get("theme") or {}
    dashes = payload.get("dashes") or []
    idle = payload.get("idle")
    if (
        not isinstance(theme, dict)
        or not isinstance(dashes, list)
        or not all(isinstance(d, str) and d for d in dashes)
        or (idle is not None and (isinstance(idle, bool) or not isinstance(idle, int)))
    ):
        raise InvalidToken("The embed token's claims are malformed.")
    return EmbedClaims(
        key_id=kid,
        jti=payload["jti"],
        org_id=payload["org"],
        dashboard_id=payload["dash"],
        tenant_id=payload["sub"],
        permissions=EmbedPermissions.from_claim(payload["perm"]),
        issued_at=float(payload["iat"]),
        expires_at=int(payload["exp"]),
        timezone=payload.get("tz") if isinstance(payload.get("tz"), str) else None,
        locale=payload.get("loc") if isinstance(payload.get("loc"), str) else None,
        theme={str(k): str(v) for k, v in theme.items()},
        user=str(payload.get("user") or ""),
        allow_export=payload.get("export") is True,
        dashboard_ids=tuple(dashes),
        inactivity_timeout=idle,
    )
