"""The subscriptions API: the operator lists, pauses / resumes and deletes viewers'
subscriptions. Admin scope (the default permission), throttled per key, organization scoping
by OrganizationScopedMixin (another organization's subscription is a 404). Viewers create them
from the embed (viewer/subscriptions.py); operators never do, so no address is subscribed
without its owner's confirmation."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from api.openapi.docs import NO_CONTENT, path_param
from api.scoping import OrganizationScopedMixin
from api.subscriptions.serializers import (
    SubscriptionListQuery,
    SubscriptionOutput,
    SubscriptionUpdateInput,
)
from subscriptions import selectors, services
from subscriptions.models import Subscription

TAGS = ["subscriptions"]
SUBSCRIPTION_ID = path_param("id", "The subscription's id.")


def _out(subscription: Subscription) -> dict:
    return {
        **selectors.subscription_to_dict(subscription),
        "viewer_user": subscription.viewer_user,
    }


class _SubscriptionView(OrganizationScopedMixin, GenericAPIView):
    model = Subscription

    def scoped_queryset_filter(self, queryset: QuerySet[Subscription]) -> QuerySet[Subscription]:
        return queryset.order_by("-created_at", "id")


class SubscriptionListView(_SubscriptionView):
    @extend_schema(
        operation_id="subscriptions_list",
        tags=TAGS,
        summary="List viewers' subscriptions",
        description="Newest first; filter by kind, status, tenant, dashboard or address.",
        parameters=[SubscriptionListQuery],
        responses=SubscriptionOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        query = SubscriptionListQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        filters = {k: v for k, v in query.validated_data.items() if k not in ("limit", "offset")}
        subscriptions = selectors.subscriptions_list(
            organization=self.organization, filters=filters
        )
        page = selectors.with_reasons(self.paginate_queryset(subscriptions))
        return self.get_paginated_response([_out(s) for s in page])


class SubscriptionDetailView(_SubscriptionView):
    @extend_schema(
        operation_id="subscriptions_get",
        tags=TAGS,
        summary="One subscription",
        parameters=[SUBSCRIPTION_ID],
        responses=SubscriptionOutput,
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(_out(selectors.with_reasons([self.get_object()])[0]))

    @extend_schema(
        operation_id="subscriptions_update",
        tags=TAGS,
        summary="Pause or resume a subscription",
        description="Only an active subscription can be paused and only a paused one resumed "
        "(409 otherwise): a pending one waits for its owner's confirmation.",
        parameters=[SUBSCRIPTION_ID],
        request=SubscriptionUpdateInput,
        responses=SubscriptionOutput,
    )
    def patch(self, request: Request, pk: str) -> Response:
        subscription = self.get_object()
        data = SubscriptionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.subscription_set_paused(
            subscription=subscription, paused=data.validated_data["paused"]
        )
        return Response(_out(self.get_object()))

    @extend_schema(
        operation_id="subscriptions_delete",
        tags=TAGS,
        summary="Delete a subscription",
        description="Nothing more is sent; its alert rule goes with it.",
        parameters=[SUBSCRIPTION_ID],
        responses=NO_CONTENT,
    )
    def delete(self, request: Request, pk: str) -> Response:
        services.subscription_delete(subscription=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
