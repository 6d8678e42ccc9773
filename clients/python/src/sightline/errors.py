"""Errors the SDK raises. Every API refusal carries the API's ``code``, ``message``, ``status``
and ``details`` (``{"error": {"code", "message", "details"}}``); the class says which kind."""

from __future__ import annotations

from typing import Any


class SightlineError(Exception):
    def __init__(
        self,
        message: str,
        *,
        code: str = "sightline_error",
        status: int = 0,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.details = details or []


class SightlineArgumentError(SightlineError, ValueError):
    """A bad argument, refused before anything was sent; ``field`` names it
    (``events[3].tenant_id``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(
            f"{field}: {message}",
            code="invalid_argument",
            details=[{"field": field, "message": message}],
        )
        self.field = field


class SightlineConnectionError(SightlineError):
    """The server could not be reached, or the connection broke before an answer (after
    retries)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="connection_error")


class SightlineApiError(SightlineError):
    retry_after: float | None = None


class SightlineInvalidRequestError(SightlineApiError):  # 400, 413, 415
    pass


class SightlineAuthenticationError(SightlineApiError):  # 401
    pass


class SightlinePermissionError(SightlineApiError):  # 403
    pass


class SightlineNotFoundError(SightlineApiError):  # 404
    pass


class SightlineConflictError(SightlineApiError):  # 409
    pass


class SightlineRateLimitError(SightlineApiError):  # 429; retry_after in seconds
    pass


class SightlineServerError(SightlineApiError):  # 5xx
    pass


_BY_STATUS: dict[int, type[SightlineApiError]] = {
    400: SightlineInvalidRequestError,
    401: SightlineAuthenticationError,
    403: SightlinePermissionError,
    404: SightlineNotFoundError,
    409: SightlineConflictError,
    413: SightlineInvalidRequestError,
    415: SightlineInvalidRequestError,
    429: SightlineRateLimitError,
}


def api_error_from(status: int, body: Any, retry_after: float | None) -> SightlineApiError:
    """The typed error for an API answer: its JSON error body, or a plain one otherwise."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    kind = _BY_STATUS.get(status) or (SightlineServerError if status >= 500 else SightlineApiError)
    message = error.get("message")
    code = error.get("code")
    details = error.get("details")
    result = kind(
        message if isinstance(message, str) else f"HTTP {status}",
        code=code if isinstance(code, str) else f"http_{status}",
        status=status,
        details=details if isinstance(details, list) else [],
    )
    result.retry_after = retry_after
    return result
