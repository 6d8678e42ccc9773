"""The shape of `POST /v1/events`, for the OpenAPI document. Validation itself is ingest's
(ingest.validation: one set of rules for both of its paths); these mirror its limits."""

from rest_framework import serializers

from core.limits import (
    EVENT_NAME_PATTERN,
    MAX_INSERT_ID_LENGTH,
    MAX_TENANT_ID_LENGTH,
    MAX_USER_ID_LENGTH,
)
from ingest.rules import MAX_EVENTS_PER_BATCH, MAX_STRING_PROP_LENGTH


class EventInput(serializers.Serializer):
    tenant_id = serializers.CharField(max_length=MAX_TENANT_ID_LENGTH)
    event_name = serializers.RegexField(EVENT_NAME_PATTERN.pattern)
    timestamp = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601; without one the server stamps the arrival time (a retry then "
        "counts again: send it).",
    )
    user_id = serializers.CharField(required=False, max_length=MAX_USER_ID_LENGTH)
    insert_id = serializers.CharField(
        required=False, max_length=MAX_INSERT_ID_LENGTH, help_text="Deduplication key."
    )
    string_props = serializers.DictField(
        child=serializers.CharField(max_length=MAX_STRING_PROP_LENGTH), required=False
    )
    numeric_props = serializers.DictField(child=serializers.FloatField(), required=False)


class EventsInput(serializers.Serializer):
    events = EventInput(many=True, max_length=MAX_EVENTS_PER_BATCH, min_length=1)
