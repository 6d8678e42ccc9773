"""The one application error type: services raise these; `interface.errors` turns them into
the JSON shape `{"error": {"code", "message", "details"}}` of both front doors."""

from typing import Any


class ApiError(Exception):
    status = 400
    code = "invalid_input"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.code = code or self.code
        self.status = status or self.status
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class InvalidInput(ApiError):
    status, code = 400, "invalid_input"


class Unauthenticated(ApiError):
    status, code = 401, "unauthenticated"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"

    def __init__(self, retry_after: int, message: str = "Too many requests; slow down.") -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})
