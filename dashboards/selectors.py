"""Reads of dashboards and their published versions."""

import hashlib
from collections.abc import Mapping

import orjson
from django.db.models import QuerySet

from accounts.models import Organization
from core.errors import Conflict, NotFound
from dashboards.data import dashboard_data, parse_data_request
from dashboards.models import Dashboard, DashboardVersion
from dashboards.spec import DashboardSpec, parse_spec
from warehouse.scope import Scope

DATA_VERSIONS = ("draft", "published")
DATA_REQUEST_PARAMS = frozenset({"period", "from", "to", "tz", "filters"})
TENANT_ID_MAX_LENGTH = 200


def dashboard_list(*, organization: Organization) -> QuerySet[Dashboard]:
    return Dashboard.objects.filter(organization=organization).select_related("published_version")


def dashboard_get(*, organization: Organization, dashboard_id: str) -> Dashboard:
    """The organization's dashboard; another organization's id is a NotFound like a missing one."""
    dashboard = dashboard_list(organization=organization).filter(pk=dashboard_id).first()
    if dashboard is None:
        raise NotFound("Dashboard not found.")
    return dashboard


def dashboard_has_unpublished_changes(dashboard: Dashboard) -> bool:
    """True when what customers see (nothing, or the published version) is not the draft.

    Drafts and versions are both stored in the canonical form of `spec_to_dict`, so equality of
    the stored JSON is equality of the specs."""
    version = dashboard.published_version
    return version is None or version.spec != dashboard.draft_spec


def dashboard_versions(*, dashboard: Dashboard) -> QuerySet[DashboardVersion]:
    return dashboard.versions.select_related("published_by").order_by("-number")


def dashboard_latest_version(*, dashboard: Dashboard) -> DashboardVersion | None:
    return dashboard.versions.order_by("-number").first()


def draft_spec(dashboard: Dashboard) -> DashboardSpec:
    return parse_spec(dashboard.draft_spec)


def published_spec(dashboard: Dashboard) -> DashboardSpec | None:
    """The spec embeds serve, or None when the dashboard is not published."""
    version = dashboard.published_version
    return None if version is None else parse_spec(version.spec)


def dashboard_version_key(*, dashboard: Dashboard, version: DashboardVersion | None) -> str:
    """The cache namespace of widget results. It names the dashboard (widget ids repeat across
    dashboards) and, for a draft, hashes its content: an edit changes the key, an edit that is
    undone gets the earlier results back, and two edits in one clock tick cannot collide."""
    if version is not None:
        return f"{dashboard.pk}:v{version.number}"
    digest = hashlib.sha256(
        orjson.dumps(dashboard.draft_spec, option=orjson.OPT_SORT_KEYS)
    ).hexdigest()[:20]
    return f"{dashboard.pk}:draft:{digest}"


def dashboard_version_get(*, dashboard: Dashboard, number: int) -> DashboardVersion:
    version = dashboard_versions(dashboard=dashboard).filter(number=number).first()
    if version is None:
        raise NotFound(f"This dashboard has no version {number}.")
    return version


def dashboard_admin_data(
    *, dashboard: Dashboard, tenant_id: str, version: str, params: Mapping[str, str]
) -> dict:
    """Every widget's data for one tenant, for the admin API: the draft or the published
    version (`version`), over the window and filters in `params` (period, from, to, tz,
    filters). The same `dashboard_data` the embed page calls."""
    if version == "published":
        published = dashboard.published_version
        if published is None:
            raise Conflict(
                "This dashboard is not published; ask for version=draft.", code="not_published"
            )
        spec = parse_spec(published.spec)
    else:
        published, spec = None, parse_spec(dashboard.draft_spec)
    request = parse_data_request(
        {key: value for key, value in params.items() if key in DATA_REQUEST_PARAMS},
        default_period=spec.default_period,
        default_tz=dashboard.organization.default_timezone,
    )
    return dashboard_data(
        spec=spec,
        scope=Scope(org_id=dashboard.organization_id, tenant_id=tenant_id),
        request=request,
        version_key=dashboard_version_key(dashboard=dashboard, version=published),
    )
