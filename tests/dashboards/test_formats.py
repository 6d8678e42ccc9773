"""Widget formats (issue 14, item 4): validated, canonical, and refused with a path-named error."""

import pytest

from core.errors import InvalidInput
from dashboards.spec import parse_spec, spec_to_dict


def parsed(fmt: object):
    raw = {"name": "t", "widgets": [{"id": "w_a", "kind": "kpi", "event_name": "e", "format": fmt}]}
    return parse_spec(raw)


def test_a_format_is_stored_with_every_key() -> None:
    spec = parsed({"unit": "currency", "currency": "EUR", "decimals": 2})
    assert spec.widgets[0].format == {
        "unit": "currency",
        "currency": "EUR",
        "decimals": 2,
        "compact": None,
        "prefix": "",
        "suffix": "",
    }
    assert parse_spec(spec_to_dict(spec)) == spec
    assert parsed(None).widgets[0].format is None


@pytest.mark.parametrize(
    ("fmt", "field"),
    [
        ({"unit": "furlongs"}, "unit"),
        ({"unit": "currency"}, "currency"),
        ({"unit": "currency", "currency": "euro"}, "currency"),
        ({"unit": "percent", "currency": "EUR"}, "currency"),
        ({"decimals": 9}, "decimals"),
        ({"decimals": True}, "decimals"),
        ({"compact": "yes"}, "compact"),
        ({"suffix": "x" * 9}, "suffix"),
        ({"colour": "red"}, "colour"),
        ("percent", ""),
    ],
)
def test_bad_formats_name_their_field(fmt, field) -> None:
    with pytest.raises(InvalidInput) as caught:
        parsed(fmt)
    path = "widgets[0].format" + (f".{field}" if field else "")
    assert path in {d["field"] for d in caught.value.details}
