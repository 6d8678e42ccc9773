"""The widget a rule watches: always the PUBLISHED version of its dashboard, the one customers
see. A rule whose dashboard is gone or unpublished, or whose widget was removed, has no target;
nor has a viewer's rule (a grant) whose widget its embed session could not see."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dashboards.selectors import dashboard_version_spec, dashboards_find
from dashboards.spec import DashboardSpec, WidgetSpec

if TYPE_CHECKING:  # what dashboards' selectors return; read through them, never queried here
    from dashboards.models import Dashboard


class TargetGone(Exception):
    """The rule cannot be evaluated any more; `reason` is shown to the operator."""

    def __init__(self, reason: str, *, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class RuleTarget:
    dashboard: "Dashboard"
    version_number: int
    widget: WidgetSpec
    default_period: str


class TargetResolver:
    """Resolves rules to widgets, loading each dashboard once (a tick resolves every rule; many
    rules share a dashboard); published specs come parsed from dashboards' cache."""

    def __init__(self, *, organization_id: str | None = None) -> None:
        self._organization_id = organization_id
        self._dashboards: dict[str, Dashboard | None] = {}

    def preload(self, dashboard_ids: Iterable[str]) -> None:
        wanted = {pk for pk in dashboard_ids if pk not in self._dashboards}
        if not wanted:
            return
        by_id = dashboards_find(dashboard_ids=wanted, organization_id=self._organization_id)
        self._dashboards.update({pk: by_id.get(pk) for pk in wanted})

    def resolve(
        self,
        *,
        organization_id: str,
        dashboard_id: str,
        widget_id: str,
        grant: Mapping[str, Any] | None = None,
    ) -> RuleTarget:
        self.preload([dashboard_id])
        dashboard = self._dashboards[dashboard_id]
        if dashboard is None or dashboard.organization_id != organization_id:
            raise TargetGone("The dashboard was deleted.", code="dashboard_not_found")
        version = dashboard.published_version
        if version is None:
            raise TargetGone("The dashboard is not published.", code="dashboard_not_published")
        spec = dashboard_version_spec(version=version)
        widget = spec.widget(widget_id)
        if widget is None:
            raise TargetGone(
                f"The widget {widget_id} is not on the published dashboard any more.",
                code="widget_not_found",
            )
        if grant is not None and not _grant_sees(grant, spec, widget_id):
            raise TargetGone(
                f"The widget {widget_id} is hidden from the embed session this alert was set in.",
                code="widget_not_visible",
            )
        if widget.kind == "funnel":  # steps of users, not one value per tenant
            raise TargetGone("A funnel has no single value to watch.", code="widget_not_watchable")
        return RuleTarget(
            dashboard=dashboard,
            version_number=version.number,
            widget=widget,
            default_period=spec.default_period,
        )


def _grant_sees(grant: Mapping[str, Any], spec: DashboardSpec, widget_id: str) -> bool:
    visible = spec.visible_widgets(
        hidden=grant.get("hidden_widgets") or (), only=grant.get("widget_id") or None
    )
    return any(widget.id == widget_id for widget in visible)
