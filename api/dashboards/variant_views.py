"""The variants API: customers' own views of a dashboard, saved from the embed's edit mode.

  GET    /v1/variants[?dashboard_id&tenant_id&user&limit&offset]   read or admin key
  DELETE /v1/variants/{id}                                           admin key

Another organization's variant is a 404; both routes are rate limited per API key."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.openapi.docs import NO_CONTENT, path_param
from api.permissions import ReadScopeForReads
from core.limits import MAX_TENANT_ID_LENGTH
from dashboards.variant_selectors import variant_get, variant_list
from dashboards.variant_services import variant_delete
from interface.requests import request_organization
from interface.serializers import StrictSerializer

TAGS = ["variants"]
VARIANT_ID = path_param("id", "The variant's id.")


class VariantListQuerySerializer(StrictSerializer):
    dashboard_id = serializers.CharField(required=False, max_length=32)
    tenant_id = serializers.CharField(required=False, max_length=MAX_TENANT_ID_LENGTH)
    user = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text='The session user; "" lists the tenants\' shared variants.',
    )
    limit = serializers.IntegerField(required=False, min_value=1)
    offset = serializers.IntegerField(required=False, min_value=0)


class VariantOutput(serializers.Serializer):
    id = serializers.CharField()
    dashboard_id = serializers.CharField()
    dashboard_name = serializers.CharField(source="dashboard.name")
    tenant_id = serializers.CharField()
    scope = serializers.ChoiceField(choices=("user", "tenant"))
    user = serializers.CharField(allow_blank=True, help_text='"" for a tenant\'s shared variant.')
    widgets = serializers.ListField(
        child=serializers.DictField(), help_text="The variant's own widgets (spec form)."
    )
    layout = serializers.ListField(
        child=serializers.DictField(), help_text="[{id, x, y, w, h}] in reading order."
    )
    hidden = serializers.ListField(child=serializers.CharField())
    base_version = serializers.IntegerField(help_text="The published version it was laid over.")
    revision = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class VariantListView(GenericAPIView):
    permission_classes = [ReadScopeForReads]

    @extend_schema(
        operation_id="variants_list",
        tags=TAGS,
        summary="List variants",
        description="Customers' own views of dashboards (embed designer sessions), newest "
        "change first; filter by dashboard, tenant or session user.",
        parameters=[VariantListQuerySerializer],
        responses=VariantOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        query = VariantListQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data: dict[str, Any] = query.validated_data
        variants = variant_list(
            organization=request_organization(request),
            dashboard_id=data.get("dashboard_id"),
            tenant_id=data.get("tenant_id"),
            user=data.get("user"),
        )
        page = self.paginate_queryset(variants)
        return self.get_paginated_response(VariantOutput(page, many=True).data)


class VariantDetailView(APIView):
    @extend_schema(
        operation_id="variants_delete",
        tags=TAGS,
        summary="Delete a variant",
        description="Its owner (one user, or the whole tenant) sees the published dashboard "
        "again from the next page load.",
        parameters=[VARIANT_ID],
        responses=NO_CONTENT,
    )
    def delete(self, request: Request, pk: str) -> Response:
        variant = variant_get(organization=request_organization(request), variant_id=pk)
        variant_delete(variant=variant)
        return Response(status=status.HTTP_204_NO_CONTENT)
