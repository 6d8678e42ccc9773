"""Reads of dashboards and their published versions."""

import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import orjson
from django.db.models import QuerySet

from accounts.models import Organization
from accounts.selectors import organization_retention_start
from core.errors import Conflict, NotFound
from core.prepared import PreparedQuery, field_names
from dashboards.data import dashboard_data, parse_data_request
from dashboards.models import Dashboard, DashboardVersion
from dashboards.spec import DashboardSpec, parse_spec
from warehouse.scope import Scope

PARSED_SPECS_MAX = 512
_parsed_specs: dict[tuple[str, int], DashboardSpec] = {}
_parsed_specs_lock = threading.Lock()

DATA_VERSIONS = ("draft", "published")
DATA_REQUEST_PARAMS = frozenset({"period", "from", "to", "tz", "filters"})


def dashboard_list(*, organization: Organization) -> QuerySet[Dashboard]:
    return Dashboard.objects.filter(organization=organization).select_related("published_version")


def dashboards_published(*, organization: Organization) -> QuerySet[Dashboard]:
    """The organization's published dashboards by name, their published version loaded."""
    return (
        Dashboard.objects.filter(organization=organization, published_version__isnull=False)
        .select_related("published_version")
        .order_by("name")
    )


def dashboards_find(
    *, dashboard_ids: Iterable[str], organization_id: str | None = None
) -> dict[str, Dashboard]:
    """The dashboards among `dashboard_ids` that exist (in the organization, when given), by
    id, with their organization and published version loaded: one query for many."""
    found = Dashboard.objects.filter(pk__in=set(dashboard_ids)).select_related(
        "published_version", "organization"
    )
    if organization_id is not None:
        found = found.filter(organization_id=organization_id)
    return {dashboard.pk: dashboard for dashboard in found}


def dashboard_oldest(*, organization: Organization) -> Dashboard | None:
    """The organization's first dashboard (the demo's, when seeded)."""
    return Dashboard.objects.filter(organization=organization).order_by("created_at").first()


def dashboard_names(*, organization: Organization, dashboard_ids: Iterable[str]) -> dict[str, str]:
    rows = Dashboard.objects.filter(organization=organization, pk__in=set(dashboard_ids))
    return dict(rows.values_list("pk", "name"))


def dashboard_published_number(*, organization: Organization, dashboard_id: str) -> int | None:
    """The number of the organization's dashboard's published version (None: unpublished) in
    one narrow query, the hot path of issuing an embed session. NotFound when there is none."""
    numbers = list(
        Dashboard.objects.filter(organization=organization, pk=dashboard_id).values_list(
            "published_version__number", flat=True
        )
    )
    if not numbers:
        raise NotFound("Not found.")
    return numbers[0]


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
    return None if version is None else dashboard_version_spec(version=version)


def dashboard_version_spec(*, version: DashboardVersion) -> DashboardSpec:
    """The parsed spec of a published version: the one parser of published specs (embeds,
    alerts and the data path). Versions are immutable, so each is parsed once per process,
    keyed by the random dashboard id and the version number."""
    return _version_spec(version.dashboard_id, version.number, lambda: version.spec)


def dashboard_version_spec_get(*, dashboard_id: str, number: int) -> DashboardSpec:
    """`dashboard_version_spec` by number: no query when the version was parsed already."""

    def load() -> dict:
        return DashboardVersion.objects.values_list("spec", flat=True).get(
            dashboard_id=dashboard_id, number=number
        )

    return _version_spec(dashboard_id, number, load)


def _version_spec(dashboard_id: str, number: int, raw: Callable[[], dict]) -> DashboardSpec:
    key = (dashboard_id, number)
    spec = _parsed_specs.get(key)
    if spec is None:
        spec = parse_spec(raw())
        with _parsed_specs_lock:
            if len(_parsed_specs) >= PARSED_SPECS_MAX:
                _parsed_specs.clear()
            _parsed_specs[key] = spec
    return spec


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
        spec = dashboard_version_spec(version=published)
    else:
        published, spec = None, parse_spec(dashboard.draft_spec)
    request = parse_data_request(
        {key: value for key, value in params.items() if key in DATA_REQUEST_PARAMS},
        default_period=spec.default_period,
        default_tz=dashboard.organization.default_timezone,
    )
    return dashboard_data(
        spec=spec,
        scope=Scope(
            org_id=dashboard.organization_id,
            tenant_id=tenant_id,
            since=organization_retention_start(organization=dashboard.organization),
        ),
        request=request,
        version_key=dashboard_version_key(dashboard=dashboard, version=published),
    )


VERSIONS_MAX = 1024
_versions: dict[int, DashboardVersion] = {}
_ORGANIZATION_FIELDS = field_names(Organization, prefix="organization__")
_ORGANIZATION_ATTNAMES = field_names(Organization)


def dashboard_version_by_id(
    *, version_id: int, dashboard_id: str | None = None
) -> DashboardVersion | None:
    """A published version by id, cached per process: versions are immutable. With
    `dashboard_id`, a cached version of another dashboard (an id reused after a rolled-back
    transaction, as SQLite may) is never returned."""
    version = _versions.get(version_id)
    if version is not None and dashboard_id is not None and version.dashboard_id != dashboard_id:
        version = None
    if version is None:
        version = DashboardVersion.objects.filter(pk=version_id).first()
        if version is None:
            return None
        if len(_versions) >= VERSIONS_MAX:
            _versions.clear()
        _versions[version_id] = version
    return version


@dataclass(frozen=True, slots=True)
class Publication:
    dashboard_id: str
    org_id: str
    version_id: int | None  # None: not published
    extra: tuple  # the caller's `extra` fields, in order
    organization_row: tuple

    def version(self) -> DashboardVersion | None:
        """The published version (cached per process), None when unpublished."""
        if self.version_id is None:
            return None
        return dashboard_version_by_id(version_id=self.version_id, dashboard_id=self.dashboard_id)

    def dashboard(self) -> Dashboard:
        """The dashboard with its organization and published version set; its other fields
        load lazily."""
        organization = Organization.from_db(
            "default", _ORGANIZATION_ATTNAMES, self.organization_row
        )
        dashboard = Dashboard.from_db(
            "default",
            ["id", "organization_id", "published_version_id"],
            [self.dashboard_id, self.org_id, self.version_id],
        )
        dashboard.organization, dashboard.published_version = organization, self.version()
        return dashboard


class PublicationReader:
    """One prepared read (core/prepared.py) of an organization's dashboard: its published
    version id, its organization (always fresh: time zone, allowed origins) and the `extra`
    fields the caller names on its relations, e.g. embeds' revocation version. The hot path of
    every embed request, so one database round trip."""

    def __init__(self, *extra: str) -> None:
        self._extra = len(extra)
        self._query = PreparedQuery(
            lambda dashboard_id, org_id: Dashboard.objects.filter(
                pk=dashboard_id, organization_id=org_id
            ).values_list("published_version_id", *extra, *_ORGANIZATION_FIELDS),
            "dashboard_id",
            "org_id",
        )

    def read(self, *, dashboard_id: str, org_id: str) -> Publication | None:
        """None when the organization has no such dashboard."""
        row = self._query.first(dashboard_id, org_id)
        if row is None:
            return None
        return Publication(
            dashboard_id=dashboard_id,
            org_id=org_id,
            version_id=row[0],
            extra=tuple(row[1 : 1 + self._extra]),
            organization_row=tuple(row[1 + self._extra :]),
        )
