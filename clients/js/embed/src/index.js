/*! Sightline embed helper. <script src="https://sightline.example.com/sdk/embed.js"></script>
 * or: import { create } from "@sightline/embed";
 *
 *   const embed = Sightline.create({
 *     container: "#analytics",
 *     embedUrl: session.embed_url,                 // and/or:
 *     fetchEmbedUrl: async () => (await fetch("/api/sightline-session")).json().then((s) => s.embedUrl),
 *   });
 *   embed.on("ready", () => {}).on("drill", ({ widget, dimension, value }) => {});
 *   embed.setFilters({ model: "gpt-4" }); embed.setTheme({ mode: "dark" }); embed.reload(); embed.destroy();
 *   embed.setLocale("de-DE"); embed.setTimezone("Europe/Berlin"); embed.setDashboard("dash_…");
 *
 * Events: ready, resize {height}, drill {widget, dimension, value}, filter {filters},
 * session {expires_at} (a fresh session was swapped in), error {code, message}, inactive
 * {code, message} (the session's inactivity_timeout passed: call refreshSession() when the
 * viewer is back, e.g. on a click; the helper never does it by itself, or an abandoned page
 * would live on).
 * With fetchEmbedUrl the helper asks for a fresh session before the token expires and hands
 * its token to the frame: no reload, the viewer's filters and period stay. Messages are only
 * accepted from the embed URL's origin and from this iframe; the page checks ours the same
 * way. Locked filters and allowed periods are enforced by the server, whatever the page is
 * asked to do.
 */

const EVENTS = ["ready", "resize", "drill", "filter", "session", "error", "inactive"];
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const CODE_SHAPE = /^[A-Za-z0-9_-]{8,200}$/;

export const version = "2";

/**
 * @param {{container: string|Element, embedUrl?: string, fetchEmbedUrl?: () => Promise<string>,
 *   title?: string, minHeight?: number, handshakeTimeout?: number, refreshBefore?: number,
 *   filters?: object, theme?: object}} options
 *   handshakeTimeout: ms the frame has to answer (default 10000); refreshBefore: seconds before
 *   the session's end to fetch a fresh one (default 60, at most half the time left).
 */
