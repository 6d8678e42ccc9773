// Funnels: one bar per ordered step, as wide as its share of the first step, with the users
// who reached it, its conversion from the first step and the drop from the step before.
import { el } from "../dom.js";
import { formatNumber } from "../format.js";

const PERCENT = { unit: "percent", decimals: 1 };

export function funnelCard(widget, data) {
  const list = el("ol", "sl-funnel");
  list.setAttribute("aria-label", `${widget.title || "Funnel"}: users per step`);
  data.steps.forEach((step, index) => {
    const item = el("li", "sl-funnel-step");
    const head = el("div", "sl-funnel-head");
    head.append(el("span", "sl-funnel-name", `${index + 1}. ${step.event}`), el("span", "sl-funnel-users", formatNumber(step.users, widget.format)));
    const track = el("div", "sl-funnel-track");
    const bar = el("div", "sl-funnel-bar");
    bar.style.width = ((step.conversion || 0) * 100).toFixed(1) + "%";
    track.appendChild(bar);
    item.append(head, track, el("div", "sl-funnel-note", funnelNote(step, index)));
    list.appendChild(item);
  });
  return list;
}

/** A step's conversion line: from the first step and from the step before. */
export function funnelNote(step, index) {
  if (step.conversion === null) return "—";
  if (index === 0) return "100% · first step";
  if (index === 1) return `${formatNumber(step.conversion, PERCENT)} of step 1`;
  return `${formatNumber(step.conversion, PERCENT)} of step 1 · ${formatNumber(step.step_conversion, PERCENT)} of step ${index}`;
}
