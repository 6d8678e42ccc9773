"""Builder forms. They offer what discovery found (event names, property keys) and turn the
input into spec fragments; the spec itself is validated by dashboards.spec through the
dashboards services, whose path-named errors are shown next to the matching field."""

from typing import Any

from django import forms

from console.choices import Schema, period_choices
from console.dashboards.format_form import FormatFields, format_initial
from console.dashboards.ratio_form import RatioFields, ratio_initial
from core.labels import key_label
from core.limits import GRID_COLUMNS, MAX_WIDGET_ROWS
from core.periods import AUTO_BUCKET, BUCKETS
from dashboards.spec import (
    CHARTS_BY_KIND,
    COMPARES,
    GROUP_BY_COUNT,
    KINDS,
    METRICS,
    THEME_MODES,
    USER_ID,
    MetricSpec,
)
from dashboards.spec.kinds import (
    takes_limit,
    takes_table_columns,
)
from interface.builder import (
    KIND_LABELS,
    METRIC_LABELS,
    chart_label,
    fields_applying,
    property_choices,
)
from interface.builder import choices as _choices
from interface.forms import pairs_parse, pairs_text


class DashboardCreateForm(forms.Form):
    name = forms.CharField(
        label="New dashboard",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. API usage"}),
    )


class DashboardSettingsForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    default_period = forms.ChoiceField(label="Default period", choices=period_choices())
    filters = forms.MultipleChoiceField(
        label="Viewer filters",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Dimensions the viewer can filter the whole dashboard by.",
    )
    primary_color = forms.CharField(
        label="Primary color", widget=forms.TextInput(attrs={"type": "color"})
    )
    font_family = forms.CharField(label="Font", max_length=100)
    mode = forms.ChoiceField(label="Mode", choices=[(m, m.capitalize()) for m in THEME_MODES])

    def __init__(self, *args: Any, schema: Schema, spec: dict[str, Any], **kwargs: Any) -> None:
        self.spec = spec
        current = [f["dimension"] for f in spec["filters"]]
        kwargs.setdefault(
            "initial",
            {
                "name": spec["name"],
                "default_period": spec["default_period"],
                "filters": current,
                "primary_color": spec["theme"]["primaryColor"],
                "font_family": spec["theme"]["fontFamily"],
                "mode": spec["theme"]["mode"],
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["filters"].choices = _choices(schema.string_keys, *current)

    def changes(self) -> dict[str, Any]:
        """The spec keys to merge into the draft. Kept filters keep their label and order;
        newly ticked ones follow."""
        data = self.cleaned_data
        labels = {f["dimension"]: f["label"] for f in self.spec["filters"]}
        chosen = set(data["filters"])
        ordered = [d for d in labels if d in chosen] + [
            d for d in data["filters"] if d not in labels
        ]
        return {
            "name": data["name"],
            "default_period": data["default_period"],
            "filters": [{"dimension": d, "label": labels.get(d, key_label(d))} for d in ordered],
            "theme": {
                "primaryColor": data["primary_color"],
                "fontFamily": data["font_family"],
                "mode": data["mode"],
            },
        }

    @staticmethod
    def field_for(path: str) -> str | None:
        head = path.split("[")[0].split(".")
        return {"name": "name", "default_period": "default_period", "filters": "filters"}.get(
            head[0]
        ) or {
            "primaryColor": "primary_color",
            "fontFamily": "font_family",
            "mode": "mode",
        }.get(head[-1])


class WidgetForm(RatioFields, FormatFields):
    """One widget. `kind` and `metric` decide which other fields apply; changing them
    re-renders the form (HTMX) with the matching chart and property choices."""

    title = forms.CharField(label="Title", max_length=200, required=False)
    kind = forms.ChoiceField(label="Kind", choices=[(k, KIND_LABELS[k]) for k in KINDS])
    chart = forms.ChoiceField(label="Chart")
    event_name = forms.ChoiceField(label="Event")
    metric = forms.ChoiceField(label="Metric", choices=[(m, METRIC_LABELS[m]) for m in METRICS])
    property = forms.ChoiceField(label="Property", required=False)
    group_by = forms.MultipleChoiceField(
        label="Group by", required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    filters = forms.CharField(
        label="Filters",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "status = success"}),
        help_text="One “property = value” a line; only matching events count.",
    )
    limit = forms.IntegerField(label="Limit", required=False, min_value=1)
    target = forms.FloatField(label="Target", required=False)
    steps = forms.CharField(
        label="Steps",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "signup\nactivate\npay"}),
        help_text="One event a line, in order: users who did them in this order count.",
    )
    window_minutes = forms.IntegerField(
        label="Conversion window (minutes)", required=False, min_value=1
    )
    bucket = forms.ChoiceField(
        label="Bucket", choices=[(b, b.capitalize()) for b in BUCKETS], required=False
    )
    compare = forms.BooleanField(
        label="Compare with the previous period",
        required=False,
        help_text="A dashed line: the same-length window just before, under each point.",
    )
    # The grid is GRID_COLUMNS wide; rows are about 56 px high.
    x = forms.IntegerField(label="Column", min_value=0, max_value=GRID_COLUMNS - 1)
    y = forms.IntegerField(label="Row", min_value=0)
    w = forms.IntegerField(label="Width", min_value=1, max_value=GRID_COLUMNS)
    h = forms.IntegerField(label="Height", min_value=1, max_value=MAX_WIDGET_ROWS)

    def __init__(self, *args: Any, schema: Schema, widget: dict[str, Any], **kwargs: Any) -> None:
        self.widget = widget
        kwargs.setdefault("initial", self.initial_from(widget))
        super().__init__(*args, **kwargs)
        kind = self._current("kind")
        metric = self._current("metric")
        self.kind, self.metric = kind, metric
        self.fields["chart"].choices = [(c, chart_label(c)) for c in CHARTS_BY_KIND.get(kind, ())]
        self.fields["event_name"].choices = _choices(schema.events, widget.get("event_name"))
        self.fields["group_by"].choices = _choices(schema.string_keys, *widget.get("group_by", []))
        self.fields["property"].choices = self._property_choices(schema, metric)
        self.set_ratio_choices(schema, widget)
        self.applies = self._which_apply()

    @staticmethod
    def initial_from(widget: dict[str, Any]) -> dict[str, Any]:
        layout = widget.get("layout") or {}
        return {
            **{
                key: widget.get(key)
                for key in ("title", "kind", "chart", "event_name", "metric", "limit", "target")
            },
            "property": widget.get("property") or "",
            "group_by": widget.get("group_by") or [],
            "filters": pairs_text(widget.get("filters") or {}),
            "bucket": widget.get("bucket") or AUTO_BUCKET,
            "compare": bool(widget.get("compare")),
            "steps": "\n".join(widget.get("steps") or []),
            "window_minutes": widget.get("window_minutes"),
            **{key: layout.get(key) for key in ("x", "y", "w", "h")},
            **ratio_initial(widget),
            **format_initial(widget),
        }

    def _current(self, name: str) -> str:
        value = self.data.get(name) if self.is_bound else None
        return value or self.initial.get(name) or ""

    def _property_choices(self, schema: Schema, metric: str) -> list[tuple[str, str]]:
        return property_choices(
            metric,
            string_keys=schema.string_keys,
            numeric_keys=schema.numeric_keys,
            current=self.widget.get("property"),
        )

    def _which_apply(self) -> dict[str, bool]:
        """Which optional fields this kind/metric uses (the template hides the others)."""
        return fields_applying(self.kind, self.metric, self._current("chart"))

    def clean_filters(self) -> dict[str, str]:
        return pairs_parse(self.cleaned_data["filters"], what="property")

    def to_widget(self) -> dict[str, Any]:
        """The widget dict to save: the old one's id, the form's fields for this kind."""
        data, applies = self.cleaned_data, self.applies
        widget: dict[str, Any] = {
            "id": self.widget["id"],
            "title": data["title"],
            "kind": data["kind"],
            "chart": data["chart"],
            "event_name": data["event_name"],
            "metric": data["metric"],
            "property": (data["property"] or None) if applies["property"] else None,
            "group_by": list(data["group_by"]) if applies["group_by"] else [],
            "filters": data["filters"],
            "limit": data["limit"]
            if takes_limit(data["kind"], grouped=applies["group_by"] and bool(data["group_by"]))
            else None,
            "layout": {key: data[key] for key in ("x", "y", "w", "h")},
        }
        if widget["metric"] == "count_unique" and widget["property"] == USER_ID:
            widget["property"] = None
        if applies["target"]:
            widget["target"] = data["target"]
        if applies["bucket"]:
            widget["bucket"] = data["bucket"] or AUTO_BUCKET
        if applies["compare"] and data["compare"] and not widget["group_by"]:
            widget["compare"] = COMPARES[0]
        if applies["ratio"]:
            widget["ratio"] = self.ratio()
        if applies["steps"]:
            steps = [line.strip() for line in data["steps"].splitlines() if line.strip()]
            widget.update(
                metric="count_unique",
                property=None,
                steps=steps,
                event_name=steps[0] if steps else data["event_name"],
                window_minutes=data["window_minutes"] or 1440,
            )
        number_format = self.number_format()
        if number_format is not None:
            widget["format"] = number_format
        if takes_table_columns(data["kind"]) and self.widget.get("kind") == data["kind"]:
            widget.update(_kept_table_extras(self.widget, widget))
        return widget

    @staticmethod
    def field_for(path: str) -> str | None:
        """'widgets[2].layout.w' -> 'w'; 'widgets[2].group_by[0]' -> 'group_by'."""
        parts = path.split(".", 1)
        rest = parts[1] if len(parts) > 1 else ""
        head = rest.split("[")[0].split(".")[0]
        if head == "layout":
            return rest.split(".")[-1] if rest.count(".") else "w"
        if head in ("metrics", "sort"):
            return "metric"
        return head if head in WidgetForm.base_fields else None


