"""Input serializers of the embeds API: strict, an unknown key is a 400, never ignored."""

import re
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.limits import EVENT_NAME_PATTERN, EVENT_NAME_RULE, MAX_TENANT_ID_LENGTH
from core.periods import PERIODS
from core.timezones import is_known_timezone
from dashboards.spec import COLOR_RE, FONT_RE
from embeds.services import SessionRequest
from embeds.tokens import ROLES, VARIANT_SCOPES, EmbedPermissions
from interface.serializers import StrictCharField, StrictSerializer
from warehouse.query import MAX_LOCKED_VALUES, LockedValue, locked_value

MAX_DASHBOARDS = 20  # dashboards of one session
MIN_INACTIVITY_TIMEOUT = 120

# A BCP 47 language tag: language, then script / region / variant subtags.
LOCALE_RE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,4}")


_BOUND = {"type": "number"}
LOCKED_VALUE_SCHEMA = {
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 1000},
        {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 1000},
            "minItems": 1,
            "maxItems": MAX_LOCKED_VALUES,
        },
        {
            "type": "object",
            "properties": {"gt": _BOUND, "gte": _BOUND, "lt": _BOUND, "lte": _BOUND},
            "additionalProperties": False,
            "minProperties": 1,
        },
    ]
}


@extend_schema_field({"type": "object", "additionalProperties": LOCKED_VALUE_SCHEMA})
class LockedFiltersField(serializers.DictField):
    """key -> a string (=), a non-empty list of strings (IN) or a numeric range object with any
    of gt / gte / lt / lte (on numeric_props[key]). Each bad value is named by its key; an empty
    list or range is refused, never read as "no lock"."""

    child = StrictCharField(max_length=1000, allow_blank=False)

    def to_internal_value(self, data: Any) -> dict[str, LockedValue]:
        if not isinstance(data, dict):
            self.fail("not_a_dict", input_type=type(data).__name__)
        out, errors = {}, {}
        for key, raw in data.items():
            if not key or len(key) > 200:
                raise serializers.ValidationError("Keys must be 1 to 200 characters.")
            try:
                if isinstance(raw, list):  # each string as a plain value is checked
                    raw = [self.child.run_validation(v) if isinstance(v, str) else v for v in raw]
                elif not isinstance(raw, dict):
                    raw = self.child.run_validation(raw)
                out[key] = locked_value(raw)
            except serializers.ValidationError as exc:
                errors[key] = exc.detail
            except ValueError as exc:
                errors[key] = [str(exc)]
        if errors:
            raise serializers.ValidationError(errors)
        return out


class PermissionsSerializer(StrictSerializer):
    locked_filters = LockedFiltersField(
        required=False,
        default=dict,
        help_text="Dimension -> a value, a non-empty list of values (any of them) or a range "
        'on a numeric property ({"gte": 100, "lt": 500}).',
    )
    hidden_widgets = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    allowed_periods = serializers.ListField(
        child=serializers.ChoiceField(choices=PERIODS),
        required=False,
        allow_empty=False,
        default=list(PERIODS),
    )
    allow_drill_down = serializers.BooleanField(required=False, default=False)
    max_date_range_days = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=3660
    )
    role = serializers.ChoiceField(
        choices=ROLES,
        required=False,
        default="viewer",
        help_text="designer: the embed offers an edit mode that saves a variant.",
    )
    variant_scope = serializers.ChoiceField(
        choices=VARIANT_SCOPES,
        required=False,
        default="user",
        help_text="A designer's variant belongs to the session's `user`, or to the whole tenant.",
    )
    allowed_events = serializers.ListField(
        child=StrictCharField(max_length=128),
        required=False,
        allow_empty=False,
        max_length=200,
        help_text="The events a designer may chart (default: those the dashboard's widgets read).",
    )
    allow_subscriptions = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The viewer may subscribe to digests and set threshold alerts from the embed.",
    )

    def validate_allowed_events(self, value: list[str]) -> list[str]:
        bad = [name for name in value if not EVENT_NAME_PATTERN.fullmatch(name)]
        if bad:
            raise serializers.ValidationError(f"{bad[0]!r}: an event name {EVENT_NAME_RULE}.")
        return list(dict.fromkeys(value))

    @staticmethod
    def to_permissions(data: dict[str, Any] | None) -> EmbedPermissions:
        """Validated data (absent when the body had no permissions) -> the token's permissions."""
        data = data or {}
        return EmbedPermissions(
            locked_filters=dict(data.get("locked_filters") or {}),
            hidden_widgets=tuple(dict.fromkeys(data.get("hidden_widgets") or ())),
            allowed_periods=tuple(dict.fromkeys(data.get("allowed_periods") or PERIODS)),
            allow_drill_down=bool(data.get("allow_drill_down")),
            max_date_range_days=data.get("max_date_range_days"),
            role=data.get("role") or "viewer",
            variant_scope=data.get("variant_scope") or "user",
            allowed_events=tuple(data.get("allowed_events") or ()),
            allow_subscriptions=bool(data.get("allow_subscriptions")),
        )


