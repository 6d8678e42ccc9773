"""Strict spec validation: every bad input is an InvalidInput naming its path."""

import copy
from typing import Any

import pytest

from core.errors import InvalidInput
from dashboards.spec import (
    CHARTS_BY_KIND,
    KINDS,
    MAX_WIDGETS,
    METRICS,
    SPEC_MAX_BYTES,
    parse_spec,
    spec_to_dict,
)

DESIGN_EXAMPLE: dict[str, Any] = {
    "name": "API usage",
    "default_period": "7d",
    "filters": [{"dimension": "model", "label": "Model"}],
    "theme": {"primaryColor": "#0f9d58", "fontFamily": "Inter", "mode": "light"},
    "widgets": [
        {
            "id": "w_calls",
            "title": "API calls",
            "kind": "kpi",
            "chart": "stat",
            "event_name": "api.call",
            "metric": "count",
            "property": None,
            "group_by": [],
            "filters": {"status": "success"},
            "limit": None,
            "layout": {"x": 0, "y": 0, "w": 3, "h": 2},
        }
    ],
}


def widget(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "w_a", "kind": "kpi", "event_name": "api.call"}
    return {**base, **overrides}


def spec_with(*widgets: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return {"name": "Test", "widgets": list(widgets), **overrides}


def errors_of(raw: object) -> list[dict[str, Any]]:
    with pytest.raises(InvalidInput) as caught:
        parse_spec(raw)
    assert caught.value.status == 400
    return caught.value.details


def fields_of(raw: object) -> set[str]:
    return {detail["field"] for detail in errors_of(raw)}


def test_design_example_parses_and_round_trips() -> None:
    spec = parse_spec(DESIGN_EXAMPLE)
    assert spec.name == "API usage"
    assert spec.widgets[0].filters == {"status": "success"}
    canonical = spec_to_dict(spec)
    assert parse_spec(canonical) == spec
    design_keys = set(DESIGN_EXAMPLE["widgets"][0])
    assert design_keys <= set(canonical["widgets"][0])


def test_defaults_are_resolved_in_the_canonical_form() -> None:
    canonical = spec_to_dict(
        parse_spec(
            spec_with(
                widget(id="w_ts", kind="timeseries", group_by=["model"]),
                widget(id="w_b", kind="breakdown", group_by=["model"]),
                widget(id="w_t", kind="table", group_by=["model"], metric="sum", property="cost"),
            )
        )
    )
    assert canonical["default_period"] == "7d"
    assert canonical["theme"] == {
        "primaryColor": "#2563eb",
        "fontFamily": "Inter, system-ui, sans-serif",
        "mode": "light",
    }
    ts, breakdown, table = canonical["widgets"]
    assert (ts["chart"], ts["bucket"], ts["limit"]) == ("area", "auto", 5)
    assert (breakdown["chart"], breakdown["limit"]) == ("bar", 10)
    assert table["limit"] == 100
    assert table["metrics"] == [{"metric": "sum", "property": "cost"}]
    assert table["sort"] == {"by": "sum(cost)", "direction": "desc"}


def test_every_kind_chart_and_metric_is_accepted() -> None:
    widgets = []
    for kind in KINDS:
        for chart in CHARTS_BY_KIND[kind]:
            for metric in METRICS:
                extra: dict[str, Any] = {}
                if kind == "funnel":
                    if metric != "count_unique":
                        continue  # a funnel counts users
                    extra["steps"] = ["api.call", "signup"]
                if metric in ("sum", "avg", "p95", "p99"):
                    extra["property"] = "latency_ms"
                if metric == "ratio":
                    extra["ratio"] = {
                        "numerator": {"metric": "count", "filters": {"status": "error"}},
                        "denominator": {"metric": "count"},
                    }
                if kind in ("breakdown", "table"):
                    extra["group_by"] = ["model"]
                if chart == "progress":
                    extra["target"] = 100
                widgets.append(
                    widget(
                        id=f"w_{kind}_{chart}_{metric}",
                        kind=kind,
                        chart=chart,
                        metric=metric,
                        **extra,
                    )
                )
    for first in range(0, len(widgets), MAX_WIDGETS):  # a spec holds at most MAX_WIDGETS
        chunk = widgets[first : first + MAX_WIDGETS]
        assert len(parse_spec(spec_with(*chunk)).widgets) == len(chunk)


def test_count_unique_defaults_to_user_id_and_accepts_a_string_prop() -> None:
    spec = parse_spec(
        spec_with(
            widget(id="w_u", metric="count_unique"),
            widget(id="w_uu", metric="count_unique", property="user_id"),
            widget(id="w_s", metric="count_unique", property="session"),
        )
    )
    assert [w.property for w in spec.widgets] == [None, None, "session"]


def test_table_with_several_metrics_and_sort() -> None:
    spec = parse_spec(
        spec_with(
            widget(
                kind="table",
                group_by=["model", "endpoint", "region"],
                metrics=[{"metric": "count"}, {"metric": "p95", "property": "latency_ms"}],
                sort={"by": "model", "direction": "asc"},
                limit=20,
            )
        )
    )
    table = spec.widgets[0]
    assert [m.label for m in table.metrics] == ["count", "p95(latency_ms)"]
    assert (table.sort.by, table.sort.direction, table.limit) == ("model", "asc", 20)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (spec_with(widget(kind="gauge")), "widgets[0].kind"),
        (spec_with(widget(chart="pie")), "widgets[0].chart"),
        (spec_with(widget(metric="median")), "widgets[0].metric"),
        (spec_with(widget(metric="sum")), "widgets[0].property"),
        (spec_with(widget(metric="avg")), "widgets[0].property"),
        (spec_with(widget(metric="p95")), "widgets[0].property"),
        (spec_with(widget(metric="p99")), "widgets[0].property"),
        (spec_with(widget(metric="count", property="x")), "widgets[0].property"),
        (spec_with(widget(metric="sum", property="bad key")), "widgets[0].property"),
        (spec_with(widget(filter={"a": "b"})), "widgets[0].filter"),
        (spec_with(widget(), filterz=[]), "filterz"),
        (spec_with(widget(layout={"x": 0, "y": 0, "w": 1, "h": 1, "z": 3})), "widgets[0].layout.z"),
        (spec_with(widget(layout={"x": 12, "y": 0, "w": 1, "h": 1})), "widgets[0].layout.x"),
        (spec_with(widget(layout={"x": 0, "y": -1, "w": 1, "h": 1})), "widgets[0].layout.y"),
        (spec_with(widget(layout={"x": 0, "y": 0, "w": 13, "h": 1})), "widgets[0].layout.w"),
        (spec_with(widget(layout={"x": 8, "y": 0, "w": 6, "h": 1})), "widgets[0].layout.w"),
        (spec_with(widget(layout={"x": 11, "y": 0, "w": 2, "h": 1})), "widgets[0].layout.w"),
        (spec_with(widget(layout={"x": 0, "y": 0, "w": 1, "h": 0})), "widgets[0].layout.h"),
        (spec_with(widget(layout={"x": 0, "y": 0, "w": 1})), "widgets[0].layout.h"),
        (spec_with(widget(id="chart1")), "widgets[0].id"),
        (spec_with(widget(id="w_" + "a" * 41)), "widgets[0].id"),
        (spec_with(widget(title="t" * 201)), "widgets[0].title"),
        (spec_with({"id": "w_a", "kind": "kpi"}), "widgets[0].event_name"),
        (spec_with(widget(event_name="api call")), "widgets[0].event_name"),
        (spec_with(widget(event_name="")), "widgets[0].event_name"),
        (spec_with(widget(chart="progress")), "widgets[0].target"),
        (spec_with(widget(chart="progress", target="100")), "widgets[0].target"),
        (spec_with(widget(target=10)), "widgets[0].target"),
        (spec_with(widget(group_by=["model"])), "widgets[0].group_by"),
        (spec_with(widget(limit=5)), "widgets[0].limit"),
        (spec_with(widget(bucket="day")), "widgets[0].bucket"),
        (spec_with(widget(kind="timeseries", bucket="minute")), "widgets[0].bucket"),
        (spec_with(widget(kind="timeseries", group_by=["a", "b"])), "widgets[0].group_by"),
        (spec_with(widget(kind="timeseries", limit=3)), "widgets[0].limit"),
        (spec_with(widget(compare="previous_period")), "widgets[0].compare"),
        (spec_with(widget(kind="timeseries", compare="last_year")), "widgets[0].compare"),
        (spec_with(widget(kind="timeseries", compare=True)), "widgets[0].compare"),
        (
            spec_with(widget(kind="timeseries", chart="stacked_bar", compare="previous_period")),
            "widgets[0].compare",
        ),
        (
            spec_with(widget(kind="timeseries", group_by=["a"], compare="previous_period")),
            "widgets[0].compare",
        ),
        (spec_with(widget(chart="sparkline", target=10)), "widgets[0].target"),
        (spec_with(widget(kind="breakdown")), "widgets[0].group_by"),
        (spec_with(widget(kind="breakdown", group_by=["a", "b"])), "widgets[0].group_by"),
        (spec_with(widget(kind="breakdown", group_by=["a"], limit=0)), "widgets[0].limit"),
        (spec_with(widget(kind="breakdown", group_by=["a"], limit=True)), "widgets[0].limit"),
        (
            spec_with(widget(kind="breakdown", group_by=["a"], metrics=[{"metric": "count"}])),
            "widgets[0].metrics",
        ),
        (spec_with(widget(kind="table", group_by=[])), "widgets[0].group_by"),
        (spec_with(widget(kind="table", group_by=["a", "b", "c", "d"])), "widgets[0].group_by"),
        (spec_with(widget(kind="table", group_by=["a", "a"])), "widgets[0].group_by"),
        (spec_with(widget(kind="table", group_by=["a"], limit=1001)), "widgets[0].limit"),
        (
            spec_with(widget(kind="table", group_by=["a"], sort={"by": "nope"})),
            "widgets[0].sort.by",
        ),
        (
            spec_with(widget(kind="table", group_by=["a"], sort={"direction": "up"})),
            "widgets[0].sort.direction",
        ),
        (spec_with(widget(kind="table", group_by=["a"], sort={"col": "a"})), "widgets[0].sort.col"),
        (
            spec_with(widget(kind="table", group_by=["a"], metrics=[{"metric": "sum"}])),
            "widgets[0].metrics[0].property",
        ),
        (
            spec_with(
                widget(kind="table", group_by=["a"], metrics=[{"metric": "count", "as": "n"}])
            ),
            "widgets[0].metrics[0].as",
        ),
        (spec_with(widget(kind="kpi", metrics=[{"metric": "count"}])), "widgets[0].metrics"),
        (spec_with(widget(kind="kpi", sort={"by": "count"})), "widgets[0].sort"),
        (spec_with(widget(filters={"bad key": "x"})), "widgets[0].filters.bad key"),
        (spec_with(widget(filters={"status": 5})), "widgets[0].filters.status"),
        (spec_with(widget(filters=["status"])), "widgets[0].filters"),
        (spec_with(widget(), widget()), "widgets[1].id"),
        (spec_with(widget(), name=""), "name"),
        (spec_with(widget(), name="n" * 201), "name"),
        ({"widgets": []}, "name"),
        (spec_with(widget(), default_period="1y"), "default_period"),
        (spec_with(widget(), filters=[{"dimension": "a b", "label": "A"}]), "filters[0].dimension"),
        (spec_with(widget(), filters=[{"dimension": "a", "label": "A", "x": 1}]), "filters[0].x"),
        (
            spec_with(
                widget(),
                filters=[{"dimension": "a", "label": "A"}, {"dimension": "a", "label": "B"}],
            ),
            "filters[1].dimension",
        ),
        (spec_with(widget(), theme={"primaryColor": "red"}), "theme.primaryColor"),
        (spec_with(widget(), theme={"fontFamily": "x;}</style>"}), "theme.fontFamily"),
        (spec_with(widget(), theme={"mode": "sepia"}), "theme.mode"),
        (spec_with(widget(), theme={"primary_color": "#000000"}), "theme.primary_color"),
        (spec_with(*[widget(id=f"w_{i}") for i in range(51)]), "widgets"),
        (spec_with(widget(), widgets={}), "widgets"),
        # A trailing newline passes `^…$` with re.match: every pattern must match whole values.
        (spec_with(widget(id="w_a\n")), "widgets[0].id"),
        (spec_with(widget(event_name="api.call\n")), "widgets[0].event_name"),
        (
            spec_with(widget(group_by=["model\n"], kind="breakdown", chart="bar")),
            "widgets[0].group_by[0]",
        ),
        (spec_with(widget(), theme={"primaryColor": "#aabbcc\n"}), "theme.primaryColor"),
    ],
)
def test_bad_specs_name_the_field(raw: dict[str, Any], field: str) -> None:
    assert field in fields_of(raw)


