// The builder preview: every tile's body is drawn by @sightline/charts from the JSON the
// server put beside it (widget-<id>, data-<id>), the same renderer (and number formatting) as the embed page, so the
// builder shows what a tenant sees. Re-runs after every HTMX swap of the preview.
import { createWidgetView } from "@sightline/charts";
import "./grid.js"; // drag-and-drop layout of the same preview grid

const views = new Map(); // node -> view

function themeOf(node) {
  const grid = node.closest(".preview-grid");
  if (!grid) return {};
  return { primaryColor: grid.dataset.primary || undefined, mode: grid.dataset.mode, fontFamily: grid.style.fontFamily || undefined };
}

function draw(root) {
  root.querySelectorAll("[data-render]").forEach((node) => {
    const widgetSource = document.getElementById("widget-" + node.dataset.render);
    const dataSource = document.getElementById("data-" + node.dataset.render);
    if (!widgetSource || !dataSource || views.has(node)) return;
    const widget = JSON.parse(widgetSource.textContent);
    const data = JSON.parse(dataSource.textContent);
    const view = createWidgetView(node, widget, { theme: themeOf(node) });
    views.set(node, view);
    view.render(data);
  });
}

function forget(root) {
  views.forEach((view, node) => {
    if (root.contains(node) || !node.isConnected) {
      view.dispose();
      views.delete(node);
    }
  });
}

document.addEventListener("htmx:beforeSwap", (event) => forget(event.detail.target || document.body));
document.addEventListener("htmx:afterSettle", (event) => draw(event.detail.elt || document));
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => draw(document));
else draw(document);
