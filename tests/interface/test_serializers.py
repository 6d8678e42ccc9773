"""The one strict serializer base of the JSON API (api/alerts, api/dashboards, api/embeds)."""

import pytest
from rest_framework import serializers

from api.alerts.serializers import AlertRuleCreateInput
from api.dashboards.serializers import DataQuerySerializer
from api.embeds.serializers import EmbedSessionCreateSerializer
from interface.serializers import StrictCharField, StrictSerializer


class Probe(StrictSerializer):
    passthrough = frozenset({"filters"})
    name = StrictCharField(max_length=10)


def test_unknown_keys_are_each_named_and_passthrough_keys_are_allowed_not_returned() -> None:
    probe = Probe(data={"name": "a", "nmae": "b", "colour": 1, "filters": "x"})
    assert not probe.is_valid()
    assert probe.errors == {"colour": ["Unknown field."], "nmae": ["Unknown field."]}
    ok = Probe(data={"name": "a", "filters": "x"})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data == {"name": "a"}


@pytest.mark.parametrize("value", [1, 1.5, True, None, ["a"]])
def test_a_strict_char_field_takes_only_a_json_string(value: object) -> None:
    probe = Probe(data={"name": value})
    assert not probe.is_valid()
    assert "name" in probe.errors


@pytest.mark.parametrize(
    "serializer", [AlertRuleCreateInput, DataQuerySerializer, EmbedSessionCreateSerializer]
)
def test_every_api_input_uses_the_one_base(serializer: type[serializers.Serializer]) -> None:
    assert issubclass(serializer, StrictSerializer)
    result = serializer(data={"typo_key": 1})
    assert not result.is_valid()
    assert result.errors["typo_key"] == ["Unknown field."]
