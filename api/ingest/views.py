from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiKey
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
from interface.negotiation import answers_json_plainly


@dataclass(frozen=True)
class _Admitted:
    """What this view's permission and throttle classes read of a request: its key."""

    auth: ApiKey
    method: str = "POST"


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
        # Django's request: its content_type is the parsed media type, and DRF never read the body.
        return Response({"accepted": self._accept(request._request, request.auth)}, status=202)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """A POST with nothing to negotiate takes a lean path: this view's authentication,
        permission and throttle classes, in DRF's order, then `_accept`, without DRF's request
        wrapper, negotiation and renderer (a fifth of the CPU of a 1,000-event batch outside
        validation). Any refusal is answered by DRF's own exception handling, so every status,
        header and error body is DRF's; anything else goes through DRF's dispatch."""
        if request.method != "POST" or not answers_json_plainly(request.META):
            return super().dispatch(request, *args, **kwargs)
        try:
            accepted = self._accept(request, self._admitted_key(request))
        except Exception as exc:  # noqa: BLE001 - answered (or re-raised) as DRF would
            return self._refusal(request, exc, args, kwargs)
        response = HttpResponse(
            orjson.dumps({"accepted": accepted}), status=202, content_type="application/json"
        )
        response["Allow"] = self.default_response_headers["Allow"]
        return response

    def _admitted_key(self, request: HttpRequest) -> ApiKey:
        authenticated = None
        for authenticator in self.get_authenticators():
            authenticated = authenticator.authenticate(request)  # type: ignore[arg-type]
            if authenticated is not None:
                break
        if authenticated is None:
            raise exceptions.NotAuthenticated()
        admitted = _Admitted(auth=authenticated[1])
        for permission in self.get_permissions():
            if not permission.has_permission(admitted, self):  # type: ignore[arg-type]
                raise exceptions.PermissionDenied(getattr(permission, "message", None))
        waits = [
            throttle.wait()
            for throttle in self.get_throttles()
            if not throttle.allow_request(admitted, self)  # type: ignore[arg-type]
        ]
        if waits:
            raise exceptions.Throttled(max((w for w in waits if w is not None), default=None))
        return authenticated[1]

    def _accept(self, request: HttpRequest, key: ApiKey) -> int:
        received_at = timezone.now()
        body = read_body(request, max_bytes=settings.INGEST_MAX_BODY_BYTES)
        accepted = events_ingest(api_key=key, body=body, received_at=received_at)
        INGEST_REQUESTS_ACCEPTED.inc()
        INGEST_EVENTS_ACCEPTED.inc(accepted)
        return accepted

    def _refusal(
        self, request: HttpRequest, exc: Exception, args: tuple, kwargs: dict
    ) -> HttpResponseBase:
        """The response DRF's dispatch gives when `exc` is raised in its initial() or post()."""
        self.args, self.kwargs = args, kwargs
        self.request = self.initialize_request(request, *args, **kwargs)
        self.headers = self.default_response_headers
        self.format_kwarg = self.get_format_suffix(**kwargs)
        negotiated = self.perform_content_negotiation(self.request)
        self.request.accepted_renderer, self.request.accepted_media_type = negotiated
        self.response = self.finalize_response(self.request, self.handle_exception(exc))
        return self.response

    def handle_exception(self, exc: Exception) -> Response:
        # Every refusal, authentication and throttling included, counted by its error code.
        code = getattr(exc, "code", None) or getattr(exc, "default_code", None) or "error"
        INGEST_REQUESTS_REJECTED.labels(code=code if isinstance(code, str) else "error").inc()
        return super().handle_exception(exc)
