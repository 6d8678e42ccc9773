"""Input serializers of the embeds API: strict, an unknown key is a 400, never ignored."""

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
    theme = ThemeSerializer(required=False)
    user = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    allow_export = serializers.BooleanField(required=False, default=False)

    def validate_expires_in(self, value: int) -> int:
        if value > settings.EMBED_MAX_EXPIRES_IN:
            raise serializers.ValidationError(f"At most {settings.EMBED_MAX_EXPIRES_IN} seconds.")
        return value

    def validate_timezone(self, value: str | None) -> str | None:
        if value is None:
            return None
        if not is_known_timezone(value):
            raise serializers.ValidationError("Not an IANA time zone name.")
        return value

    def to_request(self) -> SessionRequest:
        data = self.validated_data
        return SessionRequest(
            dashboard_id=data["dashboard_id"],
            tenant_id=data["tenant_id"],
            expires_in=data["expires_in"],
            permissions=PermissionsSerializer.to_permissions(data.get("permissions")),
            timezone=data["timezone"],
            theme=dict(data.get("theme") or {}),
            user=data["user"],
            allow_export=data["allow_export"],
        )


class RevokeSessionsSerializer(StrictSerializer):
    """Exactly one of `tenant_id` or `all: true`."""

    tenant_id = serializers.CharField(required=False, max_length=MAX_TENANT_ID_LENGTH)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("tenant_id")) == bool(attrs["all"]):
            raise serializers.ValidationError('Send either {"tenant_id": …} or {"all": true}.')
        return attrs
