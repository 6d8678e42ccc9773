"""What the embed page is told: its configuration as JSON in the page (widgets the session may
see, filters and locks, periods, theme, endpoints) and the origins allowed to frame it. Hidden
widgets never reach it."""

import re
from typing import Any

from accounts.models import Organization
from core.limits import GRID_COLUMNS
from core.periods import PERIOD_LABELS
from dashboards.layout import reflow
from dashboards.spec import DashboardSpec, WidgetSpec, ratio_to_dict
from embeds.permissions import allowed_periods, default_period, visible_widgets
from embeds.selectors import VerifiedEmbed, embed_session_dashboards
from embeds.tokens import EmbedPermissions
from embeds.variants import session_view
from viewer.variant_config import variant_config
from warehouse.query import LockedValue, locked_value_json

ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def allowed_origins(organization: Organization | None) -> list[str]:
    """The organization's embed origins that are well-formed `scheme://host[:port]`: anything
    else never reaches a CSP header, a CORS header or the page."""
    configured = organization.allowed_embed_origins if organization else None
    return [o for o in (configured or []) if isinstance(o, str) and ORIGIN_RE.fullmatch(o)]


def _filter_config(dashboard_filter: Any, lock: LockedValue | None) -> dict[str, Any]:
    """A filter as the page draws it: `locked` holds the value of a one-value lock (a disabled
    input); a list lock adds `choices`, the only values the viewer may pick."""
    config = {
        "dimension": dashboard_filter.dimension,
        "label": dashboard_filter.label,
        "locked": lock if isinstance(lock, str) else None,
    }
    if isinstance(lock, tuple):
        config["choices"] = list(lock)
    return config


def page_config(verified: VerifiedEmbed) -> dict[str, Any]:
    """Everything the page script needs, as JSON in the page. Hidden widgets are not in it."""
    claims, view = verified.claims, session_view(verified, rebase=True)
    spec, permissions, dashboard_id = view.spec, claims.permissions, verified.dashboard.pk
    theme = {
        "primaryColor": spec.theme.primaryColor,
        "fontFamily": spec.theme.fontFamily,
        "mode": spec.theme.mode,
    }
    return {
        "dashboard": {"id": dashboard_id, "name": spec.name},
        "dashboards": embed_session_dashboards(claims),  # the switcher's, when more than one
        "widgets": _visible_widget_configs(permissions, spec),
        "filters": [
            _filter_config(f, permissions.locked_filters.get(f.dimension)) for f in spec.filters
        ],
        # The JSON form of each lock: a value, a list of values or a range object.
        "locked_filters": {k: locked_value_json(v) for k, v in permissions.locked_filters.items()},
        "periods": allowed_periods(permissions),
        "period_labels": {p: PERIOD_LABELS[p] for p in allowed_periods(permissions)},
        "period": default_period(permissions, spec),
        "max_date_range_days": permissions.max_date_range_days,
        "timezone": claims.timezone or verified.dashboard.organization.default_timezone,
        "locale": claims.locale,
        "theme": {**theme, **claims.theme},
        "drill_down": permissions.allow_drill_down,
        "export": claims.allow_export,
        "expires_at": claims.expires_at,
        "parent_origins": allowed_origins(verified.dashboard.organization),
        "single_widget": permissions.widget_id is not None,
        **variant_config(verified, view),
        "urls": {
            "data": f"/embed/{dashboard_id}/data",
            "drill": f"/embed/{dashboard_id}/drill",
            "values": f"/embed/{dashboard_id}/values",
            "export": f"/embed/{dashboard_id}/export",
            "usage": f"/embed/{dashboard_id}/usage",
            "variant": f"/embed/{dashboard_id}/variant",
            # Only a session that may subscribe gets the control (viewer/subscriptions.py).
            **(
                {"subscriptions": f"/embed/{dashboard_id}/subscriptions"}
                if permissions.allow_subscriptions
                else {}
            ),
        },
    }


def _visible_widget_configs(permissions: EmbedPermissions, spec: DashboardSpec) -> list[dict]:
    """The widgets the session may see. When some are hidden, the others are packed again in
    reading order, so a hidden widget leaves no hole in the grid."""
    visible = visible_widgets(permissions, spec)
    configs = [_widget_config(widget) for widget in visible]
    if permissions.widget_id is not None:
        # A single-widget embed: the card alone, the page's whole width at its own height
        # (the page then measures just that card for the helper's iframe height).
        return [
            {**c, "layout": {**c["layout"], "x": 0, "y": 0, "w": GRID_COLUMNS}} for c in configs
        ]
    if len(visible) == len(spec.widgets):
        return configs
    in_order = sorted(configs, key=lambda c: (c["layout"]["y"], c["layout"]["x"]))
    return reflow(in_order)


def _widget_config(widget: WidgetSpec) -> dict[str, Any]:
    return {
        "id": widget.id,
        "title": widget.title,
        "kind": widget.kind,
        "chart": widget.chart,
        "metric": widget.metric,
        "group_by": list(widget.group_by),
        "target": widget.target,
        "limit": widget.limit,
        "layout": widget.layout.to_dict(),
        "format": dict(widget.format) if widget.format else None,
        "steps": list(widget.steps),
        "ratio": ratio_to_dict(widget.ratio) if widget.ratio else None,
        "compare": widget.compare,
    }
