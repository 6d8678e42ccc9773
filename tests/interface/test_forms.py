"""The console forms' shared kit: `key = value` textareas, service errors on fields, labels."""

import pytest
from django import forms

from core.errors import Conflict, InvalidInput
from core.labels import key_label
from interface.forms import form_add_service_errors, pairs_parse, pairs_text


def test_pairs_are_trimmed_blank_lines_skipped_and_values_may_hold_equals() -> None:
    text = "  plan = pro \n\n region=eu\nquery = a=b\nempty =\n"
    assert pairs_parse(text) == {"plan": "pro", "region": "eu", "query": "a=b", "empty": ""}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("plan = pro\nregion eu", "Line 2: write “dimension = value”."),
        (" = pro", "Line 1: write “dimension = value”."),
        ("plan = pro\nplan = free", "Line 2: plan is given twice."),
    ],
)
def test_a_bad_line_is_named(text: str, message: str) -> None:
    with pytest.raises(forms.ValidationError) as caught:
        pairs_parse(text, what="dimension")
    assert caught.value.messages == [message]


def test_pairs_text_round_trips() -> None:
    pairs = {"plan": "pro", "query": "a=b"}
    assert pairs_text(pairs) == "plan = pro\nquery = a=b"
    assert pairs_parse(pairs_text(pairs)) == pairs


class Form(forms.Form):
    name = forms.CharField(required=False)
    target = forms.CharField(required=False)


def errors_of(error, **kwargs) -> dict:
    form = Form(data={})
    assert form.is_valid()
    form_add_service_errors(form, error, **kwargs)
    return dict(form.errors)


def test_service_errors_land_on_their_field_and_the_rest_on_top() -> None:
    error = InvalidInput(
        "The request is invalid.",
        details=[
            {"field": "name", "message": "Too long."},
            {"field": "dashboard_id", "message": "Not published."},
            {"field": "nowhere", "message": "Odd."},
        ],
    )
    assert errors_of(error, field_for={"dashboard_id": "target"}) == {
        "name": ["Too long."],
        "target": ["Not published."],
        "__all__": ["Odd."],
    }


def test_an_error_without_details_is_shown_on_top_even_with_a_prefix() -> None:
    assert errors_of(Conflict("Publish it first.")) == {"__all__": ["Publish it first."]}
    assert errors_of(Conflict("Publish it first."), prefix="widgets[1]") == {
        "__all__": ["Publish it first."]
    }


def test_errors_outside_the_prefix_keep_their_path() -> None:
    error = InvalidInput(
        "Invalid.",
        details=[
            {"field": "widgets[1].name", "message": "Too long."},
            {"field": "widgets[0].title", "message": "Bad."},
        ],
    )
    got = errors_of(error, prefix="widgets[1]", field_for=lambda path: path.split(".")[-1])
    assert got == {"name": ["Too long."], "__all__": ["widgets[0].title: Bad."]}


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("latency_ms", "Latency ms"),
        ("responseTimeMs", "Response Time Ms"),
        ("cost.usd", "Cost usd"),
        ("API_key", "API key"),
        ("plan-tier", "Plan tier"),
        ("model", "Model"),
    ],
)
def test_key_label(key: str, label: str) -> None:
    assert key_label(key) == label
