// The builder preview's drag-and-drop layout. On a wide screen an editor's preview grid (the
// server's CSS grid of the spec's boxes, data-layout-url set) becomes a 12-column gridstack grid
// with resize handles; each drop or resize posts every widget's box to that URL through htmx,
// which answers with the side panel (the open widget's number fields show the saved box) and
// HX-Trigger draft-changed, on which the preview reloads. Before htmx swaps a preview out, its
// grid is destroyed, so no listener outlives its grid. Narrow screens keep the CSS grid's
// single column (nothing to drag there: the move buttons order the widgets).
const WIDE = window.matchMedia("(min-width: 761px)");
const ROW_PX = 56; // console.css: .preview-grid's grid-auto-rows
const GAP_PX = 12; // and its gap (.75rem)
const grids = new Map(); // grid element -> GridStack
let library = null;

function gridStack() {
  library = library || import("gridstack").then((module) => module.GridStack);
  return library;
}

function boxes(grid) {
  return grid.engine.nodes.map((node) => ({ id: node.id, x: node.x, y: node.y, w: node.w, h: node.h }));
}

function save(element, grid) {
  const side = document.getElementById("builder-side");
  const editor = document.getElementById("widget-editor");
  window.htmx.ajax("POST", element.dataset.layoutUrl, {
    source: side, // its hx-target / hx-swap, and the CSRF header of <body>
    target: "#builder-side",
    swap: "outerHTML",
    values: { layout: JSON.stringify(boxes(grid)), selected: (editor && editor.dataset.widgetId) || "" },
  });
}

async function start(root) {
  if (!WIDE.matches || !window.htmx) return;
  const elements = Array.from(root.querySelectorAll(".preview-grid[data-layout-url]"));
  if (!elements.length) return;
  const GridStack = await gridStack();
  elements.forEach((element) => {
    if (grids.has(element) || !element.isConnected) return;
    element.classList.add("grid-stack");
    const grid = GridStack.init(
      {
        column: 12,
        cellHeight: ROW_PX + GAP_PX,
        margin: GAP_PX / 2,
        float: true, // boxes stay where the spec puts them: the preview shows what embeds show
        animate: false,
        resizable: { handles: "e, se, s, sw, w" },
        draggable: { cancel: "a, button, input, select, textarea, option" },
      },
      element,
    );
    grid.on("change", () => save(element, grid));
    grids.set(element, grid);
  });
}

function stop(root) {
  grids.forEach((grid, element) => {
    if (root.contains(element) || !element.isConnected) {
      grid.destroy(false);
      grids.delete(element);
    }
  });
}

document.addEventListener("htmx:beforeSwap", (event) => stop(event.detail.target || document.body));
document.addEventListener("htmx:afterSettle", (event) => start(event.detail.elt || document));
// Crossing the breakpoint re-renders the preview, which starts or skips the grid for the new width.
WIDE.addEventListener("change", () => document.body.dispatchEvent(new CustomEvent("preview-changed")));
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => start(document));
else start(document);
