"""The designer role: which variant an embed session sees, what it may save, and the edit state.

Which variant a session sees (the precedence): exactly the one its token names, never a
fallback. `variant_scope: "user"` (the default) with a session `user`: that user's own variant;
`variant_scope: "tenant"`: the tenant's shared variant; no `user` and scope "user": none. So a
personal view reaches only that user's sessions, and a tenant's shared view only the sessions
the application issues with `variant_scope: "tenant"`: the application decides per session
whether a viewer sees the published dashboard or the tenant's view. A single-widget session
(`widget_id`) never has a variant.

Who owns a variant comes from the signed token only (tenant, scope, user); a request body
naming any of them is refused as an unknown field.
"""

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from django.core.cache import cache

from accounts.selectors import organization_retention_start
from core.errors import Forbidden
from dashboards.discovery import tenant_schema
from dashboards.selectors import dashboard_version_key, dashboard_version_spec
from dashboards.spec import DashboardSpec, widget_to_dict
from dashboards.variant_selectors import variant_content, variant_for_owner
from dashboards.variant_services import variant_rebase, variant_reset, variant_save
from dashboards.variants import (
    TENANT,
    USER,
    VariantGrant,
    VariantOwner,
    computations,
    layered,
    parse_variant,
    reading_order,
)
from embeds.permissions import visible_widgets
from embeds.selectors import VerifiedEmbed
from embeds.tokens import EmbedClaims
from warehouse.query import locked_value_json
from warehouse.scope import Scope

if TYPE_CHECKING:  # what dashboards' variant selectors return; never queried here
    from dashboards.models import DashboardVariant

DESIGNER = "designer"
SCHEMA_CACHE_SECONDS = 60


def is_designer(claims: EmbedClaims) -> bool:
    return claims.permissions.role == DESIGNER and claims.permissions.widget_id is None


def session_owner(claims: EmbedClaims) -> VariantOwner | None:
    """Whose variant the session sees and (a designer) saves; None: only the published one."""
    permissions = claims.permissions
    if permissions.widget_id is not None:
        return None
    if permissions.variant_scope == TENANT:
        return VariantOwner(tenant_id=claims.tenant_id, scope=TENANT, user="")
    if claims.user:
        return VariantOwner(tenant_id=claims.tenant_id, scope=USER, user=claims.user)
    return None


def session_grant(claims: EmbedClaims, published: DashboardSpec) -> VariantGrant:
    """What the session may use in a variant: its events (`allowed_events`, else the events
    its visible published widgets read), never a locked filter key nor a hidden widget."""
    permissions = claims.permissions
    visible = visible_widgets(permissions, published)
    visible_ids = {w.id for w in visible}
    hidden = [w for w in published.widgets if w.id not in visible_ids]
    shown = frozenset().union(*(computations(w.query) for w in visible))
    events = permissions.allowed_events or tuple(
        name for w in visible for name in (w.event_name, *w.steps)
    )
    return VariantGrant(
        visible_ids=frozenset(visible_ids),
        published_ids=frozenset(w.id for w in published.widgets),
        hidden_queries=tuple(w.query for w in hidden),
        allowed_events=frozenset(events),
        locked_keys=frozenset(permissions.locked_filters),
        hidden_computations=frozenset().union(*(computations(w.query) for w in hidden)) - shown,
    )


@dataclass(frozen=True)
class SessionView:
    """What one session sees: the published spec, or it with the session's variant laid over."""

    spec: DashboardSpec
    version_key: str  # the widget cache namespace: version, variant revision and grant
    variant: "DashboardVariant | None"
    own_ids: tuple[str, ...]
    removed: int  # widgets of the variant the owner removed; > 0 only on the read that saw it

    @property
    def notice(self) -> str | None:
        if not self.removed:
            return None
        many = "widgets" if self.removed > 1 else "widget"
        were = "were" if self.removed > 1 else "was"
        return f"{self.removed} {many} of your view {were} removed by the dashboard's owner."


