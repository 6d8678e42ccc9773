// The embed page's drill-down panel (the newest events behind a clicked point) and CSV export.
import { el, formatTime } from "@sightline/charts";

/** A dialog over the page; `show(node)` fills it. `onChange` runs when it opens, fills or closes. */
export function openPanel(title, onChange) {
  const overlay = el("div", "sl-overlay");
  const dialog = el("div", "sl-dialog");
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-label", title);
  const head = el("div", "sl-dialog-head");
  const close = el("button", "sl-close", "×");
  close.type = "button";
  close.setAttribute("aria-label", "Close");
  close.addEventListener("click", () => { overlay.remove(); onChange(); });
  head.append(el("h2", "sl-card-title", title), close);
  const body = el("div", "sl-dialog-body");
  body.appendChild(el("div", "sl-state sl-state-loading", "Loading…"));
  dialog.append(head, body);
  overlay.appendChild(dialog);
  overlay.addEventListener("click", (e) => { if (e.target === overlay) close.click(); });
  document.addEventListener("keydown", function onKey(e) {
    if (e.key === "Escape") { close.click(); document.removeEventListener("keydown", onKey); }
  });
  document.body.appendChild(overlay);
  close.focus();
  return { show: (node) => { body.replaceChildren(node); onChange(); } };
}

export function eventsTable(result, timeZone) {
  if (!result.rows.length) return el("p", "sl-state sl-state-empty", "No matching events.");
  const table = el("table", "sl-table sl-events");
  const head = el("tr");
  ["Time", "User", "Properties"].forEach((name) => head.appendChild(el("th", null, name)));
  const thead = el("thead");
  thead.appendChild(head);
  const tbody = el("tbody");
  result.rows.forEach((row) => {
    const tr = el("tr");
    const props = Object.assign({}, row.string_props || {}, row.numeric_props || {});
    const text = Object.keys(props).map((k) => k + "=" + props[k]).join("  ");
    tr.append(el("td", "sl-time", formatTime(row.timestamp, timeZone)), el("td", null, row.user_id || "—"), el("td", "sl-props", text));
    tbody.appendChild(tr);
  });
  table.append(thead, tbody);
  const scroller = el("div", "sl-table-scroll");
  scroller.appendChild(table);
  if (result.rows.length >= result.limit) scroller.appendChild(el("p", "sl-note", "Showing the newest " + result.limit + " events."));
  return scroller;
}

export function download(blob, filename) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
}
