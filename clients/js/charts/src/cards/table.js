// Tables: sortable columns (click or Enter on a header), numbers right-aligned and formatted.
import { el } from "../dom.js";
import { columnLabel, formatNumber } from "../format.js";

/** `sort` is {column, direction} (kept by the caller across redraws); `onSort(next)` redraws. */
export function tableCard(widget, data, { sort, onSort, onDrill }) {
  const rows = data.rows.slice();
  if (sort.column !== null) rows.sort((a, b) => compare(a[sort.column], b[sort.column]) * sort.direction);
  const table = el("table", "sl-table");
  const headRow = el("tr");
  data.columns.forEach((column, index) => {
    const numeric = data.rows.length && typeof data.rows[0][index] === "number";
    const th = el("th", numeric ? "sl-num" : null, columnLabel(column));
    th.title = String(column);
    th.scope = "col";
    th.tabIndex = 0;
    th.setAttribute("aria-sort", sort.column === index ? (sort.direction > 0 ? "ascending" : "descending") : "none");
    const toggle = () => onSort({ column: index, direction: sort.column === index ? -sort.direction : -1 });
    th.addEventListener("click", toggle);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter") toggle(); });
    headRow.appendChild(th);
  });
  const thead = el("thead");
  thead.appendChild(headRow);
  const tbody = el("tbody");
  rows.forEach((row) => {
    const tr = el("tr");
    row.forEach((cell) => tr.appendChild(el("td", typeof cell === "number" ? "sl-num" : null, typeof cell === "number" ? formatNumber(cell, widget.format) : String(cell))));
    if (onDrill && widget.group_by.length) {
      tr.classList.add("sl-clickable");
      tr.addEventListener("click", () => onDrill({ dimension: widget.group_by[0], value: String(row[0]) }));
    }
    tbody.appendChild(tr);
  });
  table.append(thead, tbody);
  const scroller = el("div", "sl-table-scroll");
  scroller.appendChild(table);
  return scroller;
}

function compare(a, b) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}
