"""Argument checks done before anything is sent: each refusal names the field. The limits are
the server's (core/limits.py, ingest/rules.py, api/embeds/serializers.py), so a call that
passes here is not refused for its shape there."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sightline.errors import SightlineArgumentError

MAX_BATCH = 1000
EVENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,127}")
PROP_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
ID = re.compile(r"[A-Za-z0-9_.:-]+")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
LOCALE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,4}")
PERIODS = ("24h", "7d", "30d", "90d", "custom")
EVENT_KEYS = frozenset(
    {
        "tenant_id",
        "event_name",
        "timestamp",
        "user_id",
        "insert_id",
        "string_props",
        "numeric_props",
    }
)


def fail(field: str, message: str) -> None:
    raise SightlineArgumentError(field, message)


def require_string(value: Any, field: str, *, max_length: int = 200) -> str:
    if value is None:
        fail(field, "is required")
    if not isinstance(value, str) or not value:
        fail(field, "must be a non-empty string")
    if len(value) > max_length:
        fail(field, f"must be at most {max_length} characters")
    return value


def require_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        fail(field, "must be True or False")
    return value


def require_int(value: Any, field: str, *, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        fail(field, f"must be a whole number, at least {low}")
    if high is not None and value > high:
        fail(field, f"must be at most {high}")
    return value


def require_mapping(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        fail(field, "must be a dict")
    return value


def paging(limit: Any, offset: Any) -> dict[str, int]:
    """A list's ``limit`` (at least 1) and ``offset`` (at least 0), those given."""
    query = {}
    if limit is not None:
        query["limit"] = require_int(limit, "limit", low=1)
    if offset is not None:
        query["offset"] = require_int(offset, "offset", low=0)
    return query


def require_id(value: Any, field: str) -> str:
    """An id that goes into a URL path: plain characters only, so nothing is smuggled in."""
    require_string(value, field, max_length=128)
    if not ID.fullmatch(value):
        fail(field, "must be an id (letters, digits, _ . : -)")
    return value


