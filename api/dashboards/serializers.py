"""Input serializers (one per operation that takes input beyond the spec itself) and the output
representations of the dashboards API. The spec is validated by `dashboards.spec.parse_spec`,
never here."""

from rest_framework import serializers

from core.limits import MAX_TENANT_ID_LENGTH
from dashboards.models import Dashboard, DashboardVersion
from dashboards.selectors import (
    DATA_REQUEST_PARAMS,
    DATA_VERSIONS,
    dashboard_has_unpublished_changes,
)
from interface.serializers import StrictSerializer


class DashboardOutputSerializer(serializers.ModelSerializer):
    spec = serializers.JSONField(source="draft_spec")
    published_version = serializers.SerializerMethodField()
    has_unpublished_changes = serializers.SerializerMethodField()

    class Meta:
        model = Dashboard
        fields = [
            "id",
            "name",
            "spec",
            "published_version",
            "has_unpublished_changes",
            "created_at",
            "updated_at",
        ]

    def get_published_version(self, dashboard: Dashboard) -> int | None:
        version = dashboard.published_version
        return None if version is None else version.number

    def get_has_unpublished_changes(self, dashboard: Dashboard) -> bool:
        return dashboard_has_unpublished_changes(dashboard)


class VersionOutputSerializer(serializers.ModelSerializer):
    published_by = serializers.SerializerMethodField()
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = DashboardVersion
        fields = ["number", "published_at", "published_by", "is_current"]

    def get_published_by(self, version: DashboardVersion) -> str | None:
        """The console user's e-mail, or the id of the API key that published."""
        if version.published_by is not None:
            return version.published_by.email
        return version.published_by_key or None

    def get_is_current(self, version: DashboardVersion) -> bool:
        return version.pk == self.context["current_version_id"]


class VersionDetailOutputSerializer(VersionOutputSerializer):
    class Meta(VersionOutputSerializer.Meta):
        fields = [*VersionOutputSerializer.Meta.fields, "spec"]


class DataQuerySerializer(StrictSerializer):
    """?tenant_id=…&version=draft|published; the window and filters go to parse_data_request."""

    passthrough = DATA_REQUEST_PARAMS
    tenant_id = serializers.CharField(max_length=MAX_TENANT_ID_LENGTH)
    version = serializers.ChoiceField(choices=DATA_VERSIONS, default="draft")


class RestoreInputSerializer(StrictSerializer):
    version = serializers.IntegerField(required=False, min_value=1)


class DiscoverQuerySerializer(StrictSerializer):
    tenant_id = serializers.CharField(required=False, max_length=MAX_TENANT_ID_LENGTH)


class AutoCreateInputSerializer(StrictSerializer):
    name = serializers.CharField(required=False, max_length=200)
    tenant_id = serializers.CharField(required=False, max_length=MAX_TENANT_ID_LENGTH)