def session_view(verified: VerifiedEmbed, *, rebase: bool = False) -> SessionView:
    """The spec this session sees. With `rebase` (the page load), a variant saved over an
    older version is rebased onto the published one first, and `removed` says how many of its
    widgets the owner removed meanwhile: the page says so once."""
    claims, version = verified.claims, verified.version
    published = dashboard_version_spec(version=version)
    base_key = dashboard_version_key(dashboard=verified.dashboard, version=version)
    owner = session_owner(claims)
    variant = (
        variant_for_owner(org_id=claims.org_id, dashboard_id=verified.dashboard.pk, owner=owner)
        if owner is not None
        else None
    )
    if variant is None:
        return SessionView(published, base_key, None, (), 0)
    removed = 0
    if rebase and variant.base_version != version.number:
        removed = variant_rebase(variant_id=variant.pk, published=published, number=version.number)
        variant = variant_for_owner(
            org_id=claims.org_id, dashboard_id=verified.dashboard.pk, owner=owner
        )
        if variant is None:  # deleted meanwhile
            return SessionView(published, base_key, None, (), 0)
    grant = session_grant(claims, published)
    view = layered(published, variant_content(variant), grant=grant)
    return SessionView(
        spec=view.spec,
        version_key=f"{base_key}:{variant.pk}:r{variant.revision}:{_grant_digest(claims, grant)}",
        variant=variant,
        own_ids=view.own_ids,
        removed=removed,
    )


def _grant_digest(claims: EmbedClaims, grant: VariantGrant) -> str:
    material = [
        claims.tenant_id,
        sorted(claims.permissions.locked_filters.items()),
        sorted(grant.allowed_events),
        sorted(grant.visible_ids),
    ]
    return hashlib.sha256(orjson.dumps(material, default=str)).hexdigest()[:16]


def check_designer(claims: EmbedClaims) -> VariantOwner:
    """The owner a designer session saves as; 403 for every other session."""
    owner = session_owner(claims) if is_designer(claims) else None
    if owner is None:
        raise Forbidden(
            "This embed session may look at the dashboard, not change it.", code="not_designer"
        )
    return owner


def session_variant_save(*, verified: VerifiedEmbed, body: object) -> "DashboardVariant":
    """A designer's save (the whole view: own widgets, layout, hidden, the revision edited)."""
    owner = check_designer(verified.claims)
    published = dashboard_version_spec(version=verified.version)
    content, revision = parse_variant(body, grant=session_grant(verified.claims, published))
    return variant_save(
        dashboard=verified.dashboard,
        owner=owner,
        content=content,
        base_version=verified.version.number,
        revision=revision,
    )


def session_variant_reset(*, verified: VerifiedEmbed) -> bool:
    """Back to the published dashboard: the designer's variant is deleted."""
    owner = check_designer(verified.claims)
    return variant_reset(dashboard=verified.dashboard, owner=owner)


def session_edit_state(verified: VerifiedEmbed) -> dict[str, Any]:
    """A designer's starting point: the variant's own widgets (hidden ones too), the order
    shown, the revision to send back, and what may be charted: the session's events and
    the keys the tenant's own recent events of them carry."""
    check_designer(verified.claims)
    claims = verified.claims
    view = session_view(verified)
    published = dashboard_version_spec(version=verified.version)
    grant = session_grant(claims, published)
    content = variant_content(view.variant) if view.variant is not None else None
    shown = reading_order(visible_widgets(claims.permissions, view.spec))
    return {
        "revision": view.variant.revision if view.variant is not None else 0,
        "widgets": [widget_to_dict(w) for w in content.widgets] if content else [],
        "hidden": list(content.hidden) if content else [],
        "layout": [{"id": w.id, **w.layout.to_dict()} for w in shown],
        "schema": _schema(verified, sorted(grant.allowed_events)),
    }


def _schema(verified: VerifiedEmbed, events: list[str]) -> dict[str, Any]:
    """The tenant's own keys and values of `events`, read under the session's locked filters
    (a designer locked to region "eu" is offered only what its "eu" rows carry). Cached per
    tenant, events and locks: sessions under other locks never share an answer."""
    claims = verified.claims
    locks = claims.permissions.locked_filters
    material = [
        claims.org_id,
        claims.tenant_id,
        events,
        sorted((key, locked_value_json(value)) for key, value in locks.items()),
    ]
    key = "sightline:embed:schema:v2:" + hashlib.sha256(orjson.dumps(material)).hexdigest()
    schema = cache.get(key)
    if schema is None:
        scope = Scope(
            org_id=claims.org_id,
            tenant_id=claims.tenant_id,
            since=organization_retention_start(organization=verified.dashboard.organization),
        )
        schema = tenant_schema(scope=scope, event_names=events, locked_filters=locks)
        cache.set(key, schema, SCHEMA_CACHE_SECONDS)
    return schema
