// The embed page: one dashboard for one tenant, drawn from the token-authenticated data
// endpoint. Vanilla JS and ECharts. The token is read from the URL once, removed from it,
// and only ever sent as an Authorization header.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("sl-config").textContent);
  const root = document.getElementById("sl-root");
  const BUCKET_SECONDS = { hour: 3600, day: 86400, week: 7 * 86400 };
  const TIME_LABELS = { year: "{yyyy}", month: "{MMM}", day: "{MMM} {d}", hour: "{HH}:{mm}", minute: "{HH}:{mm}" };
  const PERIOD_LABELS = { "24h": "24 hours", "7d": "7 days", "30d": "30 days", "90d": "90 days", custom: "Custom" };

  // --- Token and parent frame ---------------------------------------------------------------

  const parentOrigin = trustedParentOrigin(); // reads the URL fragment: before it is removed
  const token = takeTokenFromUrl();

  function takeTokenFromUrl() {
    const url = new URL(window.location.href);
    const value = url.searchParams.get("token");
    url.searchParams.delete("token");
    window.history.replaceState(null, "", url.pathname + (url.search || ""));
    return value;
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

  window.addEventListener("message", function (event) {
    if (config.error || !parentOrigin || event.origin !== parentOrigin || event.source !== window.parent) return;
    const message = event.data || {};
    if (message.source !== "sightline-host") return;
    if (message.type === "setFilters") setFilters(message.payload || {});
    else if (message.type === "setTheme") setTheme(message.payload || {});
    else if (message.type === "reload") load();
  });

  // --- State --------------------------------------------------------------------------------

  const state = {
    period: config.period,
    from: null,
    to: null,
    filters: {},
    theme: Object.assign({}, config.theme),
    charts: new Map(),
    data: null,
    sort: {},
    loading: 0,
    height: 0,
  };

  function setFilters(filters) {
    // Locked filters are the server's to enforce; the page just never sends them.
    const next = {};
    Object.keys(filters).forEach(function (key) {
      const value = filters[key];
      if (key in (config.locked_filters || {})) return;
      if (value !== null && value !== undefined && String(value) !== "") next[key] = String(value);
    });
    state.filters = next;
    syncFilterInputs();
    post("filter", { filters: Object.assign({}, state.filters, config.locked_filters) });
    load();
  }

  function setTheme(theme) {
    ["primaryColor", "fontFamily", "mode"].forEach(function (key) {
      if (typeof theme[key] === "string") state.theme[key] = theme[key];
    });
    applyTheme();
    if (state.data) render(state.data);
  }

  // --- Layout -------------------------------------------------------------------------------

  if (config.error) {
    root.replaceChildren(fatal(sessionMessage(config.error)));
    post("error", { code: config.error.code, message: sessionMessage(config.error), status: 401 });
    observeHeight();
    return;
  }

  const header = el("header", "sl-header");
  const grid = el("div", "sl-grid");
  const cards = new Map();
  buildHeader();
  config.widgets.slice().sort(byLayout).forEach(function (widget) {
    const card = buildCard(widget);
    cards.set(widget.id, card);
    grid.appendChild(card.root);
  });
  root.appendChild(header);
  if (!config.widgets.length) root.appendChild(el("p", "sl-empty", "This dashboard has no widgets."));
  root.appendChild(grid);
  applyTheme();
  observeHeight();
  // ECharts (~1 MB) downloads and parses while the data request is in flight.
  const echartsReady = loadScript(config.urls.echarts);
  load().then(function () { post("ready", { dashboard: config.dashboard.id }); });

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.echarts) return resolve();
      const script = document.createElement("script");
      script.src = src;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject({ code: "charts_unavailable", message: "The charts could not be loaded." }); };
      document.head.appendChild(script);
    });
  }

  function byLayout(a, b) {
    return a.layout.y - b.layout.y || a.layout.x - b.layout.x;
  }

  function buildHeader() {
    header.appendChild(el("h1", "sl-title", config.dashboard.name));
    const controls = el("div", "sl-controls");
    controls.appendChild(periodPicker());
    (config.filters || []).forEach(function (filter) { controls.appendChild(filterInput(filter)); });
    header.appendChild(controls);
  }

  function periodPicker() {
    const group = el("div", "sl-periods");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Period");
    const custom = el("span", "sl-custom");
    const fromInput = dateInput("From");
    const toInput = dateInput("To");
    custom.append(fromInput, toInput);
    custom.hidden = state.period !== "custom";
    config.periods.forEach(function (period) {
      const button = el("button", "sl-period", PERIOD_LABELS[period] || period);
      button.type = "button";
      button.dataset.period = period;
      button.setAttribute("aria-pressed", String(period === state.period));
      button.addEventListener("click", function () {
        state.period = period;
        group.querySelectorAll(".sl-period").forEach(function (b) {
          b.setAttribute("aria-pressed", String(b.dataset.period === period));
        });
        custom.hidden = period !== "custom";
        if (period !== "custom") load();
      });
      group.appendChild(button);
    });
    function applyCustom() {
      if (!fromInput.value || !toInput.value) return;
      state.from = fromInput.value + "T00:00:00Z";
      state.to = new Date(Date.parse(toInput.value + "T00:00:00Z") + 86400000).toISOString().replace(".000", "");
      load();
    }
    fromInput.addEventListener("change", applyCustom);
    toInput.addEventListener("change", applyCustom);
    group.appendChild(custom);
    return group;
  }

  function dateInput(label) {
    const input = document.createElement("input");
    input.type = "date";
    input.className = "sl-date";
    input.setAttribute("aria-label", label);
    return input;
  }

  function filterInput(filter) {
    const label = el("label", "sl-filter");
    label.appendChild(el("span", "sl-filter-label", filter.label || filter.dimension));
    const input = document.createElement("input");
    input.type = "text";
    input.dataset.dimension = filter.dimension;
    input.placeholder = "All";
    if (filter.locked !== null && filter.locked !== undefined) {
      input.value = filter.locked;
      input.disabled = true;
      input.title = "Set by the application";
      label.classList.add("sl-locked");
    } else {
      input.addEventListener("change", function () {
        const next = Object.assign({}, state.filters);
        next[filter.dimension] = input.value.trim();
        setFilters(next);
      });
    }
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
    if (config.export) {
      const button = el("button", "sl-export", "CSV");
      button.type = "button";
      button.title = "Download as CSV";
      button.addEventListener("click", function () { exportCsv(widget); });
      head.appendChild(button);
    }
    const body = el("div", "sl-card-body");
    card.append(head, body);
    return { root: card, body: body, widget: widget };
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

  function request(url, params) {
    return fetch(url + "?" + params.toString(), {
      headers: { Authorization: "Bearer " + token, Accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
    }).then(function (response) {
      if (response.ok) return response;
      return response.json().catch(function () { return {}; }).then(function (body) {
        const error = (body && body.error) || { code: "http_" + response.status, message: "Something went wrong." };
        error.status = response.status;
        throw error;
      });
    });
  }

  function load() {
    if (state.period === "custom" && !(state.from && state.to)) return Promise.resolve();
    const ticket = ++state.loading;
    cards.forEach(function (card) { showState(card, "loading"); });
    const dataRequest = request(config.urls.data, periodParams()).then(function (response) { return response.json(); });
    // KPIs, lists and tables need no chart library: they show as soon as the data is here.
    dataRequest.then(function (data) {
      if (ticket === state.loading && !window.echarts) render(data);
    }, function () {});
    return Promise.all([dataRequest, echartsReady])
      .then(function (results) {
        const data = results[0];
        if (ticket !== state.loading) return;
        state.data = data;
        render(data);
      })
      .catch(function (error) {
        if (ticket !== state.loading) return;
        failed(error);
      });
  }

  function failed(error) {
    const message = error.status === 401 ? sessionMessage(error) : error.message || "Something went wrong.";
    if (error.status === 401) {
      root.replaceChildren(fatal(message));
    } else {
      cards.forEach(function (card) { showState(card, "error", message); });
    }
    post("error", { code: error.code || "network_error", message: message, status: error.status || 0 });
  }

  function sessionMessage(error) {
    if (error.code === "token_expired") return "This dashboard session has expired. Reload the page to continue.";
    if (error.code === "token_revoked") return "This dashboard session has been revoked.";
    return error.message || "This dashboard session is not valid.";
  }

  function fatal(message) {
    const box = el("div", "sl-fatal");
    box.setAttribute("role", "alert");
    box.appendChild(el("strong", null, message));
    return box;
  }

  function render(data) {
    (data.widgets || []).forEach(function (item) {
      const card = cards.get(item.id);
      if (!card) return;
      const renderer = RENDERERS[card.widget.kind];
      if (item.error) showState(card, "error", "This widget could not be loaded; try again shortly.");
      else if (needsCharts(card.widget) && !window.echarts) return; // drawn once ECharts is here
      else if (isEmpty(card.widget, item.data)) showState(card, "empty");
      else renderer(card, item.data);
    });
    notifyHeight();
  }

  function needsCharts(widget) {
    return widget.kind === "timeseries" || (widget.kind === "breakdown" && widget.chart !== "list");
  }

  function isEmpty(widget, data) {
    if (!data) return true;
    if (widget.kind === "kpi") return data.value === null || data.value === undefined;
    if (widget.kind === "timeseries") {
      return !(data.series || []).some(function (s) { return s.points.some(function (p) { return p[1]; }); });
    }
    return !(data.rows || []).length;
  }

  function showState(card, kind, message) {
    disposeChart(card);
    card.root.dataset.state = kind;
    const text = { loading: "Loading…", empty: "No data for this period.", error: message }[kind];
    const box = el("div", "sl-state sl-state-" + kind, text);
    if (kind === "loading") box.setAttribute("aria-busy", "true");
    card.body.replaceChildren(box);
  }

  // --- Widgets ------------------------------------------------------------------------------

  const RENDERERS = { kpi: renderKpi, timeseries: renderTimeseries, breakdown: renderBreakdown, table: renderTable };

  function renderKpi(card, data) {
    disposeChart(card);
    card.root.dataset.state = "ready";
    const box = el("div", "sl-kpi");
    box.appendChild(el("div", "sl-kpi-value", formatNumber(data.value)));
    box.appendChild(changeBadge(data.value, data.previous));
    const target = card.widget.target;
    if (card.widget.chart === "progress" && target) {
      const ratio = Math.max(0, Math.min(1, data.value / target));
      const bar = el("div", "sl-progress");
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-valuenow", String(Math.round(ratio * 100)));
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", "100");
      const fill = el("div", "sl-progress-fill");
      fill.style.width = (ratio * 100).toFixed(1) + "%";
      bar.appendChild(fill);
      box.appendChild(bar);
      const percent = Math.round((data.value / target) * 100);
      box.appendChild(el("div", "sl-progress-label", percent + "% of the " + formatNumber(target) + " target"));
    }
    card.body.replaceChildren(box);
  }

  function changeBadge(value, previous) {
    if (previous === null || previous === undefined) return el("div", "sl-change sl-flat", "No previous period");
    if (previous === 0) return el("div", "sl-change sl-flat", value === 0 ? "No change" : "New this period");
    const change = (value - previous) / Math.abs(previous);
    const direction = change > 0 ? "up" : change < 0 ? "down" : "flat";
    const arrow = { up: "▲", down: "▼", flat: "■" }[direction];
    const text = arrow + " " + Math.abs(change * 100).toFixed(1) + "% vs previous period";
    return el("div", "sl-change sl-" + direction, text);
  }

  function renderTimeseries(card, data) {
    const widget = card.widget;
    const colors = palette();
    const kind = widget.chart === "bar" ? "bar" : "line";
    const series = (data.series || []).map(function (s) {
      return {
        name: s.name,
        type: kind,
        stack: kind === "bar" && data.series.length > 1 ? "total" : undefined,
        showSymbol: false,
        smooth: false,
        areaStyle: widget.chart === "area" ? { opacity: 0.18 } : undefined,
        data: s.points.map(function (p) { return [p[0], p[1]]; }),
      };
    });
    const chart = chartFor(card);
    chart.setOption({
      color: colors,
      textStyle: { fontFamily: state.theme.fontFamily },
      grid: { left: 8, right: 16, top: series.length > 1 ? 30 : 12, bottom: 8, containLabel: true },
      legend: series.length > 1 ? { type: "scroll", top: 0, textStyle: { color: themeColor("--sl-muted") }, pageTextStyle: { color: themeColor("--sl-muted") } } : undefined,
      tooltip: { trigger: "axis", valueFormatter: formatNumber },
      xAxis: { type: "time", axisLabel: { color: themeColor("--sl-muted"), hideOverlap: true, formatter: TIME_LABELS }, axisLine: { lineStyle: { color: themeColor("--sl-border") } } },
      yAxis: { type: "value", axisLabel: { color: themeColor("--sl-muted"), formatter: formatNumber }, splitLine: { lineStyle: { color: themeColor("--sl-border") } } },
      series: series,
    }, true);
    chart.off("click");
    if (config.drill_down) {
      chart.on("click", function (params) {
        const at = params.value[0];
        const point = bucketWindow(at, data.bucket);
        const dimension = widget.group_by[0];
        const clicked = dimension && params.seriesName !== "all" && params.seriesName !== "other" ? { dimension: dimension, value: params.seriesName } : {};
        drill(widget, Object.assign(clicked, point));
      });
    }
  }

  function renderBreakdown(card, data) {
    if (card.widget.chart === "list") return renderList(card, data);
    const widget = card.widget;
    const rows = data.rows.slice().reverse(); // ECharts draws categories bottom-up
    const chart = chartFor(card);
    chart.setOption({
      color: [state.theme.primaryColor],
      textStyle: { fontFamily: state.theme.fontFamily },
      // containLabel measures truncated labels short by a few pixels: keep a margin for them.
      grid: { left: 16, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "item", valueFormatter: formatNumber },
      xAxis: { type: "value", axisLabel: { color: themeColor("--sl-muted"), formatter: formatNumber }, splitLine: { lineStyle: { color: themeColor("--sl-border") } } },
      yAxis: { type: "category", data: rows.map(function (r) { return r.key; }), axisLabel: { color: themeColor("--sl-text"), width: 120, overflow: "truncate" }, axisLine: { lineStyle: { color: themeColor("--sl-border") } } },
      series: [{ type: "bar", name: widget.title, data: rows.map(function (r) { return r.value; }), barMaxWidth: 28, itemStyle: { borderRadius: [0, 4, 4, 0] } }],
    }, true);
    chart.off("click");
    if (config.drill_down) {
      chart.on("click", function (params) {
        const isOther = params.name === "other" && params.dataIndex === 0 && rows.length > (widget.limit || Infinity);
        drill(widget, isOther ? {} : { dimension: widget.group_by[0], value: String(params.name) });
      });
    }
  }

  function renderList(card, data) {
    disposeChart(card);
    card.root.dataset.state = "ready";
    const widget = card.widget;
    const max = Math.max.apply(null, data.rows.map(function (r) { return Math.abs(r.value); }).concat([1]));
    const list = el("ol", "sl-list");
    data.rows.forEach(function (row) {
      const item = el("li", "sl-list-row");
      const bar = el("span", "sl-list-bar");
      bar.style.width = ((Math.abs(row.value) / max) * 100).toFixed(1) + "%";
      item.append(bar, el("span", "sl-list-key", row.key), el("span", "sl-list-value", formatNumber(row.value)));
      if (config.drill_down) {
        item.tabIndex = 0;
        item.classList.add("sl-clickable");
        const open = function () { drill(widget, { dimension: widget.group_by[0], value: row.key }); };
        item.addEventListener("click", open);
        item.addEventListener("keydown", function (e) { if (e.key === "Enter") open(); });
      }
      list.appendChild(item);
    });
    card.body.replaceChildren(list);
  }

  function renderTable(card, data) {
    disposeChart(card);
    card.root.dataset.state = "ready";
    const widget = card.widget;
    const sort = state.sort[widget.id] || { column: null, direction: 1 };
    const rows = data.rows.slice();
    if (sort.column !== null) {
      rows.sort(function (a, b) { return compare(a[sort.column], b[sort.column]) * sort.direction; });
    }
    const table = el("table", "sl-table");
    const headRow = el("tr");
    data.columns.forEach(function (column, index) {
      const numeric = data.rows.length && typeof data.rows[0][index] === "number";
      const th = el("th", numeric ? "sl-num" : null, column);
      th.scope = "col";
      th.tabIndex = 0;
      th.setAttribute("aria-sort", sort.column === index ? (sort.direction > 0 ? "ascending" : "descending") : "none");
      const toggle = function () {
        state.sort[widget.id] = { column: index, direction: sort.column === index ? -sort.direction : -1 };
        renderTable(card, data);
      };
      th.addEventListener("click", toggle);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") toggle(); });
      headRow.appendChild(th);
    });
    const thead = el("thead");
    thead.appendChild(headRow);
    const tbody = el("tbody");
    rows.forEach(function (row) {
      const tr = el("tr");
      row.forEach(function (cell) {
        const td = el("td", typeof cell === "number" ? "sl-num" : null, typeof cell === "number" ? formatNumber(cell) : String(cell));
        tr.appendChild(td);
      });
      if (config.drill_down && widget.group_by.length) {
        tr.classList.add("sl-clickable");
        tr.addEventListener("click", function () { drill(widget, { dimension: widget.group_by[0], value: String(row[0]) }); });
      }
      tbody.appendChild(tr);
    });
    table.append(thead, tbody);
    const scroller = el("div", "sl-table-scroll");
    scroller.appendChild(table);
    card.body.replaceChildren(scroller);
  }

  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b));
  }

  // --- Charts -------------------------------------------------------------------------------

  function chartFor(card) {
    card.root.dataset.state = "ready";
    let chart = state.charts.get(card.widget.id);
    if (!chart || chart.isDisposed()) {
      const box = el("div", "sl-chart");
      card.body.replaceChildren(box);
      chart = window.echarts.init(box, null, { renderer: "canvas" });
      state.charts.set(card.widget.id, chart);
    }
    return chart;
  }

  function disposeChart(card) {
    const chart = state.charts.get(card.widget.id);
    if (chart) {
      chart.dispose();
      state.charts.delete(card.widget.id);
    }
  }

  window.addEventListener("resize", function () { state.charts.forEach(function (chart) { chart.resize(); }); });

  function palette() {
    const base = state.theme.primaryColor || "#2563eb";
    return [base, "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16"];
  }

  function themeColor(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function applyTheme() {
    const style = document.documentElement.style;
    style.setProperty("--sl-primary", state.theme.primaryColor || "#2563eb");
    style.setProperty("--sl-font", state.theme.fontFamily || "system-ui, sans-serif");
    document.documentElement.dataset.mode = state.theme.mode === "dark" ? "dark" : "light";
  }

  // --- Drill-down and export ----------------------------------------------------------------

  function bucketWindow(at, bucket) {
    const start = new Date(at);
    let end;
    if (bucket === "month") end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
    else end = new Date(start.getTime() + (BUCKET_SECONDS[bucket] || 3600) * 1000);
    return { point_from: start.toISOString(), point_to: end.toISOString() };
  }

  function drill(widget, clicked) {
    post("drill", { widget: widget.id, dimension: clicked.dimension || null, value: clicked.value || null });
    const params = periodParams();
    params.set("widget", widget.id);
    Object.keys(clicked).forEach(function (key) { if (clicked[key]) params.set(key, clicked[key]); });
    const panel = openPanel(widget.title + (clicked.value ? " · " + clicked.value : ""));
    request(config.urls.drill, params)
      .then(function (response) { return response.json(); })
      .then(function (result) { panel.show(eventsTable(result)); })
      .catch(function (error) { panel.show(el("p", "sl-state sl-state-error", error.message || "Something went wrong.")); });
  }

  function openPanel(title) {
    const overlay = el("div", "sl-overlay");
    const dialog = el("div", "sl-dialog");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-label", title);
    const head = el("div", "sl-dialog-head");
    const close = el("button", "sl-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", function () { overlay.remove(); notifyHeight(); });
    head.append(el("h2", "sl-card-title", title), close);
    const body = el("div", "sl-dialog-body");
    body.appendChild(el("div", "sl-state sl-state-loading", "Loading…"));
    dialog.append(head, body);
    overlay.appendChild(dialog);
    overlay.addEventListener("click", function (e) { if (e.target === overlay) close.click(); });
    document.addEventListener("keydown", function onKey(e) {
      if (e.key === "Escape") { close.click(); document.removeEventListener("keydown", onKey); }
    });
    document.body.appendChild(overlay);
    close.focus();
    return { show: function (node) { body.replaceChildren(node); notifyHeight(); } };
  }

  function eventsTable(result) {
    if (!result.rows.length) return el("p", "sl-state sl-state-empty", "No matching events.");
    const table = el("table", "sl-table sl-events");
    const head = el("tr");
    ["Time", "User", "Properties"].forEach(function (name) { head.appendChild(el("th", null, name)); });
    const thead = el("thead");
    thead.appendChild(head);
    const tbody = el("tbody");
    result.rows.forEach(function (row) {
      const tr = el("tr");
      const props = Object.assign({}, row.string_props || {}, row.numeric_props || {});
      const text = Object.keys(props).map(function (k) { return k + "=" + props[k]; }).join("  ");
      tr.append(el("td", "sl-time", formatTime(row.timestamp)), el("td", null, row.user_id || "—"), el("td", "sl-props", text));
      tbody.appendChild(tr);
    });
    table.append(thead, tbody);
    const scroller = el("div", "sl-table-scroll");
    scroller.appendChild(table);
    if (result.rows.length >= result.limit) scroller.appendChild(el("p", "sl-note", "Showing the newest " + result.limit + " events."));
    return scroller;
  }

  function exportCsv(widget) {
    const params = periodParams();
    params.set("widget", widget.id);
    request(config.urls.export, params)
      .then(function (response) { return response.blob(); })
      .then(function (blob) {
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = widget.id + "-" + state.period + ".csv";
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      })
      .catch(failed);
  }

  // --- Helpers ------------------------------------------------------------------------------

  function observeHeight() {
    if (window.ResizeObserver) new ResizeObserver(notifyHeight).observe(document.documentElement);
    notifyHeight();
  }

  function notifyHeight() {
    const dialog = document.querySelector(".sl-dialog");
    // The body's own height, not the document's: that never shrinks below the iframe's height.
    const height = Math.ceil(Math.max(document.body.offsetHeight, dialog ? dialog.scrollHeight + 48 : 0));
    if (height === state.height) return;
    state.height = height;
    post("resize", { height: height });
  }

  // Warehouse times are UTC text ("2026-04-14 10:00:00.123"); shown in the session's time zone.
  function formatTime(text) {
    const date = new Date(String(text).replace(" ", "T") + "Z");
    if (Number.isNaN(date.getTime())) return String(text);
    return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium", timeZone: config.timezone }).format(date);
  }

  function formatNumber(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return "—";
    const abs = Math.abs(value);
    if (abs >= 10000) return new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 }).format(value);
    return new Intl.NumberFormat(undefined, { maximumFractionDigits: abs < 10 ? 2 : 1 }).format(value);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
})();
