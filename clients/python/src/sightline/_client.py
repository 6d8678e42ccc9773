"""The Sightline backend SDK: ``Sightline(host=..., api_key=...)``. Sync, on httpx; the same
surface as @sightline/node, in snake_case."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from sightline import _validate as v
from sightline._transport import Transport

VERSION = "0.1.0"


@dataclass(frozen=True)
class EmbedSession:
    token: str
    embed_url: str
    expires_at: str
    session_id: str
    dashboard_ids: tuple[str, ...] = ()  # the dashboards it opens, the default first


@dataclass(frozen=True)
class SentEvents:
    accepted: int
    batches: int


class Sightline:
    """A client of one Sightline server with one API key.

    ``transport`` is an optional httpx transport (tests, proxies); ``max_retries`` bounds the
    retries of a 429, a 5xx or a dropped connection (only calls safe to repeat are retried on
    the last two)."""

    def __init__(
        self,
        *,
        host: str,
        api_key: str,
        timeout: float = 30.0,
        max_retries: int = 5,
        retry_base: float = 0.5,
        max_retry_delay: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        v.require_string(host, "host", max_length=2000)
        parts = urlsplit(host)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            v.fail("host", "must be an absolute http(s) URL such as https://analytics.example.com")
        v.require_string(api_key, "api_key", max_length=500)
        for name, value in (
            ("timeout", timeout),
            ("retry_base", retry_base),
            ("max_retry_delay", max_retry_delay),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                v.fail(name, "must be a number of seconds, at least 0")
        v.require_int(max_retries, "max_retries", low=0)
        self._transport = Transport(
            host=host.rstrip("/"),
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            retry_base=retry_base,
            max_retry_delay=max_retry_delay,
            user_agent=f"sightline-python/{VERSION}",
            transport=transport,
        )
        call = self._transport.request
        self.dashboards = Dashboards(call)
        self.discovery = Discovery(call)
        self.usage = Usage(call)
        self.alerts = Alerts(call)
        self.subscriptions = Subscriptions(call)
        self.organization = OrganizationSettings(call)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Sightline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- Embed sessions ---------------------------------------------------------------------

    def create_embed_session(
        self,
        *,
        tenant_id: str,
        dashboard_id: str | None = None,
        dashboard_ids: Sequence[str] | None = None,
        inactivity_timeout: int | None = None,
        expires_in: int | None = None,
        permissions: Mapping[str, Any] | None = None,
        timezone: str | None = None,
        theme: Mapping[str, str] | None = None,
        user: str | None = None,
        allow_export: bool | None = None,
        widget_id: str | None = None,
        single_use_url: bool | None = None,
        locale: str | None = None,
    ) -> EmbedSession:
        """A signed embed session for one tenant (one widget with ``widget_id``; an URL that
        opens once with ``single_use_url=True``; several dashboards with ``dashboard_ids``, the
        default ``dashboard_id`` or else the first; ending after ``inactivity_timeout`` idle
        seconds)."""
        body = v.session_to_wire(
            tenant_id=tenant_id,
            dashboard_id=dashboard_id,
            dashboard_ids=dashboard_ids,
            inactivity_timeout=inactivity_timeout,
            expires_in=expires_in,
            permissions=permissions,
            timezone=timezone,
            theme=theme,
            user=user,
            allow_export=allow_export,
            widget_id=widget_id,
            single_use_url=single_use_url,
            locale=locale,
        )
        answer = self._transport.request("POST", "/v1/embed-sessions", body=body, idempotent=False)
        return EmbedSession(
            token=answer["token"],
            embed_url=answer["embed_url"],
            expires_at=answer["expires_at"],
            session_id=answer["session_id"],
            dashboard_ids=tuple(answer.get("dashboard_ids") or ()),
        )

    def list_embed_sessions(
        self,
        *,
        tenant_id: str | None = None,
        active: bool = True,
        limit: int | None = None,
        offset: int | None = None,
    ) -> dict[str, Any]:
        """``{count, next, previous, results}``; active sessions only unless ``active=False``."""
        query: dict[str, Any] = {"active": v.require_bool(active, "active")}
        if tenant_id is not None:
            query["tenant_id"] = v.require_string(tenant_id, "tenant_id", max_length=128)
        query.update(v.paging(limit, offset))
        return self._transport.request("GET", "/v1/embed-sessions", query=query)

    def revoke_embed_session(self, session_id: str) -> None:
        """Revoke one session by its id (create_embed_session's ``session_id``)."""
        session = v.require_id(session_id, "session_id")
        self._transport.request("DELETE", f"/v1/embed-sessions/{session}")

    def revoke_tenant_sessions(self, tenant_id: str) -> dict[str, Any]:
        body = {"tenant_id": v.require_string(tenant_id, "tenant_id", max_length=128)}
        return self._transport.request(
            "POST", "/v1/embed-sessions/revoke", body=body, idempotent=True
        )

    def revoke_all_sessions(self) -> dict[str, Any]:
        return self._transport.request(
            "POST", "/v1/embed-sessions/revoke", body={"all": True}, idempotent=True
        )

    # --- Variants (customers' own views, saved by designer sessions) ------------------------

    def list_variants(
        self,
        *,
        dashboard_id: str | None = None,
        tenant_id: str | None = None,
        user: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> dict[str, Any]:
        """``{count, next, previous, results}``, newest change first; ``user=""`` lists the
        tenants' shared variants."""
        query: dict[str, Any] = {}
        if dashboard_id is not None:
            query["dashboard_id"] = v.require_id(dashboard_id, "dashboard_id")
        if tenant_id is not None:
            query["tenant_id"] = v.require_string(tenant_id, "tenant_id", max_length=128)
        if user is not None:
            if not isinstance(user, str) or len(user) > 200:
                v.fail("user", "must be a string of at most 200 characters")
            query["user"] = user
        query.update(v.paging(limit, offset))
        return self._transport.request("GET", "/v1/variants", query=query)

    def delete_variant(self, variant_id: str) -> None:
        """Its owner (one user, or the whole tenant) sees the published dashboard again."""
        variant = v.require_id(variant_id, "variant_id")
        self._transport.request("DELETE", f"/v1/variants/{variant}")

    # --- Events -----------------------------------------------------------------------------

    def send_events(
        self, events: Iterable[Mapping[str, Any]], *, batch_size: int = v.MAX_BATCH
    ) -> SentEvents:
        """Send events from any iterable in gzip batches of at most 1,000. Every event is
        checked, and gets its ``insert_id`` and ``timestamp``, before the first batch leaves,
        so a batch retried after a 429, a 5xx or a broken connection is counted once."""
        if isinstance(events, (str, bytes, Mapping)) or not isinstance(events, Iterable):
            v.fail("events", "must be a list or another iterable of events")
        v.require_int(batch_size, "batch_size", low=1, high=v.MAX_BATCH)
        now = v.iso(datetime.now(UTC))
        wire = [v.event_to_wire(event, index, now) for index, event in enumerate(events)]
        accepted = batches = 0
        for start in range(0, len(wire), batch_size):
            answer = self._transport.request(
                "POST",
                "/v1/events",
                body={"events": wire[start : start + batch_size]},
                compress=True,
                idempotent=True,
            )
            accepted += answer["accepted"]
            batches += 1
        return SentEvents(accepted=accepted, batches=batches)


Call = Any  # Transport.request


class Dashboards:
    def __init__(self, call: Call) -> None:
        self._call = call

    def list(self, *, limit: int | None = None, offset: int | None = None) -> dict[str, Any]:
        return self._call("GET", "/v1/dashboards", query=_page(limit, offset))

    def get(self, dashboard_id: str) -> dict[str, Any]:
        return self._call("GET", _dashboard(dashboard_id))

    def create(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        body = dict(v.require_mapping(spec, "spec"))
        return self._call("POST", "/v1/dashboards", body=body, idempotent=False)

    def update(self, dashboard_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        body = dict(v.require_mapping(changes, "changes"))
        return self._call("PATCH", _dashboard(dashboard_id), body=body, idempotent=True)

    def delete(self, dashboard_id: str) -> None:
        self._call("DELETE", _dashboard(dashboard_id))

    def publish(self, dashboard_id: str) -> dict[str, Any]:
        return self._call("POST", f"{_dashboard(dashboard_id)}/publish", idempotent=True)

    def unpublish(self, dashboard_id: str) -> dict[str, Any]:
        return self._call("POST", f"{_dashboard(dashboard_id)}/unpublish", idempotent=True)

    def versions(self, dashboard_id: str) -> dict[str, Any]:
        return self._call("GET", f"{_dashboard(dashboard_id)}/versions")

    def data(
        self,
        dashboard_id: str,
        *,
        tenant_id: str,
        period: str | None = None,
        from_: datetime | str | None = None,
        to: datetime | str | None = None,
        tz: str | None = None,
        filters: Mapping[str, str] | None = None,
        version: str | None = None,
    ) -> dict[str, Any]:
        """Widget data for one tenant: ``{period, widgets: [{id, kind, data}]}``."""
        query: dict[str, Any] = {
            "tenant_id": v.require_string(tenant_id, "tenant_id", max_length=128)
        }
        if period is not None:
            if period not in v.PERIODS:
                v.fail("period", f"must be one of {', '.join(v.PERIODS)}")
            query["period"] = period
        query["from"] = v.instant(from_, "from_")
        query["to"] = v.instant(to, "to")
        if tz is not None and not v.is_time_zone(tz):
            v.fail("tz", "must be an IANA time zone name")
        query["tz"] = tz
        if filters is not None:
            query["filters"] = dict(v.require_mapping(filters, "filters"))
        if version is not None:
            if version not in ("draft", "published"):
                v.fail("version", 'must be "draft" or "published"')
            query["version"] = version
        return self._call("GET", f"{_dashboard(dashboard_id)}/data", query=query)


class Discovery:
    def __init__(self, call: Call) -> None:
        self._call = call

    def discover(self, *, tenant_id: str | None = None) -> dict[str, Any]:
        """The event names, properties and tenants seen recently (optionally of one tenant)."""
        query = {}
        if tenant_id is not None:
            query["tenant_id"] = v.require_string(tenant_id, "tenant_id", max_length=128)
        return self._call("GET", "/v1/discover", query=query)

    def auto_create(self, *, name: str | None = None, tenant_id: str | None = None) -> dict:
        """A draft dashboard built from what was discovered."""
        body = {}
        if name is not None:
            body["name"] = v.require_string(name, "name")
        if tenant_id is not None:
            body["tenant_id"] = v.require_string(tenant_id, "tenant_id", max_length=128)
        return self._call("POST", "/v1/discover/auto-create", body=body, idempotent=False)


class Usage:
    def __init__(self, call: Call) -> None:
        self._call = call

    def get(
        self,
        *,
        period: str | None = None,
        tenant_id: str | None = None,
        dashboard_id: str | None = None,
    ) -> dict[str, Any]:
        """The organization's embed usage (GET /v1/usage, a read or admin key): views, distinct
        viewers, p50 / p95 load time, data requests, errors and exports, per tenant, per
        dashboard and over time. `period`: 24h, 7d (default), 30d or 90d."""
        query = {}
        if period is not None:
            if period not in ("24h", "7d", "30d", "90d"):
                v.fail("period", "must be one of 24h, 7d, 30d, 90d")
            query["period"] = period
        if tenant_id is not None:
            query["tenant_id"] = v.require_string(tenant_id, "tenant_id", max_length=128)
        if dashboard_id is not None:
            query["dashboard_id"] = v.require_id(dashboard_id, "dashboard_id")
        return self._call("GET", "/v1/usage", query=query)


class Alerts:
    def __init__(self, call: Call) -> None:
        self._call = call

    def list(self, *, limit: int | None = None, offset: int | None = None) -> dict[str, Any]:
        return self._call("GET", "/v1/alerts", query=_page(limit, offset))

    def create(self, rule: Mapping[str, Any]) -> dict[str, Any]:
        body = dict(v.require_mapping(rule, "rule"))
        return self._call("POST", "/v1/alerts", body=body, idempotent=False)

    def get(self, alert_id: str) -> dict[str, Any]:
        return self._call("GET", _alert(alert_id))

    def update(self, alert_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        body = dict(v.require_mapping(changes, "changes"))
        return self._call("PATCH", _alert(alert_id), body=body, idempotent=True)

    def delete(self, alert_id: str) -> None:
        self._call("DELETE", _alert(alert_id))

    def test(self, alert_id: str) -> dict[str, Any]:
        return self._call("POST", f"{_alert(alert_id)}/test", idempotent=False)

    def history(self, alert_id: str) -> dict[str, Any]:
        return self._call("GET", f"{_alert(alert_id)}/history")

    def deliveries(self, alert_id: str) -> dict[str, Any]:
        return self._call("GET", f"{_alert(alert_id)}/deliveries")


class Subscriptions:
    """Viewers' digests and alerts (created from the embed): list, pause / resume, delete."""

    FILTERS = ("kind", "status", "tenant_id", "dashboard_id", "email")

    def __init__(self, call: Call) -> None:
        self._call = call

    def list(
        self, *, limit: int | None = None, offset: int | None = None, **filters: str
    ) -> dict[str, Any]:
        query = _page(limit, offset)
        for name, value in filters.items():
            if name not in self.FILTERS:
                v.fail(name, f"is not a subscription filter ({', '.join(self.FILTERS)})")
            query[name] = v.require_string(value, name, max_length=254)
        return self._call("GET", "/v1/subscriptions", query=query)

    def get(self, subscription_id: str) -> dict[str, Any]:
        return self._call("GET", _subscription(subscription_id))

    def pause(self, subscription_id: str, paused: bool = True) -> dict[str, Any]:
        body = {"paused": v.require_bool(paused, "paused")}
        return self._call("PATCH", _subscription(subscription_id), body=body, idempotent=True)

    def resume(self, subscription_id: str) -> dict[str, Any]:
        return self.pause(subscription_id, paused=False)

    def delete(self, subscription_id: str) -> None:
        self._call("DELETE", _subscription(subscription_id))


class OrganizationSettings:
    """GET/PATCH /v1/organization: name, allowed_embed_origins, default_timezone,
    retention_days (admin key)."""

    def __init__(self, call: Call) -> None:
        self._call = call

    def get(self) -> dict[str, Any]:
        return self._call("GET", "/v1/organization")

    def update(self, **changes: Any) -> dict[str, Any]:
        body = v.organization_changes(changes)
        return self._call("PATCH", "/v1/organization", body=body, idempotent=True)


def _page(limit: int | None, offset: int | None) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if limit is not None:
        query["limit"] = v.require_int(limit, "limit", low=1)
    if offset is not None:
        query["offset"] = v.require_int(offset, "offset", low=0)
    return query


def _dashboard(dashboard_id: str) -> str:
    return f"/v1/dashboards/{v.require_id(dashboard_id, 'dashboard_id')}"


def _alert(alert_id: str) -> str:
    return f"/v1/alerts/{v.require_id(alert_id, 'alert_id')}"


def _subscription(subscription_id: str) -> str:
    return f"/v1/subscriptions/{v.require_id(subscription_id, 'subscription_id')}"
