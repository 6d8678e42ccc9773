"""What an embed session's permissions allow, checked on the server for every request."""

from datetime import datetime, timedelta

from core.errors import Forbidden
from core.periods import CUSTOM_PERIOD, PERIODS, ROLLING_PERIODS
from dashboards.spec import DashboardSpec, WidgetSpec
from embeds.tokens import EmbedPermissions
from warehouse.query import locked_strings


def allowed_periods(permissions: EmbedPermissions) -> list[str]:
    """The periods the viewer may pick, in the picker's order (all of them if none named)."""
    allowed = set(permissions.allowed_periods or PERIODS)
    return [period for period in PERIODS if period in allowed]


def default_period(permissions: EmbedPermissions, spec: DashboardSpec) -> str:
    """The dashboard's default period if allowed, else the first allowed fixed period."""
    periods = allowed_periods(permissions)
    if spec.default_period in periods:
        return spec.default_period
    return next((p for p in periods if p != CUSTOM_PERIOD), periods[0])


def check_period(permissions: EmbedPermissions, *, period: str, length: timedelta) -> None:
    if period not in allowed_periods(permissions):
        raise Forbidden(
            f"The period {period!r} is not allowed for this embed.", code="period_not_allowed"
        )
    max_days = permissions.max_date_range_days
    if max_days is not None and length > timedelta(days=max_days):
        raise Forbidden(
            f"This embed may look at most {max_days} days at a time.", code="date_range_not_allowed"
        )


def earliest_readable(permissions: EmbedPermissions, *, end: datetime) -> datetime | None:
    """The oldest moment the session's reads may reach, a period's comparison included: with
    `custom` none (the viewer may open any window, and a previous window is as long as the one
    shown); else the start of the longest rolling period it may pick, ending at `end`."""
    periods = allowed_periods(permissions)
    if CUSTOM_PERIOD in periods:
        return None
    return end - max(ROLLING_PERIODS[period] for period in periods)


def visible_widgets(permissions: EmbedPermissions, spec: DashboardSpec) -> list[WidgetSpec]:
    """The widgets the session may see and read: not hidden, and only its widget when the
    session was issued for one."""
    return spec.visible_widgets(hidden=permissions.hidden_widgets, only=permissions.widget_id)


def check_drill_down(permissions: EmbedPermissions) -> None:
    if not permissions.allow_drill_down:
        raise Forbidden("Drill-down is not allowed for this embed.", code="drill_down_not_allowed")


def check_export(allow_export: bool) -> None:
    if not allow_export:
        raise Forbidden("Export is not allowed for this embed.", code="export_not_allowed")


def viewer_filters(permissions: EmbedPermissions, filters: dict[str, str]) -> dict[str, str]:
    """The viewer's filters as the session allows them. On a key locked to one value the
    viewer's value is ignored (the lock stands); on a key locked to a list, one of the listed
    values narrows to it and any other is a 403 `filter_not_allowed` (the page never offers
    one); a range lock is on the numeric property, which no viewer filter reaches."""
    allowed = {}
    for key, value in filters.items():
        lock = permissions.locked_filters.get(key)
        if isinstance(lock, str):
            continue
        if isinstance(lock, tuple) and value not in locked_strings(lock):
            raise Forbidden(
                f"This embed shows {key} only for: {', '.join(lock)}.", code="filter_not_allowed"
            )
        allowed[key] = value
    return allowed


def is_pickable(permissions: EmbedPermissions, dimension: str) -> bool:
    """Whether the viewer may pick values of `dimension`: unlocked, or locked to a list (the
    picker then offers only the listed values)."""
    return not isinstance(permissions.locked_filters.get(dimension), str)
