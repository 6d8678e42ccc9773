// A host page for the browser tests and the benchmark, built by Vite: the scenario comes from
// the URL fragment (JSON). Everything the components report lands in window.events;
// window.update(patch) re-renders with new props (filters, period, theme) without a reload.
import { createElement as h, useState } from "react";
import { createRoot } from "react-dom/client";
import { SightlineDashboard, SightlineProvider, SightlineWidget, useSightlineData } from "@sightline/react";
import "@sightline/react/styles.css";
import { SightlineEmbedFrame } from "@sightline/embed/react";
import { create } from "@sightline/embed";

const scenario = JSON.parse(decodeURIComponent(location.hash.slice(1)) || "{}");
window.events = [];
window.loadedAt = performance.now();
window.marker = Math.random(); // a reload would change it
const record = (type) => (payload) => window.events.push({ type, payload: JSON.parse(JSON.stringify(payload || {})), at: performance.now() });

let tokenCalls = 0;
const fetchToken = scenario.tokenUrl
  ? async () => {
      tokenCalls += 1;
      window.tokenCalls = tokenCalls;
      const response = await fetch(`${scenario.tokenUrl}?n=${tokenCalls}`);
      return (await response.json()).token;
    }
  : undefined;
const fetchEmbedUrl = scenario.embedUrlSource
  ? async () => {
      window.embedUrlCalls = (window.embedUrlCalls || 0) + 1;
      const response = await fetch(`${scenario.embedUrlSource}?n=${window.embedUrlCalls}`);
      if (!response.ok) throw new Error(`the backend answered ${response.status}`);
      return (await response.json()).embedUrl;
    }
  : undefined;

function KpiText({ widgetId }) {
  const { data, loading, error } = useSightlineData({ widgetId });
  const text = error ? `error:${error.code}` : loading ? "loading" : String(data && data.value);
  return h("p", { id: "hook-value" }, text);
}

function App() {
  const [props, setProps] = useState(scenario.props || {});
  window.update = (patch) => setProps((current) => Object.assign({}, current, patch));
  if (scenario.mode === "frame") {
    return h(SightlineEmbedFrame, {
      embedUrl: scenario.embedUrl, fetchEmbedUrl, handshakeTimeout: scenario.handshakeTimeout, refreshBefore: scenario.refreshBefore,
      filters: props.filters, theme: props.theme, dashboardId: props.dashboardId, className: "frame-box", containerStyle: { width: "1100px" },
      onReady: record("ready"), onDrill: record("drill"), onFilter: record("filter"), onError: record("error"),
    });
  }
  return h(SightlineProvider, { host: scenario.host, token: scenario.token, fetchToken, dashboardId: scenario.dashboardId },
    scenario.widgetOnly ? null : h(SightlineDashboard, {
      period: props.period, filters: props.filters, theme: props.theme,
      onReady: record("ready"), onDrill: record("drill"), onError: record("error"), onFilterChange: record("filter"),
    }),
    scenario.widgetId ? h("aside", { id: "single", style: { width: "320px", padding: "8px" } },
      h(SightlineWidget, { widgetId: scenario.widgetId, period: props.period, filters: props.filters, onError: record("widget-error"), onReady: record("widget-ready") }),
      h(KpiText, { widgetId: scenario.widgetId })) : null);
}

if (scenario.mode === "helper") {
  const box = document.getElementById("app");
  box.style.width = "1100px";
  const embed = create({ container: box, embedUrl: scenario.embedUrl, fetchEmbedUrl, handshakeTimeout: scenario.handshakeTimeout, refreshBefore: scenario.refreshBefore });
  window.embed = embed;
  ["ready", "resize", "drill", "filter", "session", "error", "inactive"].forEach((name) => embed.on(name, record(name)));
} else if (scenario.mode) {
  createRoot(document.getElementById("app")).render(h(App));
}
