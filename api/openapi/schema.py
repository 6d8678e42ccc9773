"""How the /v1 OpenAPI document is generated (drf-spectacular): the API-key security scheme,
the one error shape on every operation, and only /v1 routes in it.

The error responses each operation can give are derived from the view itself (its permission
classes, throttles, path parameters, request body), so a new route documents them without
anyone remembering to."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

ERROR_REF = {"$ref": "#/components/schemas/Error"}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "The one error shape of the API. `code` is stable and machine-readable "
        "(e.g. invalid_input, malformed_json, unauthenticated, forbidden, not_found, conflict, "
        "payload_too_large, unsupported_media_type, rate_limited, method_not_allowed, "
        "dashboard_unpublished); `message` is for people; `details` points at the fields "
        "that were refused."
    ),
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "examples": ["invalid_input"]},
                "message": {"type": "string", "examples": ["The request is invalid."]},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["message"],
                        "properties": {
                            "field": {
                                "type": ["string", "null"],
                                "description": "Dotted path of the refused field, e.g. "
                                "`permissions.hidden_widgets[0]`; null for the whole body.",
                            },
                            "message": {"type": "string"},
                        },
                        "additionalProperties": True,
                    },
                },
            },
        }
    },
}

ERROR_DESCRIPTIONS = {
    400: "Invalid input (`invalid_input`, `malformed_json`): nothing was changed.",
    401: "No API key, or an unknown or revoked one (`unauthenticated`).",
    403: "The API key's scope does not allow this call (`forbidden`).",
    404: "No such object in the key's organization (`not_found`).",
    409: "The object's state does not allow this (`conflict`, `dashboard_unpublished`, …).",
    413: "The body is too large (`payload_too_large`).",
    415: "Send `Content-Type: application/json` (`unsupported_media_type`).",
    429: "Too many requests (`rate_limited`); wait for `Retry-After` seconds.",
}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key of the organization (`sl_…`). Its scope (admin, read, "
            "ingest) decides which operations it may call.",
        }


class SightlineAutoSchema(AutoSchema):
    """Adds every error response the view can give, each with the Error schema."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for status in self._error_statuses(operation):
            operation["responses"].setdefault(
                str(status),
                {
                    "description": ERROR_DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": ERROR_REF}},
                },
            )
        return operation

    def _error_statuses(self, operation: dict[str, Any]) -> list[int]:
        statuses = [400]  # an unknown query parameter or a bad body is refused everywhere
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not public:
            statuses += [401, 403]
        if any(p.get("in") == "path" for p in operation.get("parameters", [])) or not public:
            statuses.append(404)
        if self.method in ("POST", "PATCH", "PUT", "DELETE"):
            statuses.append(409)
        if "requestBody" in operation:
            statuses += [413, 415]
        if self.view.get_throttles():
            statuses.append(429)
        return statuses


def only_v1(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """The document describes the /v1 API only (the console and embed pages are not API)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/v1/")]


def add_error_component(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    return result
