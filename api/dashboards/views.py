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
from api.permissions import ReadScopeForReads
from api.scoping import OrganizationScopedMixin
from core.errors import InvalidInput, PayloadTooLarge
from dashboards import discovery, selectors, services
from dashboards.models import Dashboard
from dashboards.spec import SPEC_MAX_BYTES
from interface.requests import request_organization


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
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DashboardOutputSerializer(page, many=True).data)

    def post(self, request: Request) -> Response:
        dashboard = services.dashboard_create(
            organization=self.organization, spec=_json_object_body(request)
        )
        return _dashboard_response(dashboard, status.HTTP_201_CREATED)


class DashboardDetailView(DashboardScopedView):
    def get(self, request: Request, pk: str) -> Response:
        return _dashboard_response(self.get_object())

    def patch(self, request: Request, pk: str) -> Response:
        dashboard = self.get_object()
        changes = _json_object_body(request)
        return _dashboard_response(services.dashboard_update(dashboard=dashboard, changes=changes))

    def delete(self, request: Request, pk: str) -> Response:
        services.dashboard_delete(dashboard=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class DashboardPublishView(DashboardScopedView):
    def post(self, request: Request, pk: str) -> Response:
        """201 with a new version; 200 when the draft equalled the latest version (republished)."""
        result = services.dashboard_publish(
            dashboard=self.get_object(), api_key=_acting_key(request)
        )
        return _dashboard_response(
            result.dashboard, status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )


class DashboardUnpublishView(DashboardScopedView):
    def post(self, request: Request, pk: str) -> Response:
        return _dashboard_response(services.dashboard_unpublish(dashboard=self.get_object()))


class DashboardRestoreView(DashboardScopedView):
    def post(self, request: Request, pk: str) -> Response:
        dashboard = self.get_object()
        serializer = RestoreInputSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        number = serializer.validated_data.get("version")
        return _dashboard_response(services.dashboard_restore(dashboard=dashboard, number=number))


class DashboardVersionsView(DashboardScopedView):
    def get(self, request: Request, pk: str) -> Response:
        dashboard = self.get_object()
        page = self.paginate_queryset(selectors.dashboard_versions(dashboard=dashboard))
        context = {"current_version_id": dashboard.published_version_id}
        return self.get_paginated_response(
            VersionOutputSerializer(page, many=True, context=context).data
        )


class DashboardVersionDetailView(DashboardScopedView):
    def get(self, request: Request, pk: str, number: int) -> Response:
        dashboard = self.get_object()
        version = selectors.dashboard_version_get(dashboard=dashboard, number=number)
        context = {"current_version_id": dashboard.published_version_id}
        return Response(VersionDetailOutputSerializer(version, context=context).data)


class DashboardDataView(DashboardScopedView):
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

    def get(self, request: Request) -> Response:
        query = DiscoverQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        return Response(
            discovery.discover(
                request_organization(request).pk, query.validated_data.get("tenant_id")
            )
        )


class AutoCreateView(APIView):
    def post(self, request: Request) -> Response:
        body = AutoCreateInputSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        dashboard = discovery.auto_create(
            organization=request_organization(request), **body.validated_data
        )
        return _dashboard_response(dashboard, status.HTTP_201_CREATED)
