// Bad arguments are refused before anything is sent, with an error naming the field; API
// refusals become typed errors with the API's code. Against a real local HTTP server that
// counts what reaches it.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { gunzipSync } from "node:zlib";
import { after, before, test } from "node:test";
import { Sightline, SightlineArgumentError, SightlineConflictError, SightlineRateLimitError } from "../src/index.js";

let server;
let host;
const seen = [];
let answer = { status: 200, headers: {}, body: "{}" };

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, body });
      res.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

function refused(promiseOrFn, field) {
  return assert.rejects(
    async () => (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn),
    (error) => error instanceof SightlineArgumentError && error.field === field && error.message.startsWith(field),
  );
}

test("the constructor names a missing host or key", () => {
  assert.throws(() => new Sightline({ apiKey: "k" }), (e) => e.field === "host");
  assert.throws(() => new Sightline({ host: "not a url", apiKey: "k" }), (e) => e.field === "host");
  assert.throws(() => new Sightline({ host: "ftp://x.example", apiKey: "k" }), (e) => e.field === "host");
  assert.throws(() => new Sightline({ host: "http://x.example" }), (e) => e.field === "apiKey");
});

test("bad session and event arguments are refused before sending", async () => {
  const client = new Sightline({ host, apiKey: "key" });
  const before = seen.length;
  await refused(client.createEmbedSession({ dashboardId: "d_1" }), "tenantId");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1", expiresIn: 0 }), "expiresIn");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1", timezone: "Mars/Base" }), "timezone");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1", theme: { primaryColor: "red" } }), "theme.primaryColor");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1", permissions: { allowedPeriods: ["1y"] } }), "permissions.allowedPeriods[0]");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1", permissions: { lockedFilters: { plan: 3 } } }), "permissions.lockedFilters.plan");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1", permissions: { lockedFilters: { plan: [] } } }), "permissions.lockedFilters.plan");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1", permissions: { lockedFilters: { n: {} } } }), "permissions.lockedFilters.n");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1", permissions: { lockedFilters: { n: { gte: "1" } } } }), "permissions.lockedFilters.n");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1", permissions: { role: "owner" } }), "permissions.role");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1", permissions: { allowedEvents: [] } }), "permissions.allowedEvents");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardIds: [] }), "dashboardIds");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "a", dashboardIds: ["b"] }), "dashboardId");
  await refused(client.createEmbedSession({ tenantId: "t" }), "dashboardId");
  await refused(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1", inactivityTimeout: 60 }), "inactivityTimeout");
  await refused(client.revokeEmbedSession("../../v1/dashboards"), "sessionId");
  await refused(client.sendEvents("abc"), "events");
  const good = { tenantId: "t", eventName: "api.call" };
  await refused(client.sendEvents([good, { tenantId: "t", eventName: "9bad" }]), "events[1].eventName");
  await refused(client.sendEvents([good, good, { eventName: "x" }]), "events[2].tenantId");
  await refused(client.sendEvents([{ ...good, timestamp: "yesterday-ish" }]), "events[0].timestamp");
  await refused(client.sendEvents([{ ...good, numericProps: { cost: "1" } }]), "events[0].numericProps.cost");
  await refused(client.sendEvents([{ ...good, stringProps: { "bad key": "x" } }]), "events[0].stringProps.bad key");
  await refused(client.sendEvents([good], { batchSize: 1001 }), "batchSize");
  await refused(client.organization.update({ allowedEmbedOrigins: ["https://ok.example", "javascript:alert(1)"] }), "allowedEmbedOrigins[1]");
  await refused(client.organization.update({ colour: "red" }), "colour");
  await refused(client.dashboards.data("d_1", {}), "tenantId");
  assert.equal(seen.length, before, "nothing reached the server");
});

test("an API refusal is a typed error with the API's code, message and details", async () => {
  const client = new Sightline({ host, apiKey: "key", maxRetries: 0 });
  answer = { status: 409, headers: {}, body: JSON.stringify({ error: { code: "dashboard_unpublished", message: "Publish the dashboard before embedding it.", details: [] } }) };
  await assert.rejects(client.createEmbedSession({ tenantId: "t", dashboardId: "d_1" }), (error) => {
    return error instanceof SightlineConflictError && error.code === "dashboard_unpublished" && error.status === 409 && /Publish/.test(error.message);
  });
  answer = { status: 429, headers: { "Retry-After": "7" }, body: JSON.stringify({ error: { code: "rate_limited", message: "Slow down." } }) };
  await assert.rejects(client.dashboards.list(), (error) => error instanceof SightlineRateLimitError && error.retryAfter === 7 && error.code === "rate_limited");
  answer = { status: 200, headers: {}, body: "{}" };
});

