// @sightline/node against a LIVE Sightline server (tests/clients/test_node_sdk.py starts one and
// passes SIGHTLINE_HOST and SIGHTLINE_API_KEY, an admin key of a fresh organization).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Sightline, SightlineAuthenticationError, SightlineNotFoundError } from "../src/index.js";
import { startFaultProxy } from "./fault-proxy.js";

const HOST = process.env.SIGHTLINE_HOST;
const KEY = process.env.SIGHTLINE_API_KEY;
const TENANT = `tenant_${randomUUID().slice(0, 8)}`;
const EVENT = "sdk.call";

describe("against a live Sightline", { skip: !HOST && "SIGHTLINE_HOST is not set" }, () => {
  let client;
  let dashboardId;

  // Every request the SDK sends here is checked against /v1/openapi.json at the end.
  const sent = [];
  const recording = (url, init) => {
    sent.push({ method: init.method.toLowerCase(), path: new URL(url).pathname, body: init.body });
    return fetch(url, init);
  };

  before(async () => {
    client = new Sightline({ host: HOST, apiKey: KEY, retryBaseMs: 100, fetch: recording });
    const dashboard = await client.dashboards.create({
      name: "SDK test",
      default_period: "24h",
      filters: [{ dimension: "plan", label: "Plan" }],
      widgets: [{ id: "w_calls", title: "Calls", kind: "kpi", chart: "stat", event_name: EVENT, metric: "count", property: null, group_by: [], filters: {}, limit: null, layout: { x: 0, y: 0, w: 3, h: 2 } }],
    });
    dashboardId = dashboard.id;
    await client.dashboards.publish(dashboardId);
  });

  async function embedData(token) {
    const response = await fetch(`${HOST}/embed/${dashboardId}/data?period=24h`, { headers: { Authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }

  test("variants: a designer's saved view is listed and deleted", async () => {
    const tenant = `tenant_${randomUUID().slice(0, 8)}`;
    const designer = await client.createEmbedSession({ tenantId: tenant, dashboardId, user: "jane", permissions: { role: "designer" } });
    const saved = await fetch(`${HOST}/embed/${dashboardId}/variant`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${designer.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ widgets: [{ id: "w_my_calls", title: "Mine", kind: "kpi", event_name: EVENT, metric: "count" }] }),
    });
    assert.equal(saved.status, 200);

    const listed = await client.listVariants({ dashboardId, tenantId: tenant, user: "jane" });
    assert.equal(listed.count, 1);
    const [variant] = listed.results;
    assert.equal(variant.tenantId, tenant);
    assert.equal(variant.scope, "user");
    assert.equal(variant.dashboardId, dashboardId);
    assert.deepEqual(variant.widgets.map((w) => w.id), ["w_my_calls"]);
    assert.equal((await client.listVariants({ tenantId: tenant, user: "" })).count, 0);

    await client.deleteVariant(variant.id);

    assert.equal((await client.listVariants({ tenantId: tenant })).count, 0);
    await assert.rejects(client.deleteVariant(variant.id), SightlineNotFoundError);
  });


  test("createEmbedSession returns a working session; revokeEmbedSession ends it", async () => {
    const session = await client.createEmbedSession({ tenantId: TENANT, dashboardId, expiresIn: 600, permissions: { lockedFilters: { plan: "pro" } }, user: "viewer@example.com" });
    assert.match(session.sessionId, /^es_/);
    assert.equal(session.embedUrl, `${new URL(session.embedUrl).origin}/embed/${dashboardId}?token=${session.token}`);
    const lifetime = (Date.parse(session.expiresAt) - Date.now()) / 1000;
    assert.ok(lifetime > 590 && lifetime <= 601, `expires in ${lifetime}s`);
    assert.equal((await embedData(session.token)).status, 200);

    await client.revokeEmbedSession(session.sessionId);

    const refused = await embedData(session.token);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error.code, "token_revoked");
  });

  test("sessions list like REST resources; deleteEmbedSession ends one", async () => {
    const tenant = `${TENANT}_list`;
    const kept = await client.createEmbedSession({ tenantId: tenant, dashboardId, user: "kept@example.com" });
    const gone = await client.createEmbedSession({ tenantId: tenant, dashboardId, singleUseUrl: true, locale: "fr-FR" });
    assert.match(gone.embedUrl, /[?&]code=/);
    assert.ok(!gone.embedUrl.includes(gone.token));

    const before = await client.listEmbedSessions({ tenantId: tenant });
    await client.deleteEmbedSession(gone.sessionId);
    const after = await client.listEmbedSessions({ tenantId: tenant });
    const everything = await client.listEmbedSessions({ tenantId: tenant, active: false, limit: 10 });

    assert.deepEqual(before.results.map((s) => s.id).sort(), [gone.sessionId, kept.sessionId].sort());
    const listed = before.results.find((s) => s.id === kept.sessionId);
    assert.equal(listed.tenantId, tenant);
    assert.equal(listed.dashboardId, dashboardId);
    assert.equal(listed.user, "kept@example.com");
    assert.equal(listed.status, "active");
    assert.deepEqual(after.results.map((s) => s.id), [kept.sessionId]);
    assert.equal(everything.results.find((s) => s.id === gone.sessionId).status, "revoked");
    assert.equal((await embedData(gone.token)).status, 401);
    assert.equal((await embedData(kept.token)).status, 200);
  });

  test("organization settings read and change through the API", async () => {
    const before = await client.organization.get();
    assert.equal(typeof before.name, "string");
    const changed = await client.organization.update({ allowedEmbedOrigins: ["https://app.customer.example"], defaultTimezone: "Europe/Paris" });
    assert.deepEqual(changed.allowedEmbedOrigins, ["https://app.customer.example"]);
    assert.equal(changed.defaultTimezone, "Europe/Paris");
    assert.deepEqual((await client.organization.get()).allowedEmbedOrigins, ["https://app.customer.example"]);
    await client.organization.update({ allowedEmbedOrigins: before.allowedEmbedOrigins, defaultTimezone: before.defaultTimezone });
  });

  test("revokeTenantSessions ends every session of that tenant only", async () => {
    const mine = await client.createEmbedSession({ tenantId: TENANT, dashboardId });
    const other = await client.createEmbedSession({ tenantId: `${TENANT}_other`, dashboardId });
    await client.revokeTenantSessions(TENANT);
    assert.equal((await embedData(mine.token)).status, 401);
    assert.equal((await embedData(other.token)).status, 200);
  });

  test("API refusals are typed errors with the API's code", async () => {
    await assert.rejects(client.createEmbedSession({ tenantId: TENANT, dashboardId: "d_doesnotexist" }), (e) => e instanceof SightlineNotFoundError && e.status === 404 && e.code === "not_found");
    const stranger = new Sightline({ host: HOST, apiKey: "sk_wrong", maxRetries: 0 });
    await assert.rejects(stranger.dashboards.list(), (e) => e instanceof SightlineAuthenticationError && e.status === 401 && typeof e.code === "string");
    await assert.rejects(client.revokeEmbedSession("es_unknown"), (e) => e instanceof SightlineNotFoundError);
  });

  test("dashboards, discovery and alerts calls reach their routes", async () => {
    const list = await client.dashboards.list();
    assert.ok(list.results.some((d) => d.id === dashboardId));
    assert.equal((await client.dashboards.get(dashboardId)).id, dashboardId);
    const schema = await client.discovery.discover();
    assert.equal(typeof schema, "object");
    const usage = await client.usage.get({ period: "24h", tenantId: TENANT });
    assert.equal(usage.period, "24h");
    assert.equal(typeof usage.totals.views, "number");
    await assert.rejects(client.usage.get({ period: "1y" }), (e) => e.name === "SightlineArgumentError");
    const alerts = await client.alerts.list();
    assert.ok(Array.isArray(alerts.results));
    const subscriptions = await client.subscriptions.list({ kind: "digest", tenantId: TENANT });
    assert.deepEqual(subscriptions.results, []);
    await assert.rejects(client.subscriptions.pause("sub_unknown"), (e) => e instanceof SightlineNotFoundError && e.status === 404);
    await assert.rejects(client.subscriptions.list({ sort: "x" }), (e) => e.field === "sort");
  });

  test("10,000 events through a 429 and a dropped connection are each counted once", async () => {
    // Request 2 is answered 429 (Retry-After: 1); request 4 reaches the server, which stores the
    // batch, but the connection is dropped before the client sees the answer.
    const proxy = await startFaultProxy({ upstream: HOST, faults: { 2: "429", 4: "drop" } });
    after(() => proxy.close());
    const viaProxy = new Sightline({ host: proxy.url, apiKey: KEY, retryBaseMs: 200 });
    const events = Array.from({ length: 10_000 }, (_, i) => ({ tenantId: TENANT, eventName: EVENT, userId: `u${i % 50}`, stringProps: { plan: i % 2 ? "pro" : "free" } }));

    const started = Date.now();
    const result = await viaProxy.sendEvents(events);

    assert.deepEqual(result, { accepted: 10_000, batches: 10 });
    assert.ok(Date.now() - started >= 1000, "the 429's Retry-After was honoured");
    assert.equal(proxy.log.length, 12, "10 batches, a 429 retry and a dropped-connection retry");
    assert.ok(proxy.log.every((r) => r.gzip && r.events.length <= 1000));
    assert.deepEqual(proxy.log.map((r) => r.action).slice(0, 5), ["forward", "429", "forward", "drop", "forward"]);
    // Each retry re-sent the very same insert ids AND timestamps (the server dedups on both).
    assert.deepEqual(proxy.log[2].events, proxy.log[1].events);
    assert.deepEqual(proxy.log[4].events, proxy.log[3].events);
    const data = await client.dashboards.data(dashboardId, { tenantId: TENANT, period: "24h" });
    assert.equal(data.widgets[0].data.value, 10_000);
  });

  test("every request the SDK sent is an operation of /v1/openapi.json, with documented keys", async () => {
    const document = await (await fetch(`${HOST}/v1/openapi.json`)).json();
    const operations = Object.entries(document.paths).map(([template, ops]) => ({
      match: new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$"),
      ops,
    }));
    const schemaOf = (ref) => ref && document.components.schemas[ref.split("/").pop()];
    assert.ok(sent.length > 10);
    for (const request of sent) {
      const found = operations.filter((o) => o.match.test(request.path) && o.ops[request.method]);
      assert.ok(found.length, `${request.method} ${request.path} is not in the OpenAPI document`);
      if (!request.body || request.path === "/v1/events") continue; // events go gzip: checked by the proxy test
      const body = JSON.parse(request.body);
      const content = found[0].ops[request.method].requestBody?.content?.["application/json"];
      const schema = content && (schemaOf(content.schema.$ref) || content.schema);
      if (!schema || !schema.properties) continue; // a free-form body (a dashboard spec)
      for (const key of Object.keys(body)) {
        assert.ok(key in schema.properties, `${request.method} ${request.path}: "${key}" is not a documented field`);
      }
    }
  });
});
