// The dashboard switcher of a session for several dashboards (`dashboard_ids`): a labelled
// native <select>, so the keyboard works as everywhere (Tab to it, arrows, Enter), listing the
// session's published dashboards by name. Opening one loads its page in this frame with the
// same session; the server refuses any dashboard outside the session (404).
import { el } from "@sightline/charts";

/** The switcher's <label>, or null when the session opens one dashboard only. */
export function dashboardSwitcher(config, open) {
  const boards = config.dashboards || [];
  if (boards.length < 2) return null;
  const label = el("label", "sl-filter sl-switcher");
  label.appendChild(el("span", "sl-filter-label", "Dashboard"));
  const select = document.createElement("select");
  select.className = "sl-switcher-select";
  boards.forEach(function (board) {
    const option = document.createElement("option");
    option.value = board.id;
    option.textContent = board.name;
    option.selected = board.id === config.dashboard.id;
    select.appendChild(option);
  });
  select.addEventListener("change", function () { open(select.value); });
  label.appendChild(select);
  return label;
}

/** Whether `id` is one of the session's dashboards other than the open one. */
export function canOpen(config, id) {
  return id !== config.dashboard.id && (config.dashboards || []).some(function (b) { return b.id === id; });
}

/** The frame's address for dashboard `id`: the page takes the token from it once and removes
 * it, and reads the helper's origin from the fragment, as on the first load. */
export function dashboardUrl(id, token, parentOrigin) {
  const url = new URL("/embed/" + encodeURIComponent(id), window.location.origin);
  url.searchParams.set("token", token);
  if (parentOrigin) url.hash = "sl_origin=" + encodeURIComponent(parentOrigin);
  return url.toString();
}
