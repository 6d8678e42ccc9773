"""The alerts API: thin views over alerts.services / alerts.selectors, admin scope (the default
permission), organization scoping by OrganizationScopedMixin (another org's alert is a 404)."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from alerts import selectors, services
from alerts.models import AlertRule
from api.alerts.serializers import (
    AlertRuleCreateInput,
    AlertRuleDetailOutput,
    AlertRuleOutput,
    AlertRuleUpdateInput,
    DeliveriesOutput,
    DeliveryOutput,
    EvaluationOutput,
    delivery_to_dict,
    evaluation_to_dict,
    rule_to_dict,
    state_to_dict,
)
from api.openapi.docs import NO_CONTENT, path_param
from api.scoping import OrganizationScopedMixin

MAX_STATES_SHOWN = 200
TAGS = ["alerts"]
RULE_ID = path_param("id", "The alert rule's id.")


class _AlertView(OrganizationScopedMixin, GenericAPIView):
    model = AlertRule

    def scoped_queryset_filter(self, queryset: QuerySet[AlertRule]) -> QuerySet[AlertRule]:
        rules = selectors.operator_rules(queryset)
        return selectors.with_firing_count(rules).order_by("-created_at")


class AlertListCreateView(_AlertView):
    @extend_schema(
        operation_id="alerts_list",
        tags=TAGS,
        summary="List alert rules",
        responses=AlertRuleOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([rule_to_dict(rule) for rule in page])

    @extend_schema(
        operation_id="alerts_create",
        tags=TAGS,
        summary="Create an alert rule",
        request=AlertRuleCreateInput,
        responses={201: AlertRuleOutput},
    )
    def post(self, request: Request) -> Response:
        data = AlertRuleCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.alert_rule_create(organization=self.organization, **data.validated_data)
        return Response(rule_to_dict(self.get_object(rule.pk)), status=status.HTTP_201_CREATED)


class AlertDetailView(_AlertView):
    @extend_schema(
        operation_id="alerts_get",
        tags=TAGS,
        summary="One alert rule with its tenants' states",
        parameters=[RULE_ID],
        responses=AlertRuleDetailOutput,
    )
    def get(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        states = selectors.alert_rule_states(rule=rule)[:MAX_STATES_SHOWN]
        return Response(
            {**rule_to_dict(rule), "states": [state_to_dict(state) for state in states]}
        )

    @extend_schema(
        operation_id="alerts_update",
        tags=TAGS,
        summary="Change an alert rule",
        parameters=[RULE_ID],
        request=AlertRuleUpdateInput,
        responses=AlertRuleOutput,
    )
    def patch(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        data = AlertRuleUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.alert_rule_update(rule=rule, **data.validated_data)
        return Response(rule_to_dict(self.get_object()))

    @extend_schema(
        operation_id="alerts_delete",
        tags=TAGS,
        summary="Delete an alert rule",
        parameters=[RULE_ID],
        responses=NO_CONTENT,
    )
    def delete(self, request: Request, pk: str) -> Response:
        services.alert_rule_delete(rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlertTestView(_AlertView):
    @extend_schema(
        operation_id="alerts_test",
        tags=TAGS,
        summary="Send a test notification now",
        parameters=[RULE_ID],
        request=None,
        responses=DeliveriesOutput,
    )
    def post(self, request: Request, pk: str) -> Response:
        deliveries = services.alert_rule_test(rule=self.get_object())
        return Response({"deliveries": [delivery_to_dict(d) for d in deliveries]})


class AlertHistoryView(_AlertView):
    """Evaluations where a tenant changed state or the query failed, newest first, each with
    its deliveries and their attempts (a quiet check only updates `last_evaluated_at`)."""

    @extend_schema(
        operation_id="alerts_history",
        tags=TAGS,
        summary="Evaluations that changed something",
        parameters=[RULE_ID],
        responses=EvaluationOutput(many=True),
    )
    def get(self, request: Request, pk: str) -> Response:
        evaluations = selectors.alert_rule_evaluations(rule=self.get_object())
        page = self.paginate_queryset(evaluations)
        return self.get_paginated_response([evaluation_to_dict(e) for e in page])


class AlertDeliveriesView(_AlertView):
    """Every notification of the rule (test ones included), newest first, with attempts."""

    @extend_schema(
        operation_id="alerts_deliveries",
        tags=TAGS,
        summary="Every notification of the rule",
        parameters=[RULE_ID],
        responses=DeliveryOutput(many=True),
    )
    def get(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(selectors.alert_rule_deliveries(rule=self.get_object()))
        return self.get_paginated_response([delivery_to_dict(d) for d in page])