def _kept_table_extras(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A table's extra metric columns and its sort survive an edit; the first column follows
    the form. A sort on a column the edit removed is dropped, so the spec's default applies."""
    extra = (old.get("metrics") or [])[1:]
    first = {key: new[key] for key in ("metric", "property", "ratio") if key in new}
    metrics = [first, *extra]
    kept: dict[str, Any] = {"metrics": metrics}
    sort = old.get("sort")
    columns = [
        *new["group_by"],
        *(MetricSpec(m["metric"], m.get("property")).label for m in metrics),
    ]
    if sort and sort.get("by") in columns:
        kept["sort"] = sort
    return kept


def new_widget(*, kind: str, widget_id: str, schema: Schema) -> dict[str, Any]:
    """A sensible first version of a widget of `kind`, on the busiest discovered event (the
    service that adds it places it below the others)."""
    event = schema.events[0] if schema.events else "event"
    dimension = schema.string_keys[:1]
    size = {
        "kpi": (3, 2),
        "timeseries": (GRID_COLUMNS, 4),
        "breakdown": (GRID_COLUMNS // 2, 4),
        "table": (GRID_COLUMNS, 5),
        "funnel": (GRID_COLUMNS // 2, 5),
    }[kind]
    widget: dict[str, Any] = {
        "id": widget_id,
        "title": f"{event} {KIND_LABELS[kind].lower()}",
        "kind": kind,
        "chart": CHARTS_BY_KIND[kind][0],
        "event_name": event,
        "metric": "count",
        "property": None,
        "group_by": dimension if GROUP_BY_COUNT[kind][0] else [],
        "filters": {},
        "limit": None,
        "layout": {"x": 0, "y": 0, "w": size[0], "h": size[1]},
    }
    if GROUP_BY_COUNT[kind][0] and not dimension:
        widget["group_by"] = ["name"]  # a placeholder until events carry string properties
    if kind == "funnel":  # the busiest events as steps, to be put in order in the form
        steps = schema.events[:3] if len(schema.events) >= 2 else [event, f"{event}.next"]
        widget.update(metric="count_unique", event_name=steps[0], steps=steps)
    return widget
