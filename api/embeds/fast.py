"""The fast path of `POST /v1/embed-sessions` validation: the common, well-formed body
converted by msgspec into typed structs (types, lengths and unknown keys checked in C), then
the few rules msgspec cannot express. Anything it does not accept, including every value the
DRF serializer would coerce or trim (numbers as strings, padded strings), goes through
`EmbedSessionCreateSerializer`, which lists every error: both paths give the same
`SessionRequest` for every body the fast one accepts."""

from dataclasses import replace
from typing import Annotated, Any

import msgspec
from django.conf import settings

from api.embeds.serializers import PERIODS, PermissionsSerializer
from core.limits import MAX_TENANT_ID_LENGTH
from core.timezones import is_known_timezone
from dashboards.spec import COLOR_RE, FONT_RE
from embeds.services import SessionRequest

Tenant = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TENANT_ID_LENGTH)]
WidgetId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
FilterKey = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
FilterValue = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class _Permissions(msgspec.Struct, forbid_unknown_fields=True):
    locked_filters: dict[FilterKey, FilterValue] = {}
    hidden_widgets: list[WidgetId] = []
    allowed_periods: Annotated[list[str], msgspec.Meta(min_length=1)] = msgspec.field(
        default_factory=lambda: list(PERIODS)
    )
    allow_drill_down: bool = False
    max_date_range_days: Annotated[int, msgspec.Meta(ge=1, le=3660)] | None = None


class _Theme(msgspec.Struct, forbid_unknown_fields=True):
    primaryColor: str | msgspec.UnsetType = msgspec.UNSET
    fontFamily: str | msgspec.UnsetType = msgspec.UNSET
    mode: str | msgspec.UnsetType = msgspec.UNSET


class _Body(msgspec.Struct, forbid_unknown_fields=True):
    tenant_id: Tenant
    dashboard_id: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    expires_in: Annotated[int, msgspec.Meta(ge=1)] = 3600
    permissions: _Permissions | msgspec.UnsetType = msgspec.UNSET
    timezone: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    theme: _Theme | msgspec.UnsetType = msgspec.UNSET
    user: Annotated[str, msgspec.Meta(max_length=200)] = ""
    allow_export: bool = False
    widget_id: WidgetId | None = None
    single_use_url: bool = False


def _plain(*values: str) -> bool:
    """What DRF's CharField keeps as it is: no surrounding whitespace, no NUL."""
    return all(value == value.strip() and "\x00" not in value for value in values)


def session_request_fast(data: Any) -> SessionRequest | None:
    """The request, or None when the serializer must judge the body."""
    if not isinstance(data, dict):
        return None
    try:
        body = msgspec.convert(data, _Body, strict=True)
    except msgspec.ValidationError:
        return None
    if body.expires_in > settings.EMBED_MAX_EXPIRES_IN or body.timezone == "":
        return None
    if body.timezone is not None and not is_known_timezone(body.timezone):
        return None
    strings = [
        body.tenant_id,
        body.dashboard_id,
        body.user,
        body.timezone or "",
        body.widget_id or "",
    ]
    permissions = body.permissions or None
    if permissions is not None:
        if any(period not in PERIODS for period in permissions.allowed_periods):
            return None
        strings += [*permissions.hidden_widgets, *permissions.locked_filters.values()]
    theme = {} if not body.theme else msgspec.structs.asdict(body.theme)
    theme = {key: value for key, value in theme.items() if value is not msgspec.UNSET}
    if "primaryColor" in theme and not COLOR_RE.match(theme["primaryColor"]):
        return None
    if "fontFamily" in theme and not FONT_RE.match(theme["fontFamily"]):
        return None
    if theme.get("mode", "light") not in ("light", "dark"):
        return None
    strings += theme.values()
    if not _plain(*strings):
        return None
    return SessionRequest(
        dashboard_id=body.dashboard_id,
        tenant_id=body.tenant_id,
        expires_in=body.expires_in,
        permissions=replace(
            PermissionsSerializer.to_permissions(
                None if permissions is None else msgspec.structs.asdict(permissions)
            ),
            widget_id=body.widget_id,
        ),
        timezone=body.timezone,
        theme=theme,
        user=body.user,
        allow_export=body.allow_export,
        single_use_url=body.single_use_url,
    )
