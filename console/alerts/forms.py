"""The console's alert form: the same rules as the API (alerts.inputs, alerts.webhooks), with
the dashboard and widget picked together from the published widgets."""

from typing import Any

from django import forms

from alerts.inputs import MAX_RENOTIFY_MINUTES, parse_email_list
from alerts.models import AlertRule, Operator
from alerts.selectors import WidgetChoice
from alerts.webhooks import validate_webhook_target
from core.limits import MAX_TENANT_ID_LENGTH
from core.periods import ALERT_WINDOWS

OPERATOR_CHOICES = [
    (Operator.GT, "> above"),
    (Operator.GTE, "≥ at or above"),
    (Operator.LT, "< below"),
    (Operator.LTE, "≤ at or below"),
    (Operator.EQ, "= equal to"),
]
# Service error fields -> form fields.
FIELD_FOR_SERVICE_FIELD = {"dashboard_id": "target", "widget_id": "target"}


class AlertRuleForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    target = forms.ChoiceField(label="Widget", help_text="Widgets of published dashboards.")
    operator = forms.ChoiceField(label="When the value is", choices=OPERATOR_CHOICES)
    threshold_value = forms.FloatField(label="Threshold")
    window = forms.ChoiceField(
        label="Computed over",
        required=False,
        choices=[
            ("", "The dashboard's default period"),
            *((w, f"the last {w}") for w in ALERT_WINDOWS),
        ],
    )
    tenant_id = forms.CharField(
        label="Tenant",
        max_length=MAX_TENANT_ID_LENGTH,
        required=False,
        help_text="Empty: every tenant, separately.",
    )
    webhook_url = forms.CharField(label="Webhook URL", max_length=2000, required=False)
    email_to = forms.CharField(
        label="E-mail to", required=False, help_text="Comma-separated addresses."
    )
    renotify_minutes = forms.IntegerField(
        label="Remind every (minutes)",
        required=False,
        min_value=1,
        max_value=MAX_RENOTIFY_MINUTES,
        help_text="While still firing. Empty: notify once.",
    )
    enabled = forms.BooleanField(label="Enabled", required=False, initial=True)

    def __init__(self, *args: Any, choices: list[WidgetChoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for choice in choices:
            groups.setdefault(choice.dashboard_name, []).append((choice.value, choice.label))
        self.fields["target"].choices = [("", "Pick a widget…"), *groups.items()]

    @staticmethod
    def initial_for(rule: AlertRule) -> dict[str, Any]:
        return {
            "name": rule.name,
            "target": f"{rule.dashboard_id}:{rule.widget_id}",
            "operator": rule.operator,
            "threshold_value": rule.threshold_value,
            "window": rule.window,
            "tenant_id": rule.tenant_id,
            "webhook_url": rule.webhook_url,
            "email_to": ", ".join(rule.email_to),
            "renotify_minutes": rule.renotify_minutes,
            "enabled": rule.enabled,
        }

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"].strip()
        problem = validate_webhook_target(url) if url else None
        if problem:
            raise forms.ValidationError(problem)
        return url

    def clean_email_to(self) -> list[str]:
        try:
            return parse_email_list(self.cleaned_data["email_to"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "webhook_url" in cleaned and "email_to" in cleaned:
            if not cleaned["webhook_url"] and not cleaned["email_to"]:
                raise forms.ValidationError("Give a webhook URL or at least one e-mail address.")
        return cleaned

    def rule_fields(self) -> dict[str, Any]:
        """What alerts.services takes."""
        data = dict(self.cleaned_data)
        dashboard_id, _, widget_id = data.pop("target").partition(":")
        return {**data, "dashboard_id": dashboard_id, "widget_id": widget_id}
