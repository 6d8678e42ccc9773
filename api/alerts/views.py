"""The alerts API: thin views over alerts.services / alerts.selectors, admin scope (the default
permission), organization scoping by OrganizationScopedMixin (another org's alert is a 404)."""

from django.db.models import QuerySet
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from alerts import selectors, services
from alerts.models import AlertRule
from api.alerts.serializers import (
    AlertRuleCreateInput,
    AlertRuleUpdateInput,
    delivery_to_dict,
    evaluation_to_dict,
    rule_to_dict,
    state_to_dict,
)
from api.scoping import OrganizationScopedMixin

MAX_STATES_SHOWN = 200


class _AlertView(OrganizationScopedMixin, GenericAPIView):
    model = AlertRule

    def scoped_queryset_filter(self, queryset: QuerySet[AlertRule]) -> QuerySet[AlertRule]:
        return selectors.with_firing_count(queryset).order_by("-created_at")


class AlertListCreateView(_AlertView):
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([rule_to_dict(rule) for rule in page])

    def post(self, request: Request) -> Response:
        data = AlertRuleCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.alert_rule_create(organization=self.organization, **data.validated_data)
        return Response(rule_to_dict(self.get_object(rule.pk)), status=status.HTTP_201_CREATED)


class AlertDetailView(_AlertView):
    def get(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        states = selectors.alert_rule_states(rule=rule)[:MAX_STATES_SHOWN]
        return Response(
            {**rule_to_dict(rule), "states": [state_to_dict(state) for state in states]}
        )

    def patch(self, request: Request, pk: str) -> Response:
        rule = self.get_object()
        data = AlertRuleUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.alert_rule_update(rule=rule, **data.validated_data)
        return Response(rule_to_dict(self.get_object()))

    def delete(self, request: Request, pk: str) -> Response:
        services.alert_rule_delete(rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlertTestView(_AlertView):
    def post(self, request: Request, pk: str) -> Response:
        deliveries = services.alert_rule_test(rule=self.get_object())
        return Response({"deliveries": [delivery_to_dict(d) for d in deliveries]})


class AlertHistoryView(_AlertView):
    """Evaluations where a tenant changed state or the query failed, newest first, each with
    its deliveries and their attempts (a quiet check only updates `last_evaluated_at`)."""

    def get(self, request: Request, pk: str) -> Response:
        evaluations = selectors.alert_rule_evaluations(rule=self.get_object())
        page = self.paginate_queryset(evaluations)
        return self.get_paginated_response([evaluation_to_dict(e) for e in page])


class AlertDeliveriesView(_AlertView):
    """Every notification of the rule (test ones included), newest first, with attempts."""

    def get(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(selectors.alert_rule_deliveries(rule=self.get_object()))
        return self.get_paginated_response([delivery_to_dict(d) for d in page])
