// One HTTP call to the Sightline API with retries: 429 (honouring Retry-After), 5xx and broken
// connections are retried with exponential backoff and jitter when the call is safe to repeat.
import { gzipSync } from "node:zlib";
import { SightlineConnectionError, apiErrorFrom } from "./errors.js";

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

export class Transport {
  constructor({ host, apiKey, timeoutMs, maxRetries, retryBaseMs, maxRetryDelayMs, fetchImpl, userAgent }) {
    this.host = host.replace(/\/+$/, "");
    this.apiKey = apiKey;
    this.timeoutMs = timeoutMs;
    this.maxRetries = maxRetries;
    this.retryBaseMs = retryBaseMs;
    this.maxRetryDelayMs = maxRetryDelayMs;
    this.fetch = fetchImpl;
    this.userAgent = userAgent;
  }

  /**
   * @param {string} method
   * @param {string} path  below the host, e.g. "/v1/events"
   * @param {{query?: object, body?: unknown, gzip?: boolean, idempotent?: boolean}} options
   *   idempotent: may a 5xx or a broken connection be retried (a 429 always is: nothing ran)?
   */
  async request(method, path, { query, body, gzip = false, idempotent = method === "GET" || method === "DELETE" } = {}) {
    const url = new URL(this.host + path);
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, typeof value === "object" ? JSON.stringify(value) : String(value));
    }
    const headers = { Authorization: `Bearer ${this.apiKey}`, Accept: "application/json", "User-Agent": this.userAgent };
    let payload;
    if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body));
      headers["Content-Type"] = "application/json";
      if (gzip) {
        payload = gzipSync(payload);
        headers["Content-Encoding"] = "gzip";
      }
    }
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        response = await this.fetch(url, { method, headers, body: payload, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (cause) {
        if (idempotent && attempt < this.maxRetries) {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw new SightlineConnectionError(`${method} ${url.pathname}: ${describe(cause)}`, cause);
      }
      if (response.ok) {
        if (response.status === 204) return null;
        const text = await response.text();
        return text ? JSON.parse(text) : null;
      }
      const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
      const answer = await response.text().then(parseJson, () => null);
      const retryable = response.status === 429 || (idempotent && RETRY_STATUSES.has(response.status));
      if (retryable && attempt < this.maxRetries) {
        await sleep(retryAfter !== undefined ? Math.min(retryAfter * 1000, this.maxRetryDelayMs) : this.backoff(attempt));
        continue;
      }
      throw apiErrorFrom(response.status, answer, retryAfter);
    }
  }

  backoff(attempt) {
    const ceiling = Math.min(this.maxRetryDelayMs, this.retryBaseMs * 2 ** attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Retry-After as seconds: a number of seconds or an HTTP date; undefined when absent or odd. */
export function parseRetryAfter(value) {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

function describe(error) {
  const cause = error && error.cause;
  if (error && error.name === "TimeoutError") return "no answer in time";
  return (cause && (cause.code || cause.message)) || (error && error.message) || String(error);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
