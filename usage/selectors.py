"""Reads of embed usage for the operator (the console's Usage page, GET /v1/usage)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from accounts.models import Organization
from accounts.selectors import organization_retention_start
from core.errors import InvalidInput
from core.periods import ROLLING_PERIODS
from dashboards.selectors import dashboard_names
from warehouse.usage import UsageReport, UsageWindow, usage_choices, usage_report

USAGE_PERIODS: tuple[str, ...] = tuple(ROLLING_PERIODS)  # 24h, 7d, 30d, 90d
DEFAULT_USAGE_PERIOD = "7d"


@dataclass(frozen=True)
class OrganizationUsage:
    period: str
    start: datetime
    end: datetime
    bucket: str
    tenant_id: str
    dashboard_id: str
    report: UsageReport
    tenants: list[str]  # tenants with usage in the period (the page's picker)
    dashboards: list[tuple[str, str]]  # (id, name) with usage in the period
    names: dict[str, str]  # dashboard id -> name, for the report's rows

    @property
    def empty(self) -> bool:
        return not self.tenants


def organization_usage(
    *,
    organization: Organization,
    period: str = DEFAULT_USAGE_PERIOD,
    tenant_id: str = "",
    dashboard_id: str = "",
    now: datetime | None = None,
) -> OrganizationUsage:
    """The organization's embed usage over a rolling period, optionally for one tenant or one
    dashboard. Only this organization's rows, within its retention. InvalidInput for a period
    that is not one of USAGE_PERIODS."""
    if period not in USAGE_PERIODS:
        raise InvalidInput(
            "The request is invalid.",
            details=[{"field": "period", "message": f"One of {', '.join(USAGE_PERIODS)}."}],
        )
    end = _next_minute(now or timezone.now())
    start = end - ROLLING_PERIODS[period]
    bucket = "hour" if period == "24h" else "day"
    window = UsageWindow(
        org_id=organization.pk,
        start=start,
        end=end,
        bucket=bucket,
        since=organization_retention_start(organization=organization, now=end),
        tenant_id=tenant_id or None,
        dashboard_id=dashboard_id or None,
    )
    report = usage_report(window)
    tenants, dashboard_ids = usage_choices(window)
    names = dashboard_names(
        organization=organization,
        dashboard_ids={*dashboard_ids, *(row["dashboard_id"] for row in report.dashboards)},
    )
    return OrganizationUsage(
        period=period,
        start=start,
        end=end,
        bucket=bucket,
        tenant_id=tenant_id,
        dashboard_id=dashboard_id,
        report=report,
        tenants=tenants,
        dashboards=sorted(
            ((pk, names.get(pk, "(deleted dashboard)")) for pk in dashboard_ids),
            key=lambda pair: pair[1].lower(),
        ),
        names=names,
    )


def _next_minute(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    floored = moment.replace(second=0, microsecond=0)
    return floored if floored == moment else floored + timedelta(minutes=1)