export function create(options) {
  if (!options || typeof options !== "object") throw new Error("Sightline.create: pass {container, embedUrl}");
  const container = typeof options.container === "string" ? document.querySelector(options.container) : options.container;
  if (!container) throw new Error("Sightline.create: container not found");
  const fetchEmbedUrl = options.fetchEmbedUrl;
  if (fetchEmbedUrl !== undefined && typeof fetchEmbedUrl !== "function") throw new Error("Sightline.create: fetchEmbedUrl must be an async function returning an embed URL");
  if (!options.embedUrl && !fetchEmbedUrl) throw new Error("Sightline.create: embedUrl (or fetchEmbedUrl) is required");
  const handshakeTimeout = options.handshakeTimeout === undefined ? 10000 : options.handshakeTimeout;
  const refreshBefore = options.refreshBefore === undefined ? 60 : options.refreshBefore;

  const handlers = {};
  EVENTS.forEach((name) => { handlers[name] = []; });
  let iframe = null;
  let embedOrigin = null;
  let embedPath = null;
  let connected = false;
  let destroyed = false;
  let pending = [];
  let handshakeTimer = null;
  let refreshTimer = null;
  let expiresAt = null;

  function emit(name, payload) {
    handlers[name].slice().forEach((fn) => {
      try { fn(payload || {}); } catch (error) { setTimeout(() => { throw error; }); }
    });
  }

  function fail(code, message) {
    emit("error", { code, message, status: 0 });
  }

  function mount(embedUrl) {
    const url = new URL(embedUrl, window.location.href);
    embedOrigin = url.origin;
    embedPath = url.pathname;
    url.hash = "sl_origin=" + encodeURIComponent(window.location.origin);
    iframe = document.createElement("iframe");
    iframe.src = url.toString();
    iframe.title = options.title || "Analytics dashboard";
    iframe.style.cssText = "width:100%;border:0;display:block;height:" + (options.minHeight || 320) + "px";
    iframe.setAttribute("referrerpolicy", "origin");
    iframe.setAttribute("allow", "clipboard-write");
    container.appendChild(iframe);
    api.iframe = iframe;
    handshakeTimer = setTimeout(() => {
      if (connected || destroyed) return;
      fail("handshake_timeout",
        `The Sightline dashboard at ${embedOrigin} did not answer within ${Math.round(handshakeTimeout / 1000)} s. ` +
        `Check that this page's origin (${window.location.origin}) is in the organization's allowed embed origins ` +
        "(the frame-ancestors policy refuses the frame otherwise), that the embed URL is right, and that the Sightline server is reachable.");
    }, handshakeTimeout);
  }

  function onMessage(event) {
    if (!iframe || event.origin !== embedOrigin || event.source !== iframe.contentWindow) return;
    const message = event.data || {};
    if (message.source !== "sightline") return;
    const payload = message.payload || {};
    if (message.type === "hello") {
      connected = true;
      clearTimeout(handshakeTimer);
      const queued = pending;
      pending = [];
      queued.forEach((m) => send(m.type, m.payload));
      schedule(payload.expires_at);
      sendViewport();
      return;
    }
    if (message.type === "session") schedule(payload.expires_at);
    // The session ran out before a refresh (a sleeping laptop, a failed fetchEmbedUrl): ask now;
    // the frame restores the dashboard when the fresh token arrives.
    if (message.type === "error" && payload.code === "token_expired" && fetchEmbedUrl && !destroyed) refresh();
    if (message.type === "error" && payload.code === "session_inactive") emit("inactive", payload);
    if (message.type === "resize" && payload.height > 0) {
      iframe.style.height = Math.ceil(payload.height) + "px";
      sendViewport();
    }
    if (handlers[message.type]) emit(message.type, payload);
  }
  window.addEventListener("message", onMessage);

  // The part of the (grown) iframe the viewer can see, in the frame's own pixels: the frame
  // opens its drill-down panel there, not in the middle of a frame taller than the screen.
  let viewportQueued = false;
  function sendViewport() {
    if (viewportQueued || !connected || !iframe) return;
    viewportQueued = true;
    requestAnimationFrame(() => {
      viewportQueued = false;
      if (!iframe || destroyed) return;
      const box = iframe.getBoundingClientRect();
      const top = Math.max(0, -box.top);
      const height = Math.max(0, Math.min(box.bottom, window.innerHeight) - Math.max(box.top, 0));
      send("viewport", { top: Math.round(top), height: Math.round(height) });
    });
  }
  window.addEventListener("scroll", sendViewport, { passive: true });
  window.addEventListener("resize", sendViewport);

  function send(type, payload) {
    if (!connected) {
      pending.push({ type, payload });
      return;
    }
    if (iframe && iframe.contentWindow) iframe.contentWindow.postMessage({ source: "sightline-host", type, payload: payload || {} }, embedOrigin);
  }

  // --- Session refresh ------------------------------------------------------------------------

  function schedule(expires) {
    clearTimeout(refreshTimer);
    expiresAt = typeof expires === "number" ? expires : null;
    if (!fetchEmbedUrl || expiresAt === null || destroyed) return;
    const left = expiresAt * 1000 - Date.now();
    const lead = Math.min(refreshBefore * 1000, left / 2);
    refreshTimer = setTimeout(refresh, Math.max(0, left - lead));
  }

  function retryLater() {
    const left = expiresAt * 1000 - Date.now();
    if (left > 2000) refreshTimer = setTimeout(refresh, Math.min(30000, left / 2));
  }

  /** What a fresh embed URL for the same dashboard carries: {token} or, for a single-use URL,
   * {code} (the frame exchanges it); null for anything else. */
  function credentialOf(candidate) {
    if (typeof candidate !== "string") return null;
    let url;
    try { url = new URL(candidate, window.location.href); } catch (e) { return null; }
    if (url.origin !== embedOrigin || url.pathname !== embedPath) return null;
    const token = url.searchParams.get("token");
    const code = url.searchParams.get("code");
    if (token && TOKEN_SHAPE.test(token)) return { token };
    if (!token && code && CODE_SHAPE.test(code)) return { code };
    return null;
  }

  async function refresh() {
    if (destroyed) return;
    let next;
    try {
      next = await fetchEmbedUrl();
    } catch (error) {
      fail("session_refresh_failed", "fetchEmbedUrl failed (" + ((error && error.message) || error) + "); the current session stays until it expires.");
      return retryLater();
    }
    if (destroyed) return;
    const credential = credentialOf(next);
    if (!credential) {
      fail("session_refresh_failed", `fetchEmbedUrl must return an embed URL of this dashboard (${embedOrigin}${embedPath}?token=…); the current session stays until it expires.`);
      return retryLater();
    }
    send("setToken", credential); // the frame answers "session" with the new expiry
  }

  // --- Public API -----------------------------------------------------------------------------

  const api = {
    iframe: null,
    on(name, fn) {
      if (!handlers[name]) throw new Error("Sightline: unknown event " + name);
      handlers[name].push(fn);
      return api;
    },
    off(name, fn) {
      if (handlers[name]) handlers[name] = handlers[name].filter((h) => h !== fn);
      return api;
    },
    setFilters(filters) { send("setFilters", Object.assign({}, filters)); return api; },
    setTheme(theme) { send("setTheme", Object.assign({}, theme)); return api; },
    /** A BCP 47 tag ("de-DE"): number and date separators; the session's `locale` at first. */
    setLocale(locale) { send("setLocale", { locale: String(locale) }); return api; },
    /** An IANA zone ("Europe/Berlin"): buckets and times; the session's `timezone` at first. */
    setTimezone(timezone) { send("setTimezone", { timezone: String(timezone) }); return api; },
    reload() { send("reload"); return api; },
    /** Open another of the session's dashboards (`dashboard_ids`) in the frame; "ready" follows. */
    setDashboard(dashboardId) { send("setDashboard", { dashboard: String(dashboardId) }); return api; },
    /** Fetch a fresh session now (fetchEmbedUrl), e.g. after the viewer came back to the tab. */
    refreshSession() { if (fetchEmbedUrl) refresh(); return api; },
    destroy() {
      destroyed = true;
      clearTimeout(handshakeTimer);
      clearTimeout(refreshTimer);
      window.removeEventListener("message", onMessage);
      window.removeEventListener("scroll", sendViewport);
      window.removeEventListener("resize", sendViewport);
      if (iframe) iframe.remove();
      EVENTS.forEach((name) => { handlers[name] = []; });
    },
  };
  if (options.filters) api.setFilters(options.filters);
  if (options.theme) api.setTheme(options.theme);

  if (options.embedUrl) mount(options.embedUrl);
  else {
    Promise.resolve()
      .then(fetchEmbedUrl)
      .then((first) => {
        if (destroyed) return;
        if (typeof first !== "string" || !/^(https?:)?\/\//.test(first) && !first.startsWith("/")) throw new Error("it did not return an embed URL");
        mount(first);
      })
      .catch((error) => fail("session_refresh_failed", "fetchEmbedUrl failed (" + ((error && error.message) || error) + "): no dashboard to show."));
  }
  return api;
}

export default { create, version };
