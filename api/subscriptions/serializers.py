"""Input serializers and the output shape of the subscriptions API."""

from rest_framework import serializers

from core.limits import MAX_TENANT_ID_LENGTH
from interface.serializers import StrictSerializer
from subscriptions.models import Frequency, Kind, Status


class SubscriptionListQuery(StrictSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    tenant_id = serializers.CharField(required=False, max_length=MAX_TENANT_ID_LENGTH)
    dashboard_id = serializers.CharField(required=False, max_length=32)
    email = serializers.CharField(required=False, max_length=254, help_text="Exact, any case.")
    limit = serializers.IntegerField(required=False, min_value=1)
    offset = serializers.IntegerField(required=False, min_value=0)


class SubscriptionUpdateInput(StrictSerializer):
    paused = serializers.BooleanField(
        help_text="true pauses an active subscription; false resumes."
    )


class SubscriptionOutput(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    dashboard_id = serializers.CharField()
    tenant_id = serializers.CharField()
    email = serializers.EmailField()
    frequency = serializers.ChoiceField(choices=Frequency.choices, allow_null=True)
    widget_id = serializers.CharField(allow_null=True)
    operator = serializers.CharField(allow_null=True)
    threshold = serializers.FloatField(allow_null=True)
    window = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    skipped_reason = serializers.CharField(help_text="Why the last run sent nothing; or empty.")
    viewer_user = serializers.CharField(help_text="The embed session's `user`; or empty.")
    created_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    last_sent_at = serializers.DateTimeField(allow_null=True)
