"""Digest e-mails: a dashboard's KPIs and charts for one subscription, under the grant of the
embed session that created it, never with the operator's access.

`compose_digests(items)` answers, for each `DigestItem` in order, a ready `EmailMultiAlternatives`
(not sent: the caller delivers it) or a `DigestSkipped` with its reason:

- `dashboard_not_found`, `not_published`, `no_visible_widgets` (the grant's widgets are all
  gone or hidden), `invalid_period`, `invalid_grant` (the data path refused the grant's
  filters): final, the subscription has nothing to send;
- `warehouse_unavailable`, `render_failed`: `retry=True`, the same digest may be tried again.

At each run the grant is checked against the dashboard's current published version: the
widgets are those `embeds.permissions.visible_widgets` shows for the grant's hidden widgets and
widget (a widget removed since is gone), the data comes from `dashboards.data.dashboard_data` with
the grant's tenant and locked filters (passed through as given), over the grant's period ("24h"
daily, "7d" weekly) ending at the next minute, in the grant's time zone (else the organization's).

Work is shared: one data read per (dashboard version, tenant, locked filters, visible widgets,
period, time zone), one render per (widget, data, theme, locale, time zone). The reads that
differ only in the tenant are made together, up to `GROUPED_TENANTS` tenants in one grouped
round trip (`dashboards.data.dashboards_data_of_tenants`: each tenant's data is what its own
read answers). Renders run in the Node workers of `subscriptions.charts` while the next data
is read.

Additions to the agreed interface: `DigestSkipped.retry`, and `compose_digests(items,
timings={})`, which fills the dict with the seconds spent reading data (`data`), waiting for the
renders after the last read (`render`), building messages (`mime`), the renderers' busy time
summed over the workers (`render_busy`), and the number of data reads and renders (`groups`,
`renders`); bench/digests.py prints them.
"""

import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from django.core.mail import EmailMultiAlternatives

from accounts.selectors import organization_retention_start
from core.errors import ApiError
from core.periods import ROLLING_PERIODS
from dashboards.data import (
    GROUPED_TENANTS,
    WarehouseDown,
    dashboards_data_of_tenants,
    parse_data_request,
)
from dashboards.selectors import dashboard_version_key, dashboard_version_spec, dashboards_find
from dashboards.spec import DashboardSpec, WidgetSpec, widget_to_dict
from embeds.permissions import earliest_readable, visible_widgets
from embeds.tokens import EmbedPermissions
from subscriptions.charts import ChartRenderError, chart_pool
from subscriptions.digest_mail import DigestContent, WidgetBlock, digest_message
from warehouse.scope import Scope

logger = logging.getLogger(__name__)

CHART_SCALE = 2  # PNG pixels per CSS pixel: sharp on high-density screens


@dataclass(frozen=True)
class DigestGrant:
    org_id: str
    dashboard_id: str
    tenant_id: str
    locked_filters: Mapping[str, Any]
    hidden_widgets: tuple[str, ...]
    widget_id: str | None
    period: str  # "24h" for daily, "7d" for weekly
    timezone: str | None
    locale: str | None
    theme: Mapping[str, str]
    # The session's periods: without "custom" nothing before its longest one is read (a KPI's
    # previous period there is none). Empty: every period.
    allowed_periods: tuple[str, ...] = ()


@dataclass(frozen=True)
class DigestItem:
    grant: DigestGrant
    to: str
    link_url: str
    unsubscribe_url: str


@dataclass(frozen=True)
class DigestSkipped:
    reason: str
    retry: bool = False  # a passing failure: the same digest may be composed again later


@dataclass
class _Plan:
    """What one item reads and draws, before any data."""

    item: DigestItem
    name: str
    spec: DashboardSpec
    widgets: list[WidgetSpec]
    scope: Scope
    version_key: str
    timezone: str
    theme: dict[str, str]
    data_key: bytes
    read_key: bytes  # the data key without the tenant: plans read together


@dataclass
class _Group:
    """One data read shared by every plan with the same key, and its renders."""

    plan: _Plan
    data: dict[str, Any] | None = None
    skipped: DigestSkipped | None = None
    cards: dict[str, tuple[Future, int]] = field(default_factory=dict)  # widget id -> render
    times: tuple[tuple[Future, int], ...] = ()


