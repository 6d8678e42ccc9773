"""The widget a rule watches: always the PUBLISHED version of its dashboard, the one customers
see. A rule whose dashboard is gone or unpublished, or whose widget was removed, has no target."""

from collections.abc import Iterable
from dataclasses import dataclass

from dashboards.models import Dashboard
from dashboards.spec import DashboardSpec, WidgetSpec, parse_spec


class TargetGone(Exception):
    """The rule cannot be evaluated any more; `reason` is shown to the operator."""

    def __init__(self, reason: str, *, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class RuleTarget:
    dashboard: Dashboard
    version_number: int
    widget: WidgetSpec
    default_period: str


class TargetResolver:
    """Resolves rules to widgets, loading each dashboard and parsing each published spec once
    (a tick resolves every rule; many rules share a dashboard)."""

    def __init__(self, *, organization_id: str | None = None) -> None:
        self._organization_id = organization_id
        self._dashboards: dict[str, Dashboard | None] = {}
        self._specs: dict[int, DashboardSpec] = {}

    def preload(self, dashboard_ids: Iterable[str]) -> None:
        wanted = {pk for pk in dashboard_ids if pk not in self._dashboards}
        if not wanted:
            return
        found = Dashboard.objects.filter(pk__in=wanted).select_related("published_version")
        if self._organization_id is not None:
            found = found.filter(organization_id=self._organization_id)
        by_id = {dashboard.pk: dashboard for dashboard in found}
        self._dashboards.update({pk: by_id.get(pk) for pk in wanted})

    def resolve(self, *, organization_id: str, dashboard_id: str, widget_id: str) -> RuleTarget:
        self.preload([dashboard_id])
        dashboard = self._dashboards[dashboard_id]
        if dashboard is None or dashboard.organization_id != organization_id:
            raise TargetGone("The dashboard was deleted.", code="dashboard_not_found")
        version = dashboard.published_version
        if version is None:
            raise TargetGone("The dashboard is not published.", code="dashboard_not_published")
        spec = self._specs.get(version.pk)
        if spec is None:
            spec = self._specs[version.pk] = parse_spec(version.spec)
        widget = spec.widget(widget_id)
        if widget is None:
            raise TargetGone(
                f"The widget {widget_id} is not on the published dashboard any more.",
                code="widget_not_found",
            )
        return RuleTarget(
            dashboard=dashboard,
            version_number=version.number,
            widget=widget,
            default_period=spec.default_period,
        )
