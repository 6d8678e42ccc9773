// The embed token the components send: a fixed `token`, or `fetchToken()` called before the
// token expires (and again when the server says it expired), so a page open for hours keeps
// working with no reload.

const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const RENEW_BEFORE_SECONDS = 60;

/** The `exp` claim of a session token (unverified: only to schedule renewal), or null. */
export function expiryOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const exp = JSON.parse(atob(part)).exp;
    return typeof exp === "number" ? exp : null;
  } catch (e) {
    return null;
  }
}

export class TokenSource {
  constructor({ token, fetchToken }) {
    this.value = token || null;
    this.fetchToken = fetchToken || null;
    this.pending = null;
    this.timer = null;
    this.disposed = false;
  }

  /** Start renewing (again: React's StrictMode runs an effect, its cleanup, then the effect). */
  start() {
    this.disposed = false;
    if (this.value) this.schedule();
  }

  /** The token to send now. */
  get() {
    if (this.value) return Promise.resolve(this.value);
    return this.renew();
  }

  /** A fresh token from fetchToken (one call at a time). */
  renew() {
    if (!this.fetchToken) return Promise.reject(sessionError("token_expired", "The embed token expired; pass fetchToken to SightlineProvider to renew it."));
    if (!this.pending) {
      this.pending = Promise.resolve()
        .then(() => this.fetchToken())
        .then((next) => {
          if (typeof next !== "string" || !TOKEN_SHAPE.test(next)) throw sessionError("token_invalid", "fetchToken must resolve an embed session token (the token field of createEmbedSession).");
          this.value = next;
          this.schedule();
          return next;
        })
        .finally(() => { this.pending = null; });
    }
    return this.pending;
  }

  schedule() {
    clearTimeout(this.timer);
    const exp = expiryOf(this.value);
    if (!this.fetchToken || exp === null || this.disposed) return;
    const left = exp * 1000 - Date.now();
    const lead = Math.min(RENEW_BEFORE_SECONDS * 1000, left / 2);
    this.timer = setTimeout(() => this.renew().catch(() => {}), Math.max(0, left - lead));
  }

  dispose() {
    this.disposed = true;
    clearTimeout(this.timer);
  }
}

export function sessionError(code, message, status = 401) {
  return Object.assign(new Error(message), { code, status });
}