class ThemeSerializer(StrictSerializer):
    primaryColor = serializers.RegexField(
        COLOR_RE, required=False, error_messages={"invalid": "Use #rrggbb."}
    )
    fontFamily = serializers.RegexField(
        FONT_RE, required=False, error_messages={"invalid": "Use a plain CSS font list."}
    )
    mode = serializers.ChoiceField(choices=("light", "dark"), required=False)


class EmbedSessionCreateSerializer(StrictSerializer):
    tenant_id = StrictCharField(max_length=MAX_TENANT_ID_LENGTH)
    dashboard_id = StrictCharField(
        max_length=32,
        required=False,
        help_text="The dashboard the page opens (required unless `dashboard_ids` is given).",
    )
    dashboard_ids = serializers.ListField(
        child=StrictCharField(max_length=32),
        required=False,
        allow_empty=False,
        max_length=MAX_DASHBOARDS,
        help_text="Every dashboard the session may open (published, of the organization); "
        "`dashboard_id`, or else the first, is the default.",
    )
    inactivity_timeout = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=MIN_INACTIVITY_TIMEOUT,
        help_text="Seconds without a request from any of the session's pages that end it "
        "(at least 120, at most `expires_in`).",
    )
    expires_in = serializers.IntegerField(required=False, default=3600, min_value=1)
    permissions = PermissionsSerializer(required=False)
    timezone = serializers.CharField(required=False, allow_null=True, default=None, max_length=64)
    locale = serializers.CharField(required=False, allow_null=True, default=None, max_length=35)
    theme = ThemeSerializer(required=False)
    user = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    allow_export = serializers.BooleanField(required=False, default=False)
    widget_id = StrictCharField(
        required=False,
        allow_null=True,
        default=None,
        max_length=64,
        help_text="Embed this one widget only: the page shows it alone, sized to it, and the "
        "data endpoints refuse every other widget for this session.",
    )
    single_use_url = serializers.BooleanField(
        required=False,
        default=False,
        help_text="`embed_url` carries a single-use code (valid 60 s) instead of the token; "
        "the page exchanges it for the token and keeps that in memory only.",
    )

    def validate_expires_in(self, value: int) -> int:
        if value > settings.EMBED_MAX_EXPIRES_IN:
            raise serializers.ValidationError(f"At most {settings.EMBED_MAX_EXPIRES_IN} seconds.")
        return value

    def validate_locale(self, value: str | None) -> str | None:
        if value is not None and not LOCALE_RE.fullmatch(value):
            raise serializers.ValidationError("Not a BCP 47 language tag (e.g. de-DE, en-US).")
        return value

    def validate_timezone(self, value: str | None) -> str | None:
        if value is None:
            return None
        if not is_known_timezone(value):
            raise serializers.ValidationError("Not an IANA time zone name.")
        return value

    def validate_dashboard_ids(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each dashboard may be named once.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        ids = attrs.get("dashboard_ids")
        if attrs.get("dashboard_id") is None and not ids:
            errors["dashboard_id"] = "Give dashboard_id or dashboard_ids."
        elif ids and attrs.get("dashboard_id") is not None and attrs["dashboard_id"] not in ids:
            errors["dashboard_id"] = "The default dashboard must be one of dashboard_ids."
        if ids and len(ids) > 1 and attrs.get("widget_id"):
            errors["widget_id"] = "A single-widget embed opens one dashboard: drop dashboard_ids."
        timeout = attrs.get("inactivity_timeout")
        if timeout is not None and timeout > attrs["expires_in"]:
            errors["inactivity_timeout"] = "At most expires_in."
        permissions = attrs.get("permissions") or {}
        if (
            permissions.get("role") == "designer"
            and permissions.get("variant_scope", "user") == "user"
            and not attrs["user"]
        ):
            errors["user"] = (
                "A designer with variant_scope 'user' saves per user: give the session a user "
                "(or variant_scope 'tenant')."
            )
        if errors:
            raise serializers.ValidationError({k: [v] for k, v in errors.items()})
        return attrs

    def to_request(self) -> SessionRequest:
        data = self.validated_data
        permissions = PermissionsSerializer.to_permissions(data.get("permissions"))
        ids = tuple(data.get("dashboard_ids") or ())
        default = data.get("dashboard_id") or ids[0]
        return SessionRequest(
            dashboard_id=default,
            tenant_id=data["tenant_id"],
            expires_in=data["expires_in"],
            permissions=replace(permissions, widget_id=data["widget_id"] or None),
            timezone=data["timezone"],
            locale=data["locale"],
            theme=dict(data.get("theme") or {}),
            user=data["user"],
            allow_export=data["allow_export"],
            single_use_url=data["single_use_url"],
            dashboard_ids=tuple(d for d in ids if d != default),
            inactivity_timeout=data["inactivity_timeout"],
        )


class RevokeSessionsSerializer(StrictSerializer):
    """Exactly one of `tenant_id` or `all: true`."""

    tenant_id = serializers.CharField(required=False, max_length=MAX_TENANT_ID_LENGTH)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("tenant_id")) == bool(attrs["all"]):
            raise serializers.ValidationError('Send either {"tenant_id": …} or {"all": true}.')
        return attrs


