"""The dashboards API (admin scope). Thin views: parse input, call a service or selector,
serialize. Organization scoping lives only in OrganizationScopedMixin: another organization's
dashboard is a 404 on every route.

  GET/POST  /v1/dashboards                  list (limit/offset) / create: the body IS the spec
  GET/PATCH/DELETE /v1/dashboards/{id}      PATCH merges top-level spec keys; null resets one
  POST /v1/dashboards/{id}/publish          201 new version N+1; 200 when the draft equals the
                                            latest version (republished, no empty version)
  POST /v1/dashboards/{id}/unpublish        idempotent; embeds stop at once
  POST /v1/dashboards/{id}/restore          {"version"?: n}; default the live (else latest)
                                            version; 409 never_published
  GET  /v1/dashboards/{id}/versions[/{n}]   list (n, when, by, is_current) / one with its spec
  GET  /v1/dashboards/{id}/data             ?tenant_id (required) &version=draft (default) or
                                            published (409 not_published) &period&from&to&tz
                                            &filters
  GET  /v1/discover[?tenant_id]             POST /v1/discover/auto-create {name?, tenant_id?}
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiKey
from api.dashboards.serializers import (
    AutoCreateInputSerializer,
    DashboardOutputSerializer,
    DataQuerySerializer,
    DiscoverQuerySerializer,
    RestoreInputSerializer,
    VersionDetailOutputSerializer,
    VersionOutputSerializer,
)
from api.openapi.docs import NO_CONTENT, path_param, query_param
from api.permissions import ReadScopeForReads
from api.scoping import OrganizationScopedMixin
from core.errors import InvalidInput, PayloadTooLarge
from dashboards import discovery, selectors, services
from dashboards.models import Dashboard
from dashboards.spec import SPEC_MAX_BYTES
from interface.requests import request_organization

TAGS = ["dashboards"]
DASHBOARD_ID = path_param("id", "The dashboard's id.")
SPEC_BODY = {
    "type": "object",
    "description": "A dashboard spec (docs/spec.md): name, widgets, filters, theme, … "
    "Validated by the server; every problem is listed in the error's details.",
    "additionalProperties": True,
}
DATA_RESPONSE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Every visible widget's data for the tenant and window: "
    "`{period, from, to, tz, widgets: [{id, kind, …values}]}` (docs/api.md).",
)
DATA_PARAMETERS = [
    DASHBOARD_ID,
    DataQuerySerializer,
    query_param("period", "24h, 7d, 30d, 90d or custom (with from/to)."),
    query_param("from", "Start of a custom period (ISO 8601)."),
    query_param("to", "End of a custom period (ISO 8601)."),
    query_param("tz", "IANA time zone of the day buckets."),
    query_param("filters", 'JSON object of dimension -> value, e.g. {"plan":"pro"}.'),
]


def _json_object_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, refused early when larger than a spec may be."""
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > SPEC_MAX_BYTES or len(request.body) > SPEC_MAX_BYTES:
        raise PayloadTooLarge(f"A dashboard spec may be at most {SPEC_MAX_BYTES} bytes.")
    if not isinstance(request.data, dict):
        raise InvalidInput(
            "The body must be a JSON object.",
            details=[{"field": None, "message": "Expected an object."}],
        )
    return request.data