def compose_digests(
    items: Sequence[DigestItem], *, timings: dict[str, float] | None = None
) -> list[EmailMultiAlternatives | DigestSkipped]:
    timings = timings if timings is not None else {}
    timings.update(data=0.0, render=0.0, mime=0.0)
    now = datetime.now(UTC)
    pool = chart_pool()
    busy = pool.busy_seconds
    plans = _plans(items, now)
    groups: dict[bytes, _Group] = {}
    together: dict[bytes, list[_Group]] = {}  # groups that differ only in the tenant
    for plan in plans:
        if isinstance(plan, _Plan) and plan.data_key not in groups:
            groups[plan.data_key] = _Group(plan=plan)
            together.setdefault(plan.read_key, []).append(groups[plan.data_key])
    renders: dict[bytes, tuple[Future, int]] = {}
    for alike in together.values():
        for first in range(0, len(alike), GROUPED_TENANTS):
            chunk = alike[first : first + GROUPED_TENANTS]
            started = time.perf_counter()
            _read(chunk, now)
            timings["data"] += time.perf_counter() - started
            for group in chunk:
                if group.data is not None:
                    _submit_renders(group, renders, pool)
    started = time.perf_counter()
    for future, _ in renders.values():
        future.exception()  # wait; failures are read per digest below
    timings["render"] = time.perf_counter() - started
    timings["render_busy"] = pool.busy_seconds - busy
    timings.update(groups=len(groups), renders=len(renders))
    started = time.perf_counter()
    shared_images: dict[str, Any] = {}
    out = [
        _message(plan, groups[plan.data_key], shared_images) if isinstance(plan, _Plan) else plan
        for plan in plans
    ]
    timings["mime"] = time.perf_counter() - started
    return out


def _plans(items: Sequence[DigestItem], now: datetime) -> list[_Plan | DigestSkipped]:
    dashboards = dashboards_find(dashboard_ids={item.grant.dashboard_id for item in items})
    retention: dict[str, Any] = {}
    plans: list[_Plan | DigestSkipped] = []
    for item in items:
        grant = item.grant
        dashboard = dashboards.get(grant.dashboard_id)
        if dashboard is None or dashboard.organization_id != grant.org_id:
            plans.append(DigestSkipped("dashboard_not_found"))
            continue
        version = dashboard.published_version
        if version is None:
            plans.append(DigestSkipped("not_published"))
            continue
        if grant.period not in ROLLING_PERIODS:
            plans.append(DigestSkipped("invalid_period"))
            continue
        spec = dashboard_version_spec(version=version)
        permissions = EmbedPermissions(
            hidden_widgets=tuple(grant.hidden_widgets), widget_id=grant.widget_id
        )
        widgets = sorted(visible_widgets(permissions, spec), key=lambda w: (w.layout.y, w.layout.x))
        if not widgets:
            plans.append(DigestSkipped("no_visible_widgets"))
            continue
        organization = dashboard.organization
        if organization.pk not in retention:
            retention[organization.pk] = organization_retention_start(organization=organization)
        timezone = grant.timezone or organization.default_timezone
        locked = dict(grant.locked_filters)
        since = _since(grant, retention[organization.pk], now)
        read = [grant.org_id, grant.dashboard_id, version.number, locked, [w.id for w in widgets]]
        plans.append(
            _Plan(
                item=item,
                name=spec.name or dashboard.name,
                spec=spec,
                widgets=widgets,
                scope=Scope(
                    org_id=grant.org_id,
                    tenant_id=grant.tenant_id,
                    since=since,
                ),
                version_key=dashboard_version_key(dashboard=dashboard, version=version),
                timezone=timezone,
                theme={
                    "primaryColor": spec.theme.primaryColor,
                    "fontFamily": spec.theme.fontFamily,
                    "mode": spec.theme.mode,
                    **{str(k): str(v) for k, v in grant.theme.items()},
                },
                # The scope's start too: a tenant's digests of sessions with other periods
                # are other data (a grouped read splits its tenants by their start).
                data_key=_key(*read, grant.period, timezone, grant.tenant_id, since.isoformat()),
                read_key=_key(*read, grant.period, timezone),
            )
        )
    return plans


def _since(grant: DigestGrant, retention: datetime, now: datetime) -> datetime:
    """The oldest moment the digest reads: the retention's, or later when the session that
    made it could not open anything older (embeds.permissions.earliest_readable)."""
    end = parse_data_request({"period": grant.period}, default_period=grant.period, now=now).end
    permissions = EmbedPermissions(allowed_periods=grant.allowed_periods)
    earliest = earliest_readable(permissions, end=end)
    return retention if earliest is None else max(retention, earliest)