def test_not_an_object() -> None:
    assert fields_of([1, 2]) == {"spec"}


def test_missing_fields_say_required() -> None:
    details = errors_of({"widgets": [{"id": "w_a", "layout": {"x": 0, "y": 0, "w": 1}}]})
    messages = {d["field"]: d["message"] for d in details}
    assert messages["name"] == "Required."
    assert messages["widgets[0].kind"].startswith("Required; one of: kpi")
    assert messages["widgets[0].event_name"] == "Required."
    assert messages["widgets[0].layout.h"] == "Required."


def test_all_errors_are_reported_at_once() -> None:
    raw = spec_with(widget(kind="gauge"), widget(id="w_b", metric="sum"), name="")
    assert {"name", "widgets[0].kind", "widgets[1].property"} <= fields_of(raw)


def test_spec_over_the_size_limit() -> None:
    raw = spec_with(widget(title="x"), name="big")
    raw["widgets"] = [
        widget(id=f"w_{i}", title="t" * 200, filters={f"k{j}": "v" * 900 for j in range(20)})
        for i in range(50)
    ]
    details = errors_of(raw)
    assert details[0]["field"] == "spec"
    assert str(SPEC_MAX_BYTES) in details[0]["message"]


def test_parse_does_not_mutate_its_input() -> None:
    raw = copy.deepcopy(DESIGN_EXAMPLE)
    parse_spec(raw)
    assert raw == DESIGN_EXAMPLE


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"metric": "ratio"}, "ratio", "Required."),
        ({"metric": "count", "ratio": {}}, "ratio", "Only the ratio metric takes a ratio."),
        ({"metric": "ratio", "property": "x", "ratio": {}}, "property", "A ratio takes no"),
        (
            {"metric": "ratio", "ratio": {"numerator": {"metric": "count"}}},
            "ratio.denominator",
            "Required.",
        ),
        (
            {
                "metric": "ratio",
                "ratio": {
                    "numerator": {"metric": "ratio"},
                    "denominator": {"metric": "count"},
                },
            },
            "ratio.numerator.metric",
            "Must be one of",
        ),
        (
            {
                "metric": "ratio",
                "ratio": {
                    "numerator": {"metric": "sum"},
                    "denominator": {"metric": "count", "colour": "red"},
                },
            },
            "ratio.numerator.property",
            "needs a numeric property",
        ),
    ],
)
def test_ratio_errors_name_their_field(fields, field, message) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_spec(spec_with(widget(id="w_r", **fields)))
    details = {d["field"]: d["message"] for d in caught.value.details}
    assert any(message in m for f, m in details.items() if f == f"widgets[0].{field}"), details


