// A widget card: title and body, placed on the 12-column grid by its layout.
import { createElement as h, useRef } from "react";
import { WidgetBody } from "./widget-body.js";

export function WidgetCard({ widget, data, loading, error, theme, onDrill, onDrawn, placed = true, style }) {
  const card = useRef(null);
  const layout = widget.layout || { x: 0, y: 0, w: 12, h: 4 };
  const position = placed ? { "--x": layout.x + 1, "--w": layout.w, "--y": layout.y + 1, "--h": layout.h } : {};
  const drill = onDrill ? (clicked) => onDrill(Object.assign({ widget: widget.id }, clicked)) : null;
  return h(
    "section",
    { ref: card, className: `sl-card sl-kind-${widget.kind} sl-chart-${widget.chart}`, "data-widget": widget.id, "data-state": "loading", style: Object.assign(position, style) },
    h("div", { className: "sl-card-head" }, h("h2", { className: "sl-card-title" }, widget.title)),
    h(WidgetBody, { widget, data, loading, error, theme, onDrill: drill, onDrawn, stateHost: card }),
  );
}
