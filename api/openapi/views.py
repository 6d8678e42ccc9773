"""The OpenAPI document (public: it describes the API, it reads nothing of anyone's) and the
reference page that renders it with Swagger UI from our own static files."""

import threading
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

REFERENCE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


class OpenApiDocumentView(SpectacularAPIView):
    """The document is the same for every caller and changes only with the code: generated
    once per process (it takes seconds), then served from memory."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [OpenApiJsonRenderer]

    @extend_schema(exclude=True)  # the document does not describe itself
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with _lock:
            if "document" not in _generated:
                _generated["document"] = self._get_schema_response(request).data
        return Response(_generated["document"])


_generated: dict[str, Any] = {}
_lock = threading.Lock()


@require_GET
def api_reference(request: HttpRequest) -> HttpResponse:
    response = render(request, "api/reference.html")
    response["Content-Security-Policy"] = REFERENCE_CSP
    return response