def _key(*parts: Any) -> bytes:
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).digest()


def _read(groups: list[_Group], now: datetime) -> None:
    """The data of groups that differ only in the tenant (one read key), read together."""
    plan = groups[0].plan
    try:
        request = parse_data_request(
            {"period": plan.item.grant.period, "tz": plan.timezone},
            default_period=plan.item.grant.period,
            now=now,
        )
        visible = {w.id for w in plan.widgets}
        answers = dashboards_data_of_tenants(
            spec=plan.spec,
            scopes=[group.plan.scope for group in groups],
            request=request,
            locked_filters=plan.item.grant.locked_filters,
            hidden_widgets=[w.id for w in plan.spec.widgets if w.id not in visible],
            version_key=plan.version_key,
        )
    except WarehouseDown:
        for group in groups:
            group.skipped = DigestSkipped("warehouse_unavailable", retry=True)
    except ApiError as exc:
        logger.warning("digest of %s refused: %s", plan.item.grant.dashboard_id, exc)
        for group in groups:
            group.skipped = DigestSkipped("invalid_grant")
    else:
        for group, data in zip(groups, answers, strict=True):
            group.data = data


def _submit_renders(group: _Group, renders: dict[bytes, tuple[Future, int]], pool: Any) -> None:
    """Queue this group's cards that no earlier group has asked for, in one worker request."""
    plan, data = group.plan, group.data
    assert data is not None
    grant = plan.item.grant
    widget_data = {entry["id"]: entry for entry in data["widgets"]}
    asked: list[tuple[bytes, dict[str, Any]]] = []

    def ask(job: dict[str, Any]) -> bytes:
        key = _key(job)
        if key not in renders and all(key != k for k, _ in asked):
            asked.append((key, job))
        return key

    period = data["period"]
    time_keys = [
        # formatTime reads the warehouse's UTC text ("2026-04-14 10:00:00")
        ask(
            {
                "time": _warehouse_time(period[bound]),
                "timezone": plan.timezone,
                "locale": grant.locale,
            }
        )
        for bound in ("from", "to")
    ]
    widget_keys = {}
    for widget in plan.widgets:
        entry = widget_data.get(widget.id)
        if entry is None or entry.get("error"):
            continue
        widget_keys[widget.id] = ask(
            {
                "widget": widget_to_dict(widget),
                "data": entry["data"],
                "theme": plan.theme,
                "locale": grant.locale,
                "timezone": plan.timezone,
                "scale": CHART_SCALE,
            }
        )
    if asked:
        future = pool.submit([job for _, job in asked])
        for index, (key, _) in enumerate(asked):
            renders[key] = (future, index)
    group.times = tuple(renders[key] for key in time_keys)
    group.cards = {widget_id: renders[key] for widget_id, key in widget_keys.items()}


def _warehouse_time(iso: str) -> str:
    return iso.removesuffix("Z").replace("T", " ")


def _result(render: tuple[Future, int]) -> dict[str, Any]:
    future, index = render
    return future.result()[index]


def _message(
    plan: _Plan, group: _Group, shared_images: dict[str, Any]
) -> EmailMultiAlternatives | DigestSkipped:
    if group.skipped is not None:
        return group.skipped
    try:
        period = tuple(_result(render)["text"] for render in group.times)
        cards = {widget_id: _result(render) for widget_id, render in group.cards.items()}
    except ChartRenderError as exc:
        logger.warning("digest charts of %s failed: %s", plan.item.grant.dashboard_id, exc)
        return DigestSkipped("render_failed", retry=True)
    meta = chart_pool().meta
    blocks = [
        WidgetBlock(widget=widget, card=cards.get(widget.id) or {"error": "query failed"})
        for widget in plan.widgets
    ]
    content = DigestContent(
        name=plan.name,
        period=plan.item.grant.period,
        period_text=period,
        timezone=plan.timezone,
        blocks=blocks,
        theme=plan.theme,
        colors=meta["colors"]["dark" if plan.theme.get("mode") == "dark" else "light"],
        states=meta["states"],
    )
    return digest_message(
        content,
        to=plan.item.to,
        link_url=plan.item.link_url,
        unsubscribe_url=plan.item.unsubscribe_url,
        shared_images=shared_images,
    )
