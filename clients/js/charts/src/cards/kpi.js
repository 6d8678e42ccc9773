// KPI cards: the value, its change against the previous period, and a target bar (progress)
// or a sparkline of the period (sparkline).
import { el } from "../dom.js";
import { formatChange, formatNumber } from "../format.js";
import { sparkline } from "./sparkline.js";

export function kpiCard(widget, data) {
  const box = el("div", "sl-kpi");
  const value = el("div", "sl-kpi-value", formatNumber(data.value, widget.format));
  value.dataset.value = String(data.value);
  box.appendChild(value);
  const change = formatChange(data.value, data.previous);
  box.appendChild(el("div", `sl-change sl-${change.direction}`, change.text));
  if (widget.chart === "sparkline" && Array.isArray(data.points)) box.appendChild(sparkline(widget, data.points));
  if (widget.chart === "progress" && widget.target) {
    const ratio = Math.max(0, Math.min(1, data.value / widget.target));
    const bar = el("div", "sl-progress");
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-valuenow", String(Math.round(ratio * 100)));
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    const fill = el("div", "sl-progress-fill");
    fill.style.width = (ratio * 100).toFixed(1) + "%";
    bar.appendChild(fill);
    box.appendChild(bar);
    box.appendChild(el("div", "sl-progress-label", progressText(widget, data.value)));
  }
  return box;
}

/** A progress KPI's share of its target, as text. */
export function progressText(widget, value) {
  return `${Math.round((value / widget.target) * 100)}% of the ${formatNumber(widget.target, widget.format)} target`;
}
