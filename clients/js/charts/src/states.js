// Which widgets need ECharts, when a widget's data counts as empty, and the state boxes shown
// instead of a widget (loading, empty, error).
import { el } from "./dom.js";

export function needsCharts(widget) {
  return widget.kind === "timeseries" || (widget.kind === "breakdown" && widget.chart !== "list");
}

export function isEmpty(widget, data) {
  if (!data) return true;
  if (widget.kind === "kpi") return data.value === null || data.value === undefined;
  if (widget.kind === "funnel") return !(data.steps || []).length || !data.steps[0].users;
  if (widget.kind === "timeseries") return !(data.series || []).some((s) => s.points.some((p) => p[1]));
  return !(data.rows || []).length;
}

export const STATE_TEXT = { loading: "Loading…", empty: "No data for this period.", error: "This widget could not be loaded; try again shortly." };

export function stateBox(kind, message) {
  const box = el("div", `sl-state sl-state-${kind}`, message || STATE_TEXT[kind]);
  if (kind === "loading") box.setAttribute("aria-busy", "true");
  return box;
}
