"""The OpenAPI document (public: it describes the API, it reads nothing of anyone's) and the
reference page that renders it with Swagger UI from our own static files."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

REFERENCE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


class OpenApiDocumentView(SpectacularAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [OpenApiJsonRenderer]


@require_GET
def api_reference(request: HttpRequest) -> HttpResponse:
    response = render(request, "api/reference.html")
    response["Content-Security-Policy"] = REFERENCE_CSP
    return response
