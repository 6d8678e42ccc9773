"""GET /v1/usage: the organization's embed usage (the console's Usage page as JSON), for a read
or admin key. ?period=24h|7d|30d|90d (default 7d) &tenant_id &dashboard_id narrow it. Only
the key's organization's usage, within its retention; API_RATE_LIMIT per key."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ReadScope
from core.isotime import iso_utc
from core.limits import MAX_TENANT_ID_LENGTH
from interface.requests import request_organization
from interface.serializers import StrictSerializer
from usage.selectors import DEFAULT_USAGE_PERIOD, USAGE_PERIODS, organization_usage


class UsageQuerySerializer(StrictSerializer):
    period = serializers.ChoiceField(choices=USAGE_PERIODS, default=DEFAULT_USAGE_PERIOD)
    tenant_id = serializers.CharField(required=False, max_length=MAX_TENANT_ID_LENGTH)
    dashboard_id = serializers.CharField(required=False, max_length=64)


class UsageView(APIView):
    permission_classes = [ReadScope]

    @extend_schema(
        operation_id="usage",
        tags=["usage"],
        summary="Embed usage: views, viewers, load times, requests, errors, exports (read key)",
        parameters=[UsageQuerySerializer],
        responses=OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="`{period, from, to, bucket, totals, series, tenants, dashboards, "
            "errors, exports}`",
        ),
    )
    def get(self, request: Request) -> Response:
        query = UsageQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        usage = organization_usage(
            organization=request_organization(request),
            period=query.validated_data["period"],
            tenant_id=query.validated_data.get("tenant_id", ""),
            dashboard_id=query.validated_data.get("dashboard_id", ""),
        )
        report = usage.report
        return Response(
            {
                "period": usage.period,
                "from": iso_utc(usage.start),
                "to": iso_utc(usage.end),
                "bucket": usage.bucket,
                "totals": report.totals,
                "series": [{**point, "t": iso_utc(point["t"])} for point in report.series],
                "tenants": report.tenants,
                "dashboards": [_named(row, usage.names) for row in report.dashboards],
                "errors": [_stamped(row, "last_seen") for row in report.errors],
                "exports": [_stamped(_named(row, usage.names), "last") for row in report.exports],
            }
        )


def _named(row: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {**row, "name": names.get(row["dashboard_id"])}


def _stamped(row: dict[str, Any], field: str) -> dict[str, Any]:
    return {**row, field: iso_utc(row[field])}
