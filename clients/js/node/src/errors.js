// Errors the SDK throws. Every API refusal carries the API's `code`, `message`, `status` and
// `details` ({"error": {"code", "message", "details"}}); the class says which kind it is.

export class SightlineError extends Error {
  constructor(message, { code = "sightline_error", status = 0, details = [], cause } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/** A bad argument, refused before anything was sent. `field` names it ("events[3].tenantId"). */
export class SightlineArgumentError extends SightlineError {
  constructor(field, message) {
    super(`${field}: ${message}`, { code: "invalid_argument", details: [{ field, message }] });
    this.field = field;
  }
}

/** The server could not be reached, or the connection broke before an answer (after retries). */
export class SightlineConnectionError extends SightlineError {
  constructor(message, cause) {
    super(message, { code: "connection_error", cause });
  }
}

export class SightlineApiError extends SightlineError {}
export class SightlineInvalidRequestError extends SightlineApiError {} // 400, 413
export class SightlineAuthenticationError extends SightlineApiError {} // 401
export class SightlinePermissionError extends SightlineApiError {} // 403
export class SightlineNotFoundError extends SightlineApiError {} // 404
export class SightlineConflictError extends SightlineApiError {} // 409
export class SightlineRateLimitError extends SightlineApiError {} // 429 (retryAfter, seconds)
export class SightlineServerError extends SightlineApiError {} // 5xx

const BY_STATUS = {
  400: SightlineInvalidRequestError,
  401: SightlineAuthenticationError,
  403: SightlinePermissionError,
  404: SightlineNotFoundError,
  409: SightlineConflictError,
  413: SightlineInvalidRequestError,
  429: SightlineRateLimitError,
};

/** The typed error for an API answer: its JSON error body, or a plain one for a non-JSON body. */
export function apiErrorFrom(status, body, retryAfter) {
  const error = body && typeof body === "object" && body.error && typeof body.error === "object" ? body.error : {};
  const Kind = BY_STATUS[status] || (status >= 500 ? SightlineServerError : SightlineApiError);
  const result = new Kind(typeof error.message === "string" ? error.message : `HTTP ${status}`, {
    code: typeof error.code === "string" ? error.code : `http_${status}`,
    status,
    details: Array.isArray(error.details) ? error.details : [],
  });
  if (retryAfter !== undefined) result.retryAfter = retryAfter;
  return result;
}
