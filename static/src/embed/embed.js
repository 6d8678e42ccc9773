// The embed page: one dashboard for one tenant, drawn from the token-authenticated data
// endpoint with @sightline/charts (the renderer the builder preview and @sightline/react use).
// The token is read from the URL once, removed from it, and only ever sent as an Authorization
// header; the helper (/sdk/embed.js) may swap in a fresh one (setToken) before it expires.
import { createWidgetView, el, loadCharts, setLocale } from "@sightline/charts";
import { download, eventsTable, openPanel, setViewport } from "./drill.js";
import { canOpen, dashboardSwitcher, dashboardUrl } from "./switcher.js";
import { lockedChips, periodPicker } from "./filters.js";
import { reportLoad } from "./usage.js";
import { startDesigner } from "./designer.js";
import { subscriptions } from "./subscribe.js";

const config = JSON.parse(document.getElementById("sl-config").textContent);
const root = document.getElementById("sl-root");
setLocale(config.locale || undefined); // the session's BCP 47 locale; else the browser's

// --- Token and parent frame -----------------------------------------------------------------

const parentOrigin = trustedParentOrigin(); // reads the URL fragment: before it is removed
const code = takeFromUrl("code");
let token = takeFromUrl("token");
// A single-use URL carries a code: exchanged once (POST) for the token, kept in memory only.
const tokenReady = code && !token && !config.error ? exchangeCode(code) : Promise.resolve(token);

function takeFromUrl(name) {
  const url = new URL(window.location.href);
  const value = url.searchParams.get(name);
  url.searchParams.delete(name);
  window.history.replaceState(null, "", url.pathname + (url.search || ""));
  return value;
}

function exchangeCode(value) {
  // The page of a single-use URL is told the exchange URL; one that gets a code later (a
  // session refresh through the helper) builds the same one.
  const exchange = (config.urls && config.urls.session) || "/embed/" + config.dashboard.id + "/session";
  return fetch(exchange, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ code: value }),
    credentials: "omit",
    cache: "no-store",
  }).then(function (response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      if (!response.ok || typeof body.token !== "string") {
        const error = (body && body.error) || { code: "invalid_code", message: "This embed link is not valid." };
        error.status = 401;
        throw error;
      }
      token = body.token;
      return token;
    });
  });
}

// The helper passes its origin in the URL fragment (never sent to a server). It is believed
// only if the organization allows that origin (the frame-ancestors CSP enforces the same).
function trustedParentOrigin() {
  if (window.parent === window) return null;
  const allowed = new Set([window.location.origin].concat(config.parent_origins || []));
  const claimed = new URLSearchParams(window.location.hash.slice(1)).get("sl_origin");
  if (claimed && allowed.has(claimed)) return claimed;
  let referrer = null;
  try { referrer = document.referrer ? new URL(document.referrer).origin : null; } catch (e) { referrer = null; }
  if (referrer && allowed.has(referrer)) return referrer;
  return (config.parent_origins || []).length === 1 ? config.parent_origins[0] : null;
}

function post(type, payload) {
  if (!parentOrigin) return;
  window.parent.postMessage({ source: "sightline", type: type, payload: payload || {} }, parentOrigin);
}

/** The claims of a session token, unverified (the server verifies): only to check it is one. */
function claimsOf(candidate) {
  try {
    const part = String(candidate).split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part));
  } catch (e) {
    return null;
  }
}

// A fresh session from the helper: same dashboard, later expiry. The filters, period and sort
// stay; the next data request carries the new token.
function acceptToken(next) {
  const claims = typeof next === "string" ? claimsOf(next) : null;
  if (!claims || claims.dash !== config.dashboard.id || typeof claims.exp !== "number") {
    post("error", { code: "session_invalid", message: "The new embed URL is not a session for this dashboard; the current session stays.", status: 0 });
    return;
  }
  token = next;
  post("session", { expires_at: claims.exp });
  onFreshToken();
}

// A fresh session from the helper: a token, or the code of a single-use URL to exchange.
function acceptCredential(payload) {
  if (typeof payload.code === "string" && !payload.token) {
    exchangeCode(payload.code).then(acceptToken, function (error) {
      post("error", { code: error.code || "invalid_code", message: "The new single-use embed URL could not be exchanged; the current session stays.", status: 0 });
    });
  } else acceptToken(payload.token);
}

// Set by start(): what a fresh token restores (a dashboard whose session had expired).
let onFreshToken = function () {};

// The handshake: the helper knows the frame loaded (and when its session ends).
post("hello", { dashboard: config.dashboard ? config.dashboard.id : null, expires_at: config.expires_at || null });

if (config.error) {
  root.replaceChildren(fatal(sessionMessage(config.error)));
  post("error", { code: config.error.code, message: sessionMessage(config.error), status: 401 });
  observeHeight();
} else {
  start();
}