def _acting_key(request: Request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


def _dashboard_response(dashboard: Dashboard, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(DashboardOutputSerializer(dashboard).data, status=status_code)


class DashboardScopedView(OrganizationScopedMixin, GenericAPIView):
    model = Dashboard
    permission_classes = [ReadScopeForReads]

    def scoped_queryset_filter(self, queryset: QuerySet[Dashboard]) -> QuerySet[Dashboard]:
        return queryset.select_related("published_version", "organization")


class DashboardListCreateView(DashboardScopedView):
    @extend_schema(
        operation_id="dashboards_list",
        tags=TAGS,
        summary="List dashboards (read or admin key)",
        responses=DashboardOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DashboardOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="dashboards_create",
        tags=TAGS,
        summary="Create a dashboard: the body IS the spec",
        request={"application/json": SPEC_BODY},
        responses={201: DashboardOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        dashboard = services.dashboard_create(
            organization=self.organization, spec=_json_object_body(request)
        )
        return _dashboard_response(dashboard, status.HTTP_201_CREATED)


class DashboardDetailView(DashboardScopedView):
    @extend_schema(
        operation_id="dashboards_get",
        tags=TAGS,
        summary="One dashboard (its draft spec)",
        parameters=[DASHBOARD_ID],
        responses=DashboardOutputSerializer,
    )
    def get(self, request: Request, pk: str) -> Response:
        return _dashboard_response(self.get_object())

    @extend_schema(
        operation_id="dashboards_update",
        tags=TAGS,
        summary="Change the draft: top-level spec keys merge, null resets one",
        parameters=[DASHBOARD_ID],
        request={"application/json": SPEC_BODY},
        responses=DashboardOutputSerializer,
    )
    def patch(self, request: Request, pk: str) -> Response:
        dashboard = self.get_object()
        changes = _json_object_body(request)
        return _dashboard_response(services.dashboard_update(dashboard=dashboard, changes=changes))

    @extend_schema(
        operation_id="dashboards_delete",
        tags=TAGS,
        summary="Delete a dashboard",
        parameters=[DASHBOARD_ID],
        responses=NO_CONTENT,
    )
    def delete(self, request: Request, pk: str) -> Response:
        services.dashboard_delete(dashboard=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class DashboardPublishView(DashboardScopedView):
    @extend_schema(
        operation_id="dashboards_publish",
        tags=TAGS,
        summary="Publish the draft as version N+1 (200 when it equals the latest version)",
        parameters=[DASHBOARD_ID],
        request=None,
        responses={201: DashboardOutputSerializer, 200: DashboardOutputSerializer},
    )
    def post(self, request: Request, pk: str) -> Response:
        """201 with a new version; 200 when the draft equalled the latest version (republished)."""
        result = services.dashboard_publish(
            dashboard=self.get_object(), api_key=_acting_key(request)
        )
        return _dashboard_response(
            result.dashboard, status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )


class DashboardUnpublishView(DashboardScopedView):
    @extend_schema(
        operation_id="dashboards_unpublish",
        tags=TAGS,
        summary="Unpublish: embeds stop at once",
        parameters=[DASHBOARD_ID],
        request=None,
        responses=DashboardOutputSerializer,
    )
    def post(self, request: Request, pk: str) -> Response:
        return _dashboard_response(services.dashboard_unpublish(dashboard=self.get_object()))


class DashboardRestoreView(DashboardScopedView):
    @extend_schema(
        operation_id="dashboards_restore",
        tags=TAGS,
        summary="Make a version's spec the draft (default: the live one)",
        parameters=[DASHBOARD_ID],
        request=RestoreInputSerializer,
        responses=DashboardOutputSerializer,
    )
    def post(self, request: Request, pk: str) -> Response:
        dashboard = self.get_object()
        serializer = RestoreInputSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        number = serializer.validated_data.get("version")
        return _dashboard_response(services.dashboard_restore(dashboard=dashboard, number=number))


class DashboardVersionsView(DashboardScopedView):
    @extend_schema(
        operation_id="dashboards_versions_list",
        tags=TAGS,
        summary="Published versions",
        parameters=[DASHBOARD_ID],
        responses=VersionOutputSerializer(many=True),
    )
    def get(self, request: Request, pk: str) -> Response:
        dashboard = self.get_object()
        page = self.paginate_queryset(selectors.dashboard_versions(dashboard=dashboard))
        context = {"current_version_id": dashboard.published_version_id}
        return self.get_paginated_response(
            VersionOutputSerializer(page, many=True, context=context).data
        )


class DashboardVersionDetailView(DashboardScopedView):
    @extend_schema(
        operation_id="dashboards_versions_get",
        tags=TAGS,
        summary="One version with its spec",
        parameters=[DASHBOARD_ID, path_param("number", "The version number.", int)],
        responses=VersionDetailOutputSerializer,
    )
    def get(self, request: Request, pk: str, number: int) -> Response:
        dashboard = self.get_object()
        version = selectors.dashboard_version_get(dashboard=dashboard, number=number)
        context = {"current_version_id": dashboard.published_version_id}
        return Response(VersionDetailOutputSerializer(version, context=context).data)


class DashboardDataView(DashboardScopedView):
    @extend_schema(
        operation_id="dashboards_data",
        tags=TAGS,
        summary="A tenant's data for every widget (read or admin key)",
        parameters=DATA_PARAMETERS,
        responses=DATA_RESPONSE,
    )
    def get(self, request: Request, pk: str) -> Response:
        dashboard = self.get_object()
        params = request.query_params.dict()
        query = DataQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        data = selectors.dashboard_admin_data(
            dashboard=dashboard, params=params, **query.validated_data
        )
        return Response(data)


class DiscoverView(APIView):
    permission_classes = [ReadScopeForReads]

    @extend_schema(
        operation_id="discover",
        tags=["discovery"],
        summary="Event names, properties and tenants seen recently (read or admin key)",
        parameters=[DiscoverQuerySerializer],
        responses=OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="`{window, prop_tenants, events, string_props, numeric_props, tenants}`",
        ),
    )
    def get(self, request: Request) -> Response:
        query = DiscoverQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        return Response(
            discovery.discover(
                request_organization(request).pk, query.validated_data.get("tenant_id")
            )
        )


class AutoCreateView(APIView):
    @extend_schema(
        operation_id="discover_auto_create",
        tags=["discovery"],
        summary="Create a starter dashboard from what discovery found",
        request=AutoCreateInputSerializer,
        responses={201: DashboardOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        body = AutoCreateInputSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        dashboard = discovery.auto_create(
            organization=request_organization(request), **body.validated_data
        )
        return _dashboard_response(dashboard, status.HTTP_201_CREATED)
