from django.conf import settings
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IngestScope
from ingest.ratelimit import ApiKeyRateThrottle
from ingest.request_body import read_body
from ingest.services import events_ingest


class EventsView(APIView):
    """POST /v1/events -> 202 {"accepted": N} once the batch is durable."""

    permission_classes = [IngestScope]
    throttle_classes = [ApiKeyRateThrottle]
    parser_classes: list = []  # read_body: gzip and size guard; validation parses

    def post(self, request: Request) -> Response:
        received_at = timezone.now()
        # Django's request: its content_type is the parsed media type, and DRF never read the body.
        body = read_body(request._request, max_bytes=settings.INGEST_MAX_BODY_BYTES)
        accepted = events_ingest(api_key=request.auth, body=body, received_at=received_at)
        return Response({"accepted": accepted}, status=202)
