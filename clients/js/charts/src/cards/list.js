// Breakdown as a ranked list with proportional bars.
import { el } from "../dom.js";
import { formatNumber } from "../format.js";

export function listCard(widget, data, onDrill) {
  const max = Math.max(...data.rows.map((r) => Math.abs(r.value)), 1);
  const list = el("ol", "sl-list");
  data.rows.forEach((row) => {
    const item = el("li", "sl-list-row");
    const bar = el("span", "sl-list-bar");
    bar.style.width = ((Math.abs(row.value) / max) * 100).toFixed(1) + "%";
    item.append(bar, el("span", "sl-list-key", row.key), el("span", "sl-list-value", formatNumber(row.value, widget.format)));
    if (onDrill) {
      item.tabIndex = 0;
      item.classList.add("sl-clickable");
      const open = () => onDrill({ dimension: widget.group_by[0], value: row.key });
      item.addEventListener("click", open);
      item.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
    }
    list.appendChild(item);
  });
  return list;
}
