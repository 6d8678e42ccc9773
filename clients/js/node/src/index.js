// The Sightline backend SDK: `new Sightline({host, apiKey})`. Node 20+, no dependencies.
import { randomUUID } from "node:crypto";
import { Transport } from "./http.js";
import { MAX_BATCH, eventToWire, fail, requireBoolean, requireId, requireObject, requireString, sessionToWire, isTimeZone } from "./validate.js";

import { SightlineInvalidRequestError } from "./errors.js";

export * from "./errors.js";

export const VERSION = "0.1.0";

export class Sightline {
  /**
   * @param {{host: string, apiKey: string, timeoutMs?: number, maxRetries?: number,
   *   retryBaseMs?: number, maxRetryDelayMs?: number, fetch?: typeof fetch}} options
   */
  constructor(options) {
    requireObject(options, "options", { optional: false });
    const host = requireString(options.host, "host", { max: 2000 });
    let parsed;
    try {
      parsed = new URL(host);
    } catch {
      fail("host", "must be an absolute URL such as https://analytics.example.com");
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") fail("host", "must be an http(s) URL");
    requireString(options.apiKey, "apiKey", { max: 500 });
    const number = (name, fallback, min) => {
      const value = options[name] === undefined ? fallback : options[name];
      if (!Number.isFinite(value) || value < min) fail(name, `must be a number, at least ${min}`);
      return value;
    };
    this.transport = new Transport({
      host: parsed.origin + parsed.pathname.replace(/\/+$/, ""),
      apiKey: options.apiKey,
      timeoutMs: number("timeoutMs", 30_000, 1),
      maxRetries: number("maxRetries", 5, 0),
      retryBaseMs: number("retryBaseMs", 500, 0),
      maxRetryDelayMs: number("maxRetryDelayMs", 60_000, 0),
      fetchImpl: options.fetch || globalThis.fetch,
      userAgent: `sightline-node/${VERSION}`,
    });
    const call = (method, path, extra) => this.transport.request(method, path, extra);
    this.dashboards = dashboardsApi(call);
    this.discovery = discoveryApi(call);
    this.usage = usageApi(call);
    this.alerts = alertsApi(call);
    this.subscriptions = subscriptionsApi(call);
    this.organization = organizationApi(call);
  }

  // --- Embed sessions ---------------------------------------------------------------------

  /** A signed embed session for one tenant: {token, embedUrl, expiresAt, sessionId}. */
  async createEmbedSession(options) {
    const answer = await this.transport.request("POST", "/v1/embed-sessions", { body: sessionToWire(options), idempotent: false });
    return { token: answer.token, embedUrl: answer.embed_url, expiresAt: answer.expires_at, sessionId: answer.session_id, dashboardIds: answer.dashboard_ids };
  }

  /** Revoke one session by its id (createEmbedSession's sessionId). */
  async revokeEmbedSession(sessionId) {
    const id = requireId(sessionId, "sessionId");
    return this.transport.request("POST", `/v1/embed-sessions/${id}/revoke`, { idempotent: true });
  }

  /** Sessions as REST resources: {count, next, previous, results: [{id, tenantId, dashboardId,
   * user, widgetId, issuedAt, expiresAt, status}]}; active ones only unless `active: false`. */
  async listEmbedSessions({ tenantId, active, limit, offset } = {}) {
    const query = { tenant_id: requireString(tenantId, "tenantId", { optional: true, max: 128 }) };
    if (active !== undefined) query.active = String(requireBoolean(active, "active"));
    if (limit !== undefined) query.limit = requireCount(limit, "limit", 1);
    if (offset !== undefined) query.offset = requireCount(offset, "offset", 0);
    const page = await this.transport.request("GET", "/v1/embed-sessions", { query });
    return { ...page, results: page.results.map(sessionOut) };
  }

  /** DELETE /v1/embed-sessions/{id}: the same as revokeEmbedSession, as a REST delete. */
  async deleteEmbedSession(sessionId) {
    return this.transport.request("DELETE", `/v1/embed-sessions/${requireId(sessionId, "sessionId")}`);
  }

  /** Revoke every session of one tenant. */
  async revokeTenantSessions(tenantId) {
    const tenant = requireString(tenantId, "tenantId");
    return this.transport.request("POST", "/v1/embed-sessions/revoke", { body: { tenant_id: tenant }, idempotent: true });
  }

  /** Revoke every session of the organization. */
  async revokeAllSessions() {
    return this.transport.request("POST", "/v1/embed-sessions/revoke", { body: { all: true }, idempotent: true });
  }

  // --- Variants (customers' own views, saved by designer sessions) ------------------------

  /** {count, next, previous, results: [{id, dashboardId, dashboardName, tenantId, scope, user,
   * widgets, layout, hidden, baseVersion, revision, createdAt, updatedAt}]}, newest change first. */
  async listVariants({ dashboardId, tenantId, user, limit, offset } = {}) {
    const query = {
      dashboard_id: dashboardId === undefined ? undefined : requireId(dashboardId, "dashboardId"),
      tenant_id: requireString(tenantId, "tenantId", { optional: true, max: 128 }),
    };
    if (user !== undefined) {
      if (typeof user !== "string" || user.length > 200) fail("user", "must be a string of at most 200 characters");
      query.user = user;
    }
    if (limit !== undefined) query.limit = requireCount(limit, "limit", 1);
    if (offset !== undefined) query.offset = requireCount(offset, "offset", 0);
    const page = await this.transport.request("GET", "/v1/variants", { query });
    return { ...page, results: page.results.map(variantOut) };
  }

  /** DELETE /v1/variants/{id}: its owner sees the published dashboard again. */
  async deleteVariant(variantId) {
    return this.transport.request("DELETE", `/v1/variants/${requireId(variantId, "variantId")}`);
  }

  // --- Events -----------------------------------------------------------------------------

  /**
   * Send events in gzip batches of at most 1,000. Every event gets its insertId and timestamp
   * once, before the first try, so a batch retried after a 429, a 5xx or a broken connection is
   * counted once. Any iterable (or async iterable) of events. Resolves {accepted, batches}.
   */
  async sendEvents(events, { batchSize = MAX_BATCH } = {}) {
    if (events === null || events === undefined || (typeof events[Symbol.iterator] !== "function" && typeof events[Symbol.asyncIterator] !== "function") || typeof events === "string") {
      fail("events", "must be an array or another iterable of events");
    }
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) fail("batchSize", `must be a whole number from 1 to ${MAX_BATCH}`);
    // Every event is checked (and its ids fixed) before the first batch leaves.
    const wire = [];
    let index = 0;
    const now = new Date().toISOString();
    for await (const event of events) wire.push(eventToWire(event, index++, randomUUID, now));
    const totals = { accepted: 0, batches: 0 };
    for (let start = 0; start < wire.length; start += batchSize) {
      await this.sendBatch(wire.slice(start, start + batchSize), totals);
    }
    return totals;
  }

