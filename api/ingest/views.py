from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.ingest.serializers import EventsInput
from api.permissions import IngestScope
from api.throttles import IngestRateThrottle
from core.metrics import (
    INGEST_EVENTS_ACCEPTED,
    INGEST_REQUESTS_ACCEPTED,
    INGEST_REQUESTS_REJECTED,
)
from ingest.request_body import read_body
from ingest.services import events_ingest


class EventsView(APIView):
    """POST /v1/events -> 202 {"accepted": N} once the batch is durable."""

    permission_classes = [IngestScope]
    throttle_classes = [IngestRateThrottle]
    parser_classes: list = []  # read_body: gzip and size guard; validation parses

    @extend_schema(
        operation_id="events_send",
        tags=["events"],
        summary="Send a batch of events (ingest or admin key)",
        description=(
            "At most 1,000 events a request; the body may be gzip-compressed "
            "(`Content-Encoding: gzip`). All or nothing: one invalid event refuses the batch, "
            "with every problem listed in `details` (`index`, `field`, `message`). Events are "
            "deduplicated on (tenant_id, event_name, timestamp, insert_id): send each event's "
            "`insert_id` AND `timestamp` on every retry, or a retry counts twice."
        ),
        request={"application/json": EventsInput},
        responses={
            202: inline_serializer("EventsAccepted", {"accepted": serializers.IntegerField()})
        },
    )
    def post(self, request: Request) -> Response:
        received_at = timezone.now()
        # Django's request: its content_type is the parsed media type, and DRF never read the body.
        body = read_body(request._request, max_bytes=settings.INGEST_MAX_BODY_BYTES)
        accepted = events_ingest(api_key=request.auth, body=body, received_at=received_at)
        INGEST_REQUESTS_ACCEPTED.inc()
        INGEST_EVENTS_ACCEPTED.inc(accepted)
        return Response({"accepted": accepted}, status=202)

    def handle_exception(self, exc: Exception) -> Response:
        # Every refusal, authentication and throttling included, counted by its error code.
        code = getattr(exc, "code", None) or getattr(exc, "default_code", None) or "error"
        INGEST_REQUESTS_REJECTED.labels(code=code if isinstance(code, str) else "error").inc()
        return super().handle_exception(exc)