def test_a_ratio_round_trips_through_the_canonical_form() -> None:
    ratio = {
        "numerator": {"metric": "sum", "property": "cost", "filters": {"plan": "pro"}},
        "denominator": {"metric": "count_unique", "property": None, "filters": {}},
    }
    parsed = parse_spec(spec_with(widget(id="w_r", metric="ratio", ratio=ratio)))
    assert spec_to_dict(parsed)["widgets"][0]["ratio"] == ratio
    assert parse_spec(spec_to_dict(parsed)) == parsed
    assert parsed.widgets[0].query.metric.label == "sum(cost)[plan=pro]/count_unique"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"steps": ["a"]}, "steps"),
        ({"steps": ["a", "a"]}, "steps[1]"),
        ({"steps": "a,b"}, "steps"),
        ({"steps": ["a", "b"], "event_name": "b"}, "event_name"),
        ({"steps": ["a", "b"], "metric": "count"}, "metric"),
        ({"steps": ["a", "b"], "window_minutes": 0}, "window_minutes"),
        ({"steps": [f"s{i}" for i in range(9)]}, "steps"),
    ],
)
def test_funnel_errors_name_their_field(fields, field) -> None:
    raw = {"id": "w_f", "kind": "funnel", **fields}
    with pytest.raises(InvalidInput) as caught:
        parse_spec(spec_with(raw))
    assert f"widgets[0].{field}" in {d["field"] for d in caught.value.details}