test("the session body is the API's snake_case shape", async () => {
  const client = new Sightline({ host, apiKey: "key" });
  answer = { status: 201, headers: {}, body: JSON.stringify({ token: "a.b.c", embed_url: "http://x/embed/d_1?token=a.b.c", expires_at: "2026-01-01T00:00:00Z", session_id: "es_1", dashboard_ids: ["d_1"] }) };
  const session = await client.createEmbedSession({
    tenantId: "acme", dashboardId: "d_1", expiresIn: 600, user: "u@acme.example", timezone: "Europe/Paris",
    permissions: { lockedFilters: { plan: "pro" }, hiddenWidgets: ["w_x"], allowedPeriods: ["7d"], allowDrillDown: true, maxDateRangeDays: 31 },
    theme: { mode: "dark" },
  });
  assert.deepEqual(session, { token: "a.b.c", embedUrl: "http://x/embed/d_1?token=a.b.c", expiresAt: "2026-01-01T00:00:00Z", sessionId: "es_1", dashboardIds: ["d_1"] });
  const sent = JSON.parse(seen.at(-1).body);
  assert.deepEqual(sent, {
    tenant_id: "acme", dashboard_id: "d_1", expires_in: 600, user: "u@acme.example", timezone: "Europe/Paris",
    permissions: { locked_filters: { plan: "pro" }, hidden_widgets: ["w_x"], allowed_periods: ["7d"], allow_drill_down: true, max_date_range_days: 31 },
    theme: { mode: "dark" },
  });
  await client.createEmbedSession({
    tenantId: "acme", dashboardIds: ["d_1", "d_2"], inactivityTimeout: 300, user: "u1",
    permissions: { lockedFilters: { plan: ["pro", "team"], tokens: { gte: 100, lt: 500 } }, role: "designer", variantScope: "tenant", allowedEvents: ["api.call"], allowSubscriptions: true },
  });
  assert.deepEqual(JSON.parse(seen.at(-1).body), {
    tenant_id: "acme", dashboard_ids: ["d_1", "d_2"], inactivity_timeout: 300, user: "u1",
    permissions: { locked_filters: { plan: ["pro", "team"], tokens: { gte: 100, lt: 500 } }, role: "designer", variant_scope: "tenant", allowed_events: ["api.call"], allow_subscriptions: true },
  });
  answer = { status: 200, headers: {}, body: "{}" };
});

test("organization settings map to GET/PATCH /v1/organization's snake_case shape", async () => {
  const client = new Sightline({ host, apiKey: "key" });
  const wire = { id: "org_1", name: "Acme", allowed_embed_origins: ["https://app.acme.example"], default_timezone: "Europe/Paris", retention_days: 90 };
  answer = { status: 200, headers: {}, body: JSON.stringify(wire) };
  const settings = await client.organization.update({ allowedEmbedOrigins: ["https://app.acme.example"], retentionDays: 90 });
  assert.deepEqual(settings, { id: "org_1", name: "Acme", allowedEmbedOrigins: ["https://app.acme.example"], defaultTimezone: "Europe/Paris", retentionDays: 90 });
  assert.equal(seen.at(-1).method, "PATCH");
  assert.equal(seen.at(-1).url, "/v1/organization");
  assert.deepEqual(JSON.parse(seen.at(-1).body), { allowed_embed_origins: ["https://app.acme.example"], retention_days: 90 });
  assert.deepEqual(await client.organization.get(), settings);
  assert.equal(seen.at(-1).method, "GET");
  answer = { status: 200, headers: {}, body: "{}" };
});

test("a batch over the server's size limit is sent again in halves, each event once", async () => {
  const received = [];
  const strict = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const events = JSON.parse(gunzipSync(Buffer.concat(chunks))).events;
      res.setHeader("Content-Type", "application/json");
      if (events.length > 300) {
        res.writeHead(413).end(JSON.stringify({ error: { code: "payload_too_large", message: "send smaller batches" } }));
        return;
      }
      received.push(...events.map((e) => e.insert_id));
      res.writeHead(202).end(JSON.stringify({ accepted: events.length }));
    });
  });
  await new Promise((resolve) => strict.listen(0, "127.0.0.1", resolve));
  const client = new Sightline({ host: `http://127.0.0.1:${strict.address().port}`, apiKey: "key" });
  try {
    const result = await client.sendEvents(Array.from({ length: 1500 }, (_, i) => ({ tenantId: "t", eventName: "e", insertId: `id${i}` })));
    assert.equal(result.accepted, 1500);
    assert.equal(result.batches, 6); // 1000 -> 2 x 500 -> 4 x 250, then 500 -> 2 x 250
    assert.equal(new Set(received).size, 1500);
    assert.equal(received.length, 1500);
  } finally {
    strict.close();
  }
});