def is_time_zone(name: Any) -> bool:
    if not isinstance(name, str) or not name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def iso(moment: datetime) -> str:
    """UTC, milliseconds, `Z`: the server keeps milliseconds, so a retry sends the same value."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def instant(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return iso(datetime(value.year, value.month, value.day, tzinfo=UTC))
    if isinstance(value, str):
        try:
            return iso(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            pass
    fail(field, "must be a datetime or an ISO 8601 string")
    return None  # unreachable


def event_to_wire(event: Any, index: int, now: str) -> dict[str, Any]:
    """The wire form of one event, its insert_id and timestamp fixed here, once, before any
    try: a batch retried after a 429, a 5xx or a dropped connection is then counted once."""
    at = f"events[{index}]"
    require_mapping(event, at)
    unknown = sorted(set(event) - EVENT_KEYS)
    if unknown:
        fail(f"{at}.{unknown[0]}", f"is not an event field ({', '.join(sorted(EVENT_KEYS))})")
    wire: dict[str, Any] = {
        "tenant_id": require_string(event.get("tenant_id"), f"{at}.tenant_id", max_length=128)
    }
    name = event.get("event_name")
    if not isinstance(name, str) or not EVENT_NAME.fullmatch(name):
        fail(
            f"{at}.event_name",
            "must be a letter, then letters, digits, _ . : or - (at most 128 characters)",
        )
    wire["event_name"] = name
    if event.get("user_id") is not None:
        wire["user_id"] = require_string(event["user_id"], f"{at}.user_id", max_length=256)
    insert_id = event.get("insert_id")
    wire["insert_id"] = (
        uuid.uuid4().hex
        if insert_id is None
        else require_string(insert_id, f"{at}.insert_id", max_length=128)
    )
    timestamp = event.get("timestamp")
    wire["timestamp"] = now if timestamp is None else instant(timestamp, f"{at}.timestamp")
    strings = _props(event.get("string_props"), f"{at}.string_props", numeric=False)
    if strings:
        wire["string_props"] = strings
    numbers = _props(event.get("numeric_props"), f"{at}.numeric_props", numeric=True)
    if numbers:
        wire["numeric_props"] = numbers
    return wire


def _props(value: Any, field: str, *, numeric: bool) -> dict[str, Any] | None:
    if value is None:
        return None
    require_mapping(value, field)
    if len(value) > 50:
        fail(field, "may have at most 50 keys")
    for key, item in value.items():
        if not isinstance(key, str) or not PROP_KEY.fullmatch(key):
            fail(
                f"{field}.{key}",
                "is not a valid key: a letter or _, then letters, digits, _ . or - (at most 64)",
            )
        if numeric:
            if isinstance(item, bool) or not isinstance(item, (int, float)) or item != item:
                fail(f"{field}.{key}", "must be a finite number")
            if item in (float("inf"), float("-inf")):
                fail(f"{field}.{key}", "must be a finite number")
        elif not isinstance(item, str) or len(item) > 1024:
            fail(f"{field}.{key}", "must be a string of at most 1024 characters")
    return dict(value)


def session_to_wire(
    *,
    tenant_id: Any,
    dashboard_id: Any = None,
    dashboard_ids: Any = None,
    inactivity_timeout: Any = None,
    expires_in: Any = None,
    permissions: Any = None,
    timezone: Any = None,
    theme: Any = None,
    user: Any = None,
    allow_export: Any = None,
    widget_id: Any = None,
    single_use_url: Any = None,
    locale: Any = None,
) -> dict[str, Any]:
    """create_embed_session's arguments -> the POST /v1/embed-sessions body."""
    body: dict[str, Any] = {"tenant_id": require_string(tenant_id, "tenant_id", max_length=128)}
    if dashboard_id is not None or dashboard_ids is None:
        body["dashboard_id"] = require_string(dashboard_id, "dashboard_id", max_length=32)
    if dashboard_ids is not None:
        ids = _strings(dashboard_ids, "dashboard_ids")
        if not 1 <= len(ids) <= 20 or len(set(ids)) != len(ids):
            fail("dashboard_ids", "must name 1 to 20 different dashboards")
        if dashboard_id is not None and dashboard_id not in ids:
            fail("dashboard_id", "must be one of dashboard_ids")
        body["dashboard_ids"] = ids
    if expires_in is not None:
        body["expires_in"] = require_int(expires_in, "expires_in", low=1)
    if inactivity_timeout is not None:
        body["inactivity_timeout"] = require_int(inactivity_timeout, "inactivity_timeout", low=120)
    if permissions is not None:
        body["permissions"] = _permissions(permissions)
    if timezone is not None:
        if not is_time_zone(timezone):
            fail("timezone", "must be an IANA time zone name, e.g. Europe/Paris")
        body["timezone"] = timezone
    if theme is not None:
        body["theme"] = _theme(theme)
    if user is not None:
        body["user"] = require_string(user, "user")
    if allow_export is not None:
        body["allow_export"] = require_bool(allow_export, "allow_export")
    if widget_id is not None:
        body["widget_id"] = require_string(widget_id, "widget_id", max_length=64)
    if single_use_url is not None:
        body["single_use_url"] = require_bool(single_use_url, "single_use_url")
    if locale is not None:
        if not isinstance(locale, str) or not LOCALE.fullmatch(locale):
            fail("locale", "must be a BCP 47 language tag, e.g. de-DE")
        body["locale"] = locale
    return body


PERMISSION_KEYS = (
    "locked_filters",
    "hidden_widgets",
    "allowed_periods",
    "allow_drill_down",
    "max_date_range_days",
    "role",
    "variant_scope",
    "allowed_events",
    "allow_subscriptions",
)
RANGE_BOUNDS = ("gt", "gte", "lt", "lte")


def _locked_value(item: Any, field: str) -> Any:
    """A string, a non-empty list of strings (any of them) or a range {gt, gte, lt, lte}."""
    if isinstance(item, (list, tuple)):
        if not item:
            fail(field, "must name at least one value (an empty list would lock nothing)")
        return [require_string(one, field, max_length=1000) for one in item]
    if isinstance(item, Mapping):
        if not item or any(key not in RANGE_BOUNDS for key in item):
            fail(field, "a range takes one or more of gt, gte, lt, lte")
        for bound in item.values():
            if isinstance(bound, bool) or not isinstance(bound, (int, float)) or bound != bound:
                fail(field, "range bounds must be numbers")
        return dict(item)
    return require_string(item, field, max_length=1000)