  /** One batch; a body over the server's size limit (413) is sent again as two halves (the
   * events keep their insert ids, so nothing counts twice). */
  async sendBatch(events, totals) {
    try {
      const answer = await this.transport.request("POST", "/v1/events", { body: { events }, gzip: true, idempotent: true });
      totals.accepted += answer.accepted;
      totals.batches += 1;
    } catch (error) {
      if (!(error instanceof SightlineInvalidRequestError && error.status === 413 && events.length > 1)) throw error;
      const half = Math.ceil(events.length / 2);
      await this.sendBatch(events.slice(0, half), totals);
      await this.sendBatch(events.slice(half), totals);
    }
  }
}

function sessionOut(row) {
  return { id: row.id, tenantId: row.tenant_id, dashboardId: row.dashboard_id, user: row.user, widgetId: row.widget_id, dashboardIds: row.dashboard_ids, role: row.role, inactivityTimeout: row.inactivity_timeout, issuedAt: row.issued_at, expiresAt: row.expires_at, status: row.status };
}

function variantOut(row) {
  return {
    id: row.id, dashboardId: row.dashboard_id, dashboardName: row.dashboard_name, tenantId: row.tenant_id,
    scope: row.scope, user: row.user, widgets: row.widgets, layout: row.layout, hidden: row.hidden,
    baseVersion: row.base_version, revision: row.revision, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

function requireCount(value, field, min) {
  if (!Number.isInteger(value) || value < min) fail(field, `must be a whole number, at least ${min}`);
  return value;
}

function dashboardsApi(call) {
  return {
    list: async ({ page } = {}) => call("GET", "/v1/dashboards", { query: { page } }),
    get: async (id) => call("GET", `/v1/dashboards/${requireId(id, "dashboardId")}`),
    create: async (spec) => call("POST", "/v1/dashboards", { body: requireObject(spec, "spec", { optional: false }), idempotent: false }),
    update: async (id, changes) => call("PATCH", `/v1/dashboards/${requireId(id, "dashboardId")}`, { body: requireObject(changes, "changes", { optional: false }), idempotent: true }),
    delete: async (id) => call("DELETE", `/v1/dashboards/${requireId(id, "dashboardId")}`),
    publish: async (id) => call("POST", `/v1/dashboards/${requireId(id, "dashboardId")}/publish`, { idempotent: true }),
    unpublish: async (id) => call("POST", `/v1/dashboards/${requireId(id, "dashboardId")}/unpublish`, { idempotent: true }),
    versions: async (id) => call("GET", `/v1/dashboards/${requireId(id, "dashboardId")}/versions`),
    /** Widget data for one tenant: {period, widgets: [{id, kind, data}]}. */
    data: async (id, { tenantId, period, from, to, tz, filters, version } = {}) => {
      requireString(tenantId, "tenantId");
      if (tz !== undefined && !isTimeZone(tz)) fail("tz", "must be an IANA time zone name");
      if (filters !== undefined) requireObject(filters, "filters");
      return call("GET", `/v1/dashboards/${requireId(id, "dashboardId")}/data`, {
        query: { tenant_id: tenantId, period, from: instant(from, "from"), to: instant(to, "to"), tz, filters, version },
      });
    },
  };
}

function discoveryApi(call) {
  return {
    /** The event schema seen in the warehouse (optionally of one tenant). */
    discover: async ({ tenantId } = {}) => call("GET", "/v1/discover", { query: { tenant_id: requireString(tenantId, "tenantId", { optional: true }) } }),
    /** A draft dashboard built from what was discovered. */
    autoCreate: async (options = {}) => call("POST", "/v1/discover/auto-create", { body: requireObject(options, "options"), idempotent: false }),
  };
}

const USAGE_PERIODS = ["24h", "7d", "30d", "90d"];

function usageApi(call) {
  return {
    /** The embed usage of the organization (GET /v1/usage, a read or admin key): views, viewers, load times, requests, errors, exports. */
    get: async ({ period, tenantId, dashboardId } = {}) => {
      if (period !== undefined && !USAGE_PERIODS.includes(period)) fail("period", `must be one of ${USAGE_PERIODS.join(", ")}`);
      return call("GET", "/v1/usage", {
        query: {
          period,
          tenant_id: requireString(tenantId, "tenantId", { max: 128, optional: true }),
          dashboard_id: requireString(dashboardId, "dashboardId", { optional: true }),
        },
      });
    },
  };
}

function alertsApi(call) {
  const path = (id) => `/v1/alerts/${requireId(id, "alertId")}`;
  return {
    list: async ({ page } = {}) => call("GET", "/v1/alerts", { query: { page } }),
    create: async (rule) => call("POST", "/v1/alerts", { body: requireObject(rule, "rule", { optional: false }), idempotent: false }),
    get: async (id) => call("GET", path(id)),
    update: async (id, changes) => call("PATCH", path(id), { body: requireObject(changes, "changes", { optional: false }), idempotent: true }),
    delete: async (id) => call("DELETE", path(id)),
    test: async (id) => call("POST", `${path(id)}/test`, { idempotent: false }),
    history: async (id) => call("GET", `${path(id)}/history`),
    deliveries: async (id) => call("GET", `${path(id)}/deliveries`),
  };
}

// Viewers' digests and alerts (created from the embed): the operator lists, pauses, deletes.
const SUBSCRIPTION_FILTERS = { kind: "kind", status: "status", tenantId: "tenant_id", dashboardId: "dashboard_id", email: "email" };

function subscriptionsApi(call) {
  const path = (id) => `/v1/subscriptions/${requireId(id, "subscriptionId")}`;
  const pause = async (id, paused) => {
    if (typeof paused !== "boolean") fail("paused", "must be true or false");
    return call("PATCH", path(id), { body: { paused }, idempotent: true });
  };
  return {
    list: async ({ page, ...filters } = {}) => {
      const query = { page };
      for (const [key, value] of Object.entries(filters)) {
        if (!(key in SUBSCRIPTION_FILTERS)) fail(key, `is not a subscription filter (${Object.keys(SUBSCRIPTION_FILTERS).join(", ")})`);
        query[SUBSCRIPTION_FILTERS[key]] = requireString(value, key, { optional: true });
      }
      return call("GET", "/v1/subscriptions", { query });
    },
    get: async (id) => call("GET", path(id)),
    pause: async (id) => pause(id, true),
    resume: async (id) => pause(id, false),
    delete: async (id) => call("DELETE", path(id)),
  };
}

// GET/PATCH /v1/organization: {name, allowed_embed_origins, default_timezone, retention_days}.
const ORG_FIELDS = { id: "id", name: "name", allowedEmbedOrigins: "allowed_embed_origins", defaultTimezone: "default_timezone", retentionDays: "retention_days" };

function organizationApi(call) {
  const out = (answer) => Object.fromEntries(Object.entries(ORG_FIELDS).map(([camel, snake]) => [camel, answer[snake]]));
  return {
    get: async () => out(await call("GET", "/v1/organization")),
    update: async (changes) => {
      requireObject(changes, "changes", { optional: false });
      const body = {};
      for (const [key, value] of Object.entries(changes)) {
        if (!(key in ORG_FIELDS) || key === "id") fail(key, `is not an organization setting (${Object.keys(ORG_FIELDS).slice(1).join(", ")})`);
        body[ORG_FIELDS[key]] = value;
      }
      if (body.name !== undefined) requireString(body.name, "name");
      if (body.allowed_embed_origins !== undefined) {
        if (!Array.isArray(body.allowed_embed_origins)) fail("allowedEmbedOrigins", "must be an array of origins");
        body.allowed_embed_origins.forEach((origin, i) => {
          if (typeof origin !== "string" || !/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(origin)) fail(`allowedEmbedOrigins[${i}]`, "must be an origin such as https://app.example.com");
        });
      }
      if (body.default_timezone !== undefined && (typeof body.default_timezone !== "string" || !isTimeZone(body.default_timezone))) fail("defaultTimezone", "must be an IANA time zone name");
      if (body.retention_days !== undefined && (!Number.isInteger(body.retention_days) || body.retention_days < 1)) fail("retentionDays", "must be a whole number of days, at least 1");
      return out(await call("PATCH", "/v1/organization", { body, idempotent: true }));
    },
  };
}

function instant(value, field) {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) fail(field, "must be a Date or an ISO 8601 string");
  return date.toISOString();
}

export default Sightline;
