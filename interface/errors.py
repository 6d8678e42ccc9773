"""The one place that turns errors into the JSON shape `{"error": {"code", "message",
"details"}}`: the DRF exception handler and `error_response` for plain Django views."""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from core.errors import (
    ApiError,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
    UnsupportedMediaType,
)

logger = logging.getLogger(__name__)

DATABASE_RETRY_AFTER_SECONDS = 5


def _from_drf(exc: Exception) -> ApiError | None:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, (OperationalError, InterfaceError)) or type(exc) is DatabaseError:
        # The configuration database is down or restarting: a clear 503, nothing half-done
        # (every write is one transaction); Django reconnects on the next request.
        logger.warning("The configuration database failed a request", exc_info=exc)
        return ApiError(
            "The configuration database is unavailable; nothing was changed. Try again.",
            code="database_unavailable",
            status=503,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, drf.ValidationError):
        return InvalidInput("The request is invalid.", details=_validation_details(exc.detail))
    if isinstance(exc, RequestDataTooBig):  # DATA_UPLOAD_MAX_MEMORY_SIZE, checked on reading
        return PayloadTooLarge(
            f"The body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes."
        )
    if isinstance(exc, drf.ParseError):
        return InvalidInput(str(exc.detail), code="malformed_json")
    if isinstance(exc, drf.UnsupportedMediaType):
        return UnsupportedMediaType(str(exc.detail))
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        return Unauthenticated(str(exc.detail))
    if isinstance(exc, (drf.PermissionDenied, DjangoPermissionDenied)):
        return Forbidden(
            str(getattr(exc, "detail", "")) or "You do not have permission to do this."
        )
    if isinstance(exc, (drf.NotFound, Http404)):
        return NotFound("Not found.")
    if isinstance(exc, drf.MethodNotAllowed):
        return ApiError(str(exc.detail), code="method_not_allowed", status=405)
    if isinstance(exc, drf.Throttled):
        return RateLimited(int(exc.wait or 1))
    if isinstance(exc, drf.APIException):
        return ApiError(str(exc.detail), code=exc.default_code, status=exc.status_code)
    return None


def _validation_details(detail: Any, path: str = "") -> list[dict[str, Any]]:
    """Flattens DRF's nested error dict into [{"field": "a.b", "message": ...}]."""
    if isinstance(detail, dict):
        out: list[dict[str, Any]] = []
        for key, value in detail.items():
            field = key if not path else f"{path}.{key}"
            out.extend(_validation_details(value, path if key == "non_field_errors" else field))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [{"field": path or None, "message": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            out.extend(_validation_details(item, f"{path}[{index}]" if path else str(index)))
        return out
    return [{"field": path or None, "message": str(detail)}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    error = _from_drf(exc)
    if error is None:
        return None  # a bug: let Django's 500 handling log it
    headers = dict(error.headers)
    if isinstance(exc, drf.APIException) and getattr(exc, "auth_header", None):
        headers.setdefault("WWW-Authenticate", exc.auth_header)
    if error.status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="sightline"')
    return Response(error.body(), status=error.status, headers=headers)


def error_response(error: ApiError) -> JsonResponse:
    """For the few plain Django views (embed data) that answer JSON outside DRF."""
    response = JsonResponse(error.body(), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response
