// The embed page's drill-down panel (the newest events behind a clicked point) and CSV export.
import { el, formatNumber, formatTime } from "@sightline/charts";

let viewport = null; // {top, height}: the part of this frame the viewer sees (from the helper)

/** The helper tells the frame which part of it is on screen (it grows the frame to its content). */
export function setViewport(next) {
  const top = Number(next.top);
  const height = Number(next.height);
  viewport = Number.isFinite(top) && Number.isFinite(height) && height > 80 ? { top, height } : null;
}

/** A dialog over the page; `show(node)` fills it. `onChange` runs when it opens, fills or closes.
 * It opens in the part of the frame the viewer sees (the helper's viewport), else the frame's. */
export function openPanel(title, onChange) {
  const overlay = el("div", "sl-overlay");
  if (viewport) {
    overlay.style.top = viewport.top + "px";
    overlay.style.bottom = "auto";
    overlay.style.height = viewport.height + "px";
  }
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
  // One column per property (string ones first, then numbers), in every row's union of keys.
  const strings = new Set();
  const numbers = new Set();
  result.rows.forEach((row) => {
    Object.keys(row.string_props || {}).forEach((key) => strings.add(key));
    Object.keys(row.numeric_props || {}).forEach((key) => numbers.add(key));
  });
  const columns = [...[...strings].sort(), ...[...numbers].sort().filter((key) => !strings.has(key))];
  const head = el("tr");
  ["Time", "User", ...columns].forEach((name, index) => head.appendChild(el("th", index > 1 && numbers.has(name) && !strings.has(name) ? "sl-num" : null, name)));
  const thead = el("thead");
  thead.appendChild(head);
  const tbody = el("tbody");
  result.rows.forEach((row) => {
    const tr = el("tr");
    tr.append(el("td", "sl-time", formatTime(row.timestamp, timeZone)), el("td", null, row.user_id || "—"));
    columns.forEach((key) => {
      const text = (row.string_props || {})[key];
      const number = (row.numeric_props || {})[key];
      if (text !== undefined) tr.appendChild(el("td", "sl-prop", String(text)));
      else if (number !== undefined) tr.appendChild(el("td", "sl-num", formatNumber(number)));
      else tr.appendChild(el("td", "sl-muted", "—"));
    });
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
