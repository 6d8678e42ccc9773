"""Console pages for alerts: list, create/edit, history, enable/disable, test, delete.

Thin views: AlertRuleForm validates, alerts.services does the work, console_view enforces the
role (members read, admins and owners write). With HTMX the row actions swap one table row.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from alerts import selectors, services
from alerts.conditions import OPERATOR_SYMBOLS
from alerts.models import AlertRule, DeliveryStatus
from console.access import console_view, has_role
from console.alerts.forms import FIELD_FOR_SERVICE_FIELD, AlertRuleForm
from core.errors import Conflict, InvalidInput
from dashboards import selectors as dashboard_selectors
from interface.forms import form_add_service_errors
from interface.requests import ConsoleRequest

HISTORY_PAGE_SIZE = 25


@dataclass(frozen=True)
class RuleRow:
    rule: AlertRule
    dashboard_name: str
    symbol: str


def _rows(request: ConsoleRequest, rules: list[AlertRule]) -> list[RuleRow]:
    names = dashboard_selectors.dashboard_names(
        organization=request.organization, dashboard_ids=[rule.dashboard_id for rule in rules]
    )
    return [
        RuleRow(
            rule,
            names.get(rule.dashboard_id, "(deleted dashboard)"),
            OPERATOR_SYMBOLS[rule.operator],
        )
        for rule in rules
    ]


@console_view
def alert_list(request: ConsoleRequest) -> HttpResponse:
    rules = list(selectors.alert_rule_list(organization=request.organization))
    context = {"rows": _rows(request, rules), "can_edit": has_role(request, Role.ADMIN)}
    return render(request, "alerts/list.html", context)


@console_view
def alert_new(request: ConsoleRequest) -> HttpResponse:
    choices = selectors.published_widget_choices(organization=request.organization)
    form = AlertRuleForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.alert_rule_create(
                organization=request.organization, **form.rule_fields()
            )
        except (InvalidInput, Conflict) as error:
            form_add_service_errors(form, error, field_for=FIELD_FOR_SERVICE_FIELD)
        else:
            messages.success(request, f"Alert “{rule.name}” created; it is checked every minute.")
            return redirect("alerts:list")
    return _render_form(request, form, rule=None, has_choices=bool(choices))


@console_view
def alert_edit(request: ConsoleRequest, rule_id: str) -> HttpResponse:
    rule = selectors.alert_rule_get(organization=request.organization, rule_id=rule_id)
    choices = selectors.published_widget_choices(organization=request.organization)
    form = AlertRuleForm(
        request.POST or None, choices=choices, initial=AlertRuleForm.initial_for(rule)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_rule_update(rule=rule, **form.rule_fields())
        except (InvalidInput, Conflict) as error:
            form_add_service_errors(form, error, field_for=FIELD_FOR_SERVICE_FIELD)
        else:
            messages.success(request, f"Alert “{rule.name}” saved.")
            return redirect("alerts:list")
    return _render_form(request, form, rule=rule, has_choices=bool(choices))


def _render_form(
    request: ConsoleRequest, form: AlertRuleForm, *, rule: AlertRule | None, has_choices: bool
) -> HttpResponse:
    context = {"form": form, "rule": rule, "has_choices": has_choices}
    return render(request, "alerts/form.html", context, status=400 if form.errors else 200)


@console_view
@require_POST
def alert_toggle(request: ConsoleRequest, rule_id: str) -> HttpResponse:
    rule = selectors.alert_rule_get(organization=request.organization, rule_id=rule_id)
    services.alert_rule_update(rule=rule, enabled=not rule.enabled)  # ApiError: a toast
    if not request.htmx:
        messages.success(
            request, f"Alert “{rule.name}” {'enabled' if rule.enabled else 'disabled'}."
        )
        return redirect("alerts:list")
    rule = selectors.alert_rule_get(organization=request.organization, rule_id=rule_id)
    row = _rows(request, [rule])[0]
    return render(request, "alerts/partials/row.html", {"row": row, "can_edit": True})


@console_view
@require_POST
def alert_delete(request: ConsoleRequest, rule_id: str) -> HttpResponse:
    rule = selectors.alert_rule_get(organization=request.organization, rule_id=rule_id)
    services.alert_rule_delete(rule=rule)
    if request.htmx:
        return HttpResponse("")  # the row swaps itself out
    messages.success(request, f"Alert “{rule.name}” deleted.")
    return redirect("alerts:list")


@console_view
@require_POST
def alert_test(request: ConsoleRequest, rule_id: str) -> HttpResponse:
    rule = selectors.alert_rule_get(organization=request.organization, rule_id=rule_id)
    deliveries = services.alert_rule_test(rule=rule)
    failed = [d for d in deliveries if d.status != DeliveryStatus.SENT]
    context = {"rule": rule, "deliveries": deliveries, "failed": failed}
    if request.htmx:
        return render(request, "alerts/partials/test_result.html", context)
    if failed:
        messages.error(
            request, f"Test of “{rule.name}”: {len(failed)} of {len(deliveries)} failed."
        )
    else:
        messages.success(request, f"Test notification of “{rule.name}” sent.")
    return redirect("alerts:history", rule_id=rule.pk)


@console_view
def alert_history(request: ConsoleRequest, rule_id: str) -> HttpResponse:
    rule = selectors.alert_rule_get(organization=request.organization, rule_id=rule_id)
    evaluations = Paginator(
        selectors.alert_rule_evaluations(rule=rule), HISTORY_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    deliveries = selectors.alert_rule_deliveries(rule=rule)[:HISTORY_PAGE_SIZE]
    context = {
        "row": _rows(request, [rule])[0],
        "rule": rule,
        "states": selectors.alert_rule_states(rule=rule)[:100],
        "evaluations": evaluations,
        "deliveries": deliveries,
        "can_edit": has_role(request, Role.ADMIN),
    }
    return render(request, "alerts/history.html", context)
