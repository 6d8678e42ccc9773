// Calls to the embed endpoints of one dashboard with the bearer token: the configuration
// (GET /embed/{id}/config) once, the data (GET /embed/{id}/data) per period and filters, one
// request for every component that asks for the same thing at the same time.
import { sessionError } from "./tokens.js";

const RENEWABLE = new Set(["token_expired", "token_invalid", "unauthenticated"]);

export function createClient({ host, dashboardId, tokens }) {
  let base;
  try {
    base = new URL(host).origin;
  } catch (e) {
    base = null;
  }
  const inFlight = new Map();

  async function get(path, params, retried = false) {
    if (!base) throw sessionError("invalid_host", `SightlineProvider: host must be an absolute URL such as https://analytics.example.com, not ${JSON.stringify(host)}.`, 0);
    if (!dashboardId) throw sessionError("invalid_dashboard", "SightlineProvider: dashboardId is required.", 0);
    const token = await tokens.get();
    const query = params ? "?" + new URLSearchParams(params).toString() : "";
    let response;
    try {
      response = await fetch(`${base}/embed/${encodeURIComponent(dashboardId)}/${path}${query}`, {
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
        credentials: "omit",
        cache: "no-store",
      });
    } catch (error) {
      throw sessionError("network_error", `Sightline at ${base} could not be reached (is this page's origin in the organization's allowed embed origins?).`, 0);
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok) return body;
    const error = (body && body.error) || { code: `http_${response.status}`, message: "Something went wrong." };
    if (response.status === 401 && !retried && tokens.fetchToken && RENEWABLE.has(error.code)) {
      await tokens.renew();
      return get(path, params, true);
    }
    throw Object.assign(new Error(error.message), { code: error.code, status: response.status, details: error.details || [] });
  }

  function once(key, run) {
    if (!inFlight.has(key)) inFlight.set(key, run().finally(() => inFlight.delete(key)));
    return inFlight.get(key);
  }

  return {
    dashboardId,
    config: () => once("config", () => get("config")),
    /** {period, widgets: [{id, kind, data, error?}]} for {period, from, to, tz, filters}. */
    data(query) {
      const params = { period: query.period, tz: query.tz };
      if (query.period === "custom") Object.assign(params, { from: query.from, to: query.to });
      if (query.filters && Object.keys(query.filters).length) params.filters = JSON.stringify(query.filters);
      Object.keys(params).forEach((key) => params[key] === undefined && delete params[key]);
      return once("data:" + JSON.stringify(params), () => get("data", params));
    },
  };
}
