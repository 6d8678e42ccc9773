"""Input serializers of the embeds API: strict, an unknown key is a 400, never ignored."""

import re
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from rest_framework import serializers

from core.limits import MAX_TENANT_ID_LENGTH
from core.periods import PERIODS
from core.timezones import is_known_timezone
from dashboards.spec import COLOR_RE, FONT_RE
from embeds.services import SessionRequest
from embeds.tokens import EmbedPermissions
from interface.serializers import StrictCharField, StrictSerializer

# A BCP 47 language tag: language, then script / region / variant subtags.
LOCALE_RE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,4}")


class StringMapField(serializers.DictField):
    child = StrictCharField(max_length=1000, allow_blank=False)

    def to_internal_value(self, data: Any) -> dict[str, str]:
        value = super().to_internal_value(data)
        if any(not key or len(key) > 200 for key in value):
            raise serializers.ValidationError("Keys must be 1 to 200 characters.")
        return value


class PermissionsSerializer(StrictSerializer):
    locked_filters = StringMapField(required=False, default=dict)
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
    dashboard_id = StrictCharField(max_length=32)
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

    def to_request(self) -> SessionRequest:
        data = self.validated_data
        permissions = PermissionsSerializer.to_permissions(data.get("permissions"))
        return SessionRequest(
            dashboard_id=data["dashboard_id"],
            tenant_id=data["tenant_id"],
            expires_in=data["expires_in"],
            permissions=replace(permissions, widget_id=data["widget_id"] or None),
            timezone=data["timezone"],
            locale=data["locale"],
            theme=dict(data.get("theme") or {}),
            user=data["user"],
            allow_export=data["allow_export"],
            single_use_url=data["single_use_url"],
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


class EmbedSessionOutput(serializers.Serializer):
    id = serializers.CharField(source="jti")
    tenant_id = serializers.CharField()
    dashboard_id = serializers.CharField()
    user = serializers.CharField(source="viewer", allow_blank=True)
    widget_id = serializers.SerializerMethodField()
    issued_at = serializers.DateTimeField(source="created_at")
    expires_at = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    def get_widget_id(self, entry: Any) -> str | None:
        return (entry.details.get("permissions") or {}).get("widget_id")

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