def test_a_funnel_defaults_and_round_trips() -> None:
    parsed = parse_spec(spec_with({"id": "w_f", "kind": "funnel", "steps": ["visit", "pay"]}))
    funnel = parsed.widgets[0]
    assert (funnel.event_name, funnel.metric, funnel.window_minutes) == (
        "visit",
        "count_unique",
        1440,
    )
    assert parse_spec(spec_to_dict(parsed)) == parsed
    with pytest.raises(InvalidInput):
        parse_spec(spec_with(widget(steps=["a", "b"])))  # only a funnel takes steps


def test_compare_and_sparkline_round_trip_and_stay_absent_when_off() -> None:
    parsed = parse_spec(
        spec_with(
            widget(id="w_cmp", kind="timeseries", chart="bar", compare="previous_period"),
            widget(id="w_plain", kind="timeseries"),
            widget(id="w_spark", chart="sparkline", metric="count_unique"),
        )
    )
    compared, plain, spark = parsed.widgets
    assert compared.compare == "previous_period" and compared.query.compare == "previous_period"
    assert plain.compare is None and "compare" not in spec_to_dict(parsed)["widgets"][1]
    assert spark.query.trend and not compared.query.trend
    assert parse_spec(spec_to_dict(parsed)) == parsed


def test_a_widget_ending_past_the_grid_says_how_wide_it_may_be() -> None:
    details = errors_of({"widgets": [widget(layout={"x": 8, "y": 0, "w": 6, "h": 2})]})
    messages = {d["field"]: d["message"] for d in details}
    assert "x + w is 14, at most 12" in messages["widgets[0].layout.w"]
    assert "w is at most 4" in messages["widgets[0].layout.w"]
    assert parse_spec(spec_with(widget(layout={"x": 8, "y": 0, "w": 4, "h": 2}))).widgets