function sessionMessage(error) {
  if (error.code === "token_expired") return "This dashboard session has expired. Reload the page to continue.";
  if (error.code === "token_revoked") return "This dashboard session has been revoked.";
  if (error.code === "session_inactive") return "This dashboard session ended after a period of inactivity. Reload the page to continue.";
  return error.message || "This dashboard session is not valid.";
}

function fatal(message) {
  const box = el("div", "sl-fatal");
  box.setAttribute("role", "alert");
  box.appendChild(el("strong", null, message));
  return box;
}

function observeHeight() {
  if (window.ResizeObserver) new ResizeObserver(notifyHeight).observe(document.documentElement);
  notifyHeight();
}

let lastHeight = 0;
function notifyHeight() {
  const dialog = document.querySelector(".sl-dialog");
  // The body's own height, not the document's: that never shrinks below the iframe's height.
  const height = Math.ceil(Math.max(document.body.offsetHeight, dialog ? dialog.scrollHeight + 48 : 0));
  if (height === lastHeight) return;
  lastHeight = height;
  post("resize", { height: height });
}

function start() {
  const state = { period: config.period, from: null, to: null, filters: {}, theme: Object.assign({}, config.theme), loading: 0 };

  window.addEventListener("message", function (event) {
    if (!parentOrigin || event.origin !== parentOrigin || event.source !== window.parent) return;
    const message = event.data || {};
    if (message.source !== "sightline-host") return;
    if (message.type === "setFilters") setFilters(message.payload || {});
    else if (message.type === "setTheme") setTheme(message.payload || {});
    else if (message.type === "setToken") acceptCredential(message.payload || {});
    else if (message.type === "reload") load();
    else if (message.type === "viewport") setViewport(message.payload || {});
    else if (message.type === "setLocale") changeLocale((message.payload || {}).locale);
    else if (message.type === "setTimezone") changeTimezone((message.payload || {}).timezone);
    else if (message.type === "setDashboard") openDashboard((message.payload || {}).dashboard);
  });

  function openDashboard(id) {
    if (id === config.dashboard.id) return;
    if (!canOpen(config, id)) {
      post("error", { code: "unknown_dashboard", message: "This session does not open dashboard " + id + ".", status: 0 });
      return;
    }
    tokenReady.then(function () { window.location.replace(dashboardUrl(id, token, parentOrigin)); });
  }

  function changeLocale(tag) {
    if (typeof tag !== "string") return;
    setLocale(tag);
    cards.forEach(function (card) { card.view.setTheme(state.theme); }); // redraws its last data
  }

  function changeTimezone(zone) {
    try {
      new Intl.DateTimeFormat(undefined, { timeZone: zone }); // throws for an unknown zone
    } catch (error) {
      return;
    }
    config.timezone = zone;
    load();
  }

  function setFilters(filters) {
    // Locked filters are the server's to enforce; the page never sends a one-value lock's key
    // (a list lock's key it sends: the viewer may pick one of the listed values).
    const next = {};
    Object.keys(filters).forEach(function (key) {
      const value = filters[key];
      if (typeof (config.locked_filters || {})[key] === "string") return;
      if (value !== null && value !== undefined && String(value) !== "") next[key] = String(value);
    });
    state.filters = next;
    syncFilterInputs();
    post("filter", { filters: Object.assign({}, config.locked_filters, state.filters) });
    load();
  }

  function setTheme(theme) {
    ["primaryColor", "fontFamily", "mode"].forEach(function (key) {
      if (typeof theme[key] === "string") state.theme[key] = theme[key];
    });
    applyTheme();
    cards.forEach(function (card) { card.view.setTheme(state.theme); });
  }

  function applyTheme() {
    const style = document.documentElement.style;
    style.setProperty("--sl-primary", state.theme.primaryColor || "#2563eb");
    style.setProperty("--sl-font", state.theme.fontFamily || "system-ui, sans-serif");
    document.documentElement.dataset.mode = state.theme.mode === "dark" ? "dark" : "light";
  }

  // --- Layout -------------------------------------------------------------------------------

  const subscribe = config.urls.subscriptions ? subscriptions({
    url: config.urls.subscriptions,
    authorization: function () { return tokenReady.then(function () { return "Bearer " + token; }); },
    onChange: notifyHeight,
    parentOrigins: config.parent_origins,
    widgets: config.widgets,
  }) : null;
  const header = el("header", "sl-header");
  const grid = el("div", "sl-grid");
  const cards = new Map();
  if (config.single_widget) document.documentElement.classList.add("sl-single");
  const empty = el("p", "sl-empty", "This dashboard has no widgets.");
  buildHeader();
  buildCards();
  root.append(header, empty, grid);
  // Edit mode for designer sessions, and the variant's notice: ./designer.js.
  startDesigner({ config: config, root: root, header: header, grid: grid, send: send, rebuild: rebuild, notifyHeight: notifyHeight });
  applyTheme();
  observeHeight();
  // ECharts downloads and parses while the data request is in flight; `echarts` stays a global
  // of the page for debugging and the browser tests.
  const chartsReady = loadCharts().then(function (echarts) { window.echarts = echarts; });
  // The page reports its own load time: navigation start of this frame to every widget drawn.
  load().then(function (ok) {
    if (!ok) return;
    const loadMs = Math.round(performance.now());
    post("ready", { dashboard: config.dashboard.id, load_ms: loadMs });
    reportLoad(config.urls.usage, token, loadMs);
  });

  function buildCards() {
    config.widgets.slice().sort(function (a, b) { return a.layout.y - b.layout.y || a.layout.x - b.layout.x; }).forEach(function (widget) {
      const card = buildCard(widget);
      cards.set(widget.id, card);
      grid.appendChild(card.root);
    });
    empty.hidden = config.widgets.length > 0;
  }

  // A saved view (designer.js): the page's new configuration, drawn in place.
  function rebuild(next) {
    config.widgets = next.widgets;
    config.variant = next.variant;
    cards.clear();
    grid.replaceChildren();
    buildCards();
    return load();
  }

  function send(method, url, body) {
    return tokenReady.then(function () {
      const headers = { Authorization: "Bearer " + token, Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      return fetch(url, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "omit", cache: "no-store" });
    });
  }

  function buildHeader() {
    header.appendChild(el("h1", "sl-title", config.dashboard.name));
    const controls = el("div", "sl-controls");
    const switcher = dashboardSwitcher(config, openDashboard);
    if (switcher) controls.appendChild(switcher);
    const timeZone = function () { return config.timezone; };
    controls.appendChild(periodPicker(state, config, load, { timeZone, maxDays: config.max_date_range_days }));
    (config.filters || []).forEach(function (filter) {
      // A one-value lock is a chip only; a list lock keeps its input, narrowed to its choices.
      if (typeof filter.locked !== "string") controls.appendChild(filterInput(filter));
    });
    const chips = lockedChips(config); // locked filters: fixed chips, not inputs
    if (chips) controls.appendChild(chips);
    if (subscribe) controls.appendChild(subscribe.headerButton());
    header.appendChild(controls);
  }

  function filterInput(filter) {
    const label = el("label", "sl-filter");
    label.appendChild(el("span", "sl-filter-label", filter.label || filter.dimension));
    const input = document.createElement("input");
    input.type = "text";
    input.dataset.dimension = filter.dimension;
    input.placeholder = filter.choices ? "Any of " + filter.choices.join(", ") : "All";
    input.addEventListener("change", function () {
      const next = Object.assign({}, state.filters);
      next[filter.dimension] = input.value.trim();
      setFilters(next);
    });
    // A picker: the tenant's own top values of this dimension, searched as the viewer types.
    const list = document.createElement("datalist");
    list.id = "sl-values-" + filter.dimension.replace(/[^A-Za-z0-9_-]/g, "_");
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    let asked = null;
    const suggest = function () {
      const search = input.value.trim();
      if (asked === search || !config.urls.values) return;
      asked = search;
      const params = periodParams();
      params.delete("filters");
      params.set("dimension", filter.dimension);
      if (search) params.set("q", search);
      request(config.urls.values, params, 0)
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (asked !== search) return;
          list.replaceChildren.apply(list, body.values.map(function (item) {
            const option = document.createElement("option");
            option.value = item.value;
            return option;
          }));
        })
        .catch(function () { asked = null; });
    };
    input.addEventListener("focus", suggest);
    input.addEventListener("input", suggest);
    label.appendChild(list);
    label.appendChild(input);
    return label;
  }

  function syncFilterInputs() {
    header.querySelectorAll("input[data-dimension]").forEach(function (input) {
      if (!input.disabled) input.value = state.filters[input.dataset.dimension] || "";
    });
  }

  function buildCard(widget) {
    const card = el("section", "sl-card sl-kind-" + widget.kind + " sl-chart-" + widget.chart);
    card.dataset.widget = widget.id;
    card.style.setProperty("--x", widget.layout.x + 1);
    card.style.setProperty("--w", widget.layout.w);
    card.style.setProperty("--y", widget.layout.y + 1);
    card.style.setProperty("--h", widget.layout.h);
    const head = el("div", "sl-card-head");
    head.appendChild(el("h2", "sl-card-title", widget.title));
    if (subscribe && widget.kind !== "funnel") head.appendChild(subscribe.widgetButton(widget));
    if (config.export) {
      const button = el("button", "sl-export", "CSV");
      button.type = "button";
      button.title = "Download as CSV";
      button.addEventListener("click", function () { exportCsv(widget); });
      head.appendChild(button);
    }
    const body = el("div", "sl-card-body");
    card.append(head, body);
    const onDrill = config.drill_down ? function (clicked) { drill(widget, clicked); } : null;
    const view = createWidgetView(body, widget, { theme: state.theme, onDrill: onDrill, stateHost: card });
    return { root: card, view: view, widget: widget };
  }

  // --- Data ---------------------------------------------------------------------------------

  function periodParams() {
    const params = new URLSearchParams({ period: state.period, tz: config.timezone });
    if (state.period === "custom" && state.from && state.to) {
      params.set("from", state.from);
      params.set("to", state.to);
    }
    if (Object.keys(state.filters).length) params.set("filters", JSON.stringify(state.filters));
    return params;
  }

  // A 429 (rate limit or the organization's concurrent-query budget) is retried after the
  // server's Retry-After, a few times, before the widgets show the error.
  function request(url, params, retries) {
    if (retries === undefined) retries = 3;
    return tokenReady.then(function () {
      return fetch(url + "?" + params.toString(), {
        headers: { Authorization: "Bearer " + token, Accept: "application/json" },
        credentials: "omit",
        cache: "no-store",
      });
    }).then(function (response) {
      if (response.ok) return response;
      if (response.status === 429 && retries > 0) {
        const seconds = Math.min(Number(response.headers.get("Retry-After")) || 1, 10);
        return new Promise(function (resolve) { setTimeout(resolve, seconds * 1000); })
          .then(function () { return request(url, params, retries - 1); });
      }
      return response.json().catch(function () { return {}; }).then(function (body) {
        const error = (body && body.error) || { code: "http_" + response.status, message: "Something went wrong." };
        error.status = response.status;
        throw error;
      });
    });
  }

  /** Resolves true once every widget of the newest request is drawn. */
  function load() {
    if (state.period === "custom" && !(state.from && state.to)) return Promise.resolve(false);
    const ticket = ++state.loading;
    cards.forEach(function (card) { card.view.showState("loading"); });
    // The first data comes inline with the page (the default period); later loads ask for it.
    const inline = config.data;
    config.data = null;
    const data = inline
      ? Promise.resolve(inline)
      : request(config.urls.data, periodParams()).then(function (response) { return response.json(); });
    return data
      .then(function (data) {
        if (ticket !== state.loading) return false;
        // KPIs, lists and tables need no chart library: they show as soon as the data is here.
        const drawn = (data.widgets || []).map(function (item) {
          const card = cards.get(item.id);
          if (!card) return null;
          if (item.error) return card.view.showState("error", "This widget could not be loaded; try again shortly.");
          return card.view.render(item.data).then(notifyHeight);
        });
        notifyHeight();
        return Promise.all(drawn.concat([chartsReady])).then(function () { return ticket === state.loading; });
      })
      .catch(function (error) {
        if (ticket !== state.loading) return false;
        failed(error && error.code ? error : { code: "charts_unavailable", message: "The charts could not be loaded." });
        return false;
      });
  }

  // An expired session (e.g. the laptop slept through the helper's refresh) comes back when the
  // helper hands over a fresh token: the same filters, period and sort, no reload.
  let expired = false;
  onFreshToken = function () {
    if (!expired) return;
    expired = false;
    root.replaceChildren(header, empty, grid);
    load().then(function (ok) { if (ok) post("ready", { dashboard: config.dashboard.id }); });
  };

  function failed(error) {
    const message = error.status === 401 ? sessionMessage(error) : error.message || "Something went wrong.";
    if (error.status === 401) {
      expired = error.code === "token_expired" || error.code === "session_inactive";
      root.replaceChildren(fatal(message));
    } else {
      cards.forEach(function (card) { card.view.showState("error", message); });
    }
    post("error", { code: error.code || "network_error", message: message, status: error.status || 0 });
  }

  // --- Drill-down and export ----------------------------------------------------------------

  function drill(widget, clicked) {
    post("drill", { widget: widget.id, dimension: clicked.dimension || null, value: clicked.value || null });
    const params = periodParams();
    params.set("widget", widget.id);
    Object.keys(clicked).forEach(function (key) { if (clicked[key]) params.set(key, clicked[key]); });
    const panel = openPanel(widget.title + (clicked.value ? " · " + clicked.value : ""), notifyHeight);
    request(config.urls.drill, params)
      .then(function (response) { return response.json(); })
      .then(function (result) { panel.show(eventsTable(result, config.timezone)); })
      .catch(function (error) { panel.show(el("p", "sl-state sl-state-error", error.message || "Something went wrong.")); });
  }

  function exportCsv(widget) {
    const params = periodParams();
    params.set("widget", widget.id);
    request(config.urls.export, params)
      .then(function (response) { return response.blob(); })
      .then(function (blob) { download(blob, widget.id + "-" + state.period + ".csv"); })
      .catch(failed);
  }
}
