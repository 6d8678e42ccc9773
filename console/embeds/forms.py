"""The Embed tab's form: which tenant, for how long, with which permissions."""

from typing import Any

from django import forms

from console.choices import period_choices
from core.limits import MAX_TENANT_ID_LENGTH
from core.periods import PERIODS, ROLLING_PERIODS
from dashboards.spec import DashboardSpec
from embeds.tokens import EmbedPermissions
from interface.forms import pairs_parse

EXPIRY_CHOICES = [(900, "15 minutes"), (3600, "1 hour"), (86400, "24 hours")]


class EmbedSessionForm(forms.Form):
    tenant_id = forms.CharField(
        label="Tenant",
        max_length=MAX_TENANT_ID_LENGTH,
        widget=forms.TextInput(attrs={"list": "known-tenants", "autocomplete": "off"}),
        help_text="The customer whose data the embed shows.",
    )
    expires_in = forms.TypedChoiceField(
        label="Expires in", choices=EXPIRY_CHOICES, coerce=int, initial=3600
    )
    locked_filters = forms.CharField(
        label="Locked filters",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "region = eu"}),
        help_text="One “dimension = value” a line; the server enforces them.",
    )
    hidden_widgets = forms.MultipleChoiceField(
        label="Hidden widgets", required=False, widget=forms.CheckboxSelectMultiple
    )
    allowed_periods = forms.MultipleChoiceField(
        label="Allowed periods",
        choices=period_choices(PERIODS),  # custom too, as the API allows
        initial=list(ROLLING_PERIODS),
        widget=forms.CheckboxSelectMultiple,
    )
    allow_drill_down = forms.BooleanField(label="Allow drill-down to events", required=False)
    allow_export = forms.BooleanField(
        label="Allow CSV export",
        required=False,
        help_text="The viewer may download each widget's rows as CSV (allow_export).",
    )
    max_date_range_days = forms.IntegerField(
        label="Max date range (days)", required=False, min_value=1, max_value=3660
    )

    def __init__(self, *args: Any, spec: DashboardSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hidden_widgets"].choices = [(w.id, w.title or w.id) for w in spec.widgets]

    def clean_locked_filters(self) -> dict[str, str]:
        return pairs_parse(self.cleaned_data["locked_filters"], what="dimension")

    def permissions(self) -> EmbedPermissions:
        data = self.cleaned_data
        return EmbedPermissions(
            locked_filters=data["locked_filters"],
            hidden_widgets=tuple(data["hidden_widgets"]),
            allowed_periods=tuple(data["allowed_periods"]),
            allow_drill_down=data["allow_drill_down"],
            max_date_range_days=data["max_date_range_days"],
        )