class SessionListQuerySerializer(StrictSerializer):
    tenant_id = serializers.CharField(required=False, max_length=MAX_TENANT_ID_LENGTH)
    active = serializers.BooleanField(
        required=False, default=True, help_text="false: also expired and revoked sessions."
    )
    limit = serializers.IntegerField(required=False, min_value=1)
    offset = serializers.IntegerField(required=False, min_value=0)


# --- Output shapes (what the views return, as the OpenAPI document states it) ----------------


class EmbedSessionCreatedOutput(serializers.Serializer):
    token = serializers.CharField()
    embed_url = serializers.URLField()
    expires_at = serializers.DateTimeField()
    session_id = serializers.CharField(help_text="What DELETE /v1/embed-sessions/{id} takes.")
    dashboard_ids = serializers.ListField(
        child=serializers.CharField(), help_text="The dashboards it opens, the default first."
    )


class EmbedSessionOutput(serializers.Serializer):
    id = serializers.CharField(source="jti")
    tenant_id = serializers.CharField()
    dashboard_id = serializers.CharField()
    user = serializers.CharField(source="viewer", allow_blank=True)
    widget_id = serializers.SerializerMethodField()
    dashboard_ids = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    inactivity_timeout = serializers.SerializerMethodField()
    issued_at = serializers.DateTimeField(source="created_at")
    expires_at = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    def get_widget_id(self, entry: Any) -> str | None:
        return (entry.details.get("permissions") or {}).get("widget_id")

    def get_dashboard_ids(self, entry: Any) -> list[str]:
        return entry.details.get("dashboard_ids") or [entry.dashboard_id]

    def get_role(self, entry: Any) -> str:
        return (entry.details.get("permissions") or {}).get("role", "viewer")

    def get_inactivity_timeout(self, entry: Any) -> int | None:
        return entry.details.get("inactivity_timeout")

    def get_expires_at(self, entry: Any) -> datetime | None:
        expires_at = entry.details.get("expires_at")
        return datetime.fromtimestamp(expires_at, tz=UTC) if isinstance(expires_at, int) else None

    def get_status(self, entry: Any) -> str:
        """active, expired or revoked."""
        if entry.revoked:
            return "revoked"
        expires_at = entry.details.get("expires_at")
        return "active" if isinstance(expires_at, int) and expires_at > time.time() else "expired"


class RevokedOutput(serializers.Serializer):
    revoked = serializers.ChoiceField(choices=("session", "tenant", "organization"))
    jti = serializers.CharField(required=False)
    tenant_id = serializers.CharField(required=False)


class EmbedKeyOutput(serializers.Serializer):
    id = serializers.CharField()
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    retired_at = serializers.DateTimeField(allow_null=True)


class EmbedKeyListOutput(serializers.Serializer):
    results = EmbedKeyOutput(many=True)