def _permissions(value: Any) -> dict[str, Any]:
    require_mapping(value, "permissions")
    for key in value:
        if key not in PERMISSION_KEYS:
            fail(f"permissions.{key}", f"is not a permission ({', '.join(PERMISSION_KEYS)})")
    wire: dict[str, Any] = {}
    if value.get("locked_filters") is not None:
        locked = require_mapping(value["locked_filters"], "permissions.locked_filters")
        wire["locked_filters"] = {
            key: _locked_value(item, f"permissions.locked_filters.{key}")
            for key, item in locked.items()
        }
    if value.get("hidden_widgets") is not None:
        wire["hidden_widgets"] = _strings(value["hidden_widgets"], "permissions.hidden_widgets")
    if value.get("allowed_periods") is not None:
        periods = _strings(value["allowed_periods"], "permissions.allowed_periods")
        if not periods:
            fail("permissions.allowed_periods", "must name at least one period")
        for index, period in enumerate(periods):
            if period not in PERIODS:
                fail(
                    f"permissions.allowed_periods[{index}]", f"must be one of {', '.join(PERIODS)}"
                )
        wire["allowed_periods"] = periods
    if value.get("allow_drill_down") is not None:
        wire["allow_drill_down"] = require_bool(
            value["allow_drill_down"], "permissions.allow_drill_down"
        )
    if value.get("max_date_range_days") is not None:
        wire["max_date_range_days"] = require_int(
            value["max_date_range_days"], "permissions.max_date_range_days", low=1, high=3660
        )
    for key, choices in (("role", ("viewer", "designer")), ("variant_scope", ("user", "tenant"))):
        if value.get(key) is not None:
            if value[key] not in choices:
                fail(f"permissions.{key}", f"must be one of {', '.join(choices)}")
            wire[key] = value[key]
    if value.get("allowed_events") is not None:
        events = _strings(value["allowed_events"], "permissions.allowed_events")
        if not events:
            fail("permissions.allowed_events", "must name at least one event")
        wire["allowed_events"] = events
    if value.get("allow_subscriptions") is not None:
        wire["allow_subscriptions"] = require_bool(
            value["allow_subscriptions"], "permissions.allow_subscriptions"
        )
    return wire


def _theme(value: Any) -> dict[str, str]:
    require_mapping(value, "theme")
    wire: dict[str, str] = {}
    for key in value:
        if key not in ("primaryColor", "fontFamily", "mode"):
            fail(f"theme.{key}", "is not a theme key (primaryColor, fontFamily, mode)")
    if "primaryColor" in value:
        color = value["primaryColor"]
        if not isinstance(color, str) or not COLOR.fullmatch(color):
            fail("theme.primaryColor", "must be #rrggbb")
        wire["primaryColor"] = color
    if "fontFamily" in value:
        wire["fontFamily"] = require_string(value["fontFamily"], "theme.fontFamily")
    if "mode" in value:
        if value["mode"] not in ("light", "dark"):
            fail("theme.mode", 'must be "light" or "dark"')
        wire["mode"] = value["mode"]
    return wire


def _strings(value: Any, field: str) -> list[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        fail(field, "must be a list of strings")
    for index, item in enumerate(value):
        require_string(item, f"{field}[{index}]", max_length=64)
    return list(value)


ORGANIZATION_FIELDS = ("name", "allowed_embed_origins", "default_timezone", "retention_days")


def organization_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    if not changes:
        fail("changes", f"name at least one setting ({', '.join(ORGANIZATION_FIELDS)})")
    for key in changes:
        if key not in ORGANIZATION_FIELDS:
            fail(key, f"is not an organization setting ({', '.join(ORGANIZATION_FIELDS)})")
    body = dict(changes)
    if "name" in body:
        require_string(body["name"], "name", max_length=120)
    if "allowed_embed_origins" in body:
        origins = body["allowed_embed_origins"]
        if isinstance(origins, str) or not isinstance(origins, (list, tuple)):
            fail("allowed_embed_origins", "must be a list of origins")
        for index, origin in enumerate(origins):
            if not isinstance(origin, str) or not ORIGIN.fullmatch(origin.rstrip("/")):
                fail(
                    f"allowed_embed_origins[{index}]",
                    "must be an origin such as https://app.example.com",
                )
        body["allowed_embed_origins"] = list(origins)
    if "default_timezone" in body and not is_time_zone(body["default_timezone"]):
        fail("default_timezone", "must be an IANA time zone name")
    if "retention_days" in body:
        require_int(body["retention_days"], "retention_days", low=1, high=3650)
    return body
