// A KPI's sparkline: its value per bucket over the period as a small SVG line (no ECharts, so
// it shows with the card), in the theme's primary colour; buckets without a value are gaps.
import { formatNumber } from "../format.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 120;
const HEIGHT = 32;

/** The line's SVG path over a `width` x `height` box: buckets without a value are gaps. The
 * embed's card and the digest e-mail's image (server.js) draw this one path. */
export function sparklinePath(points, width = WIDTH, height = HEIGHT) {
  const values = points.map((p) => p[1]).filter(present);
  if (!values.length) return "";
  const low = Math.min(...values);
  const high = Math.max(...values);
  const x = (i) => (points.length > 1 ? (i / (points.length - 1)) * width : width / 2);
  const y = (v) => (high === low ? height / 2 : 2 + (1 - (v - low) / (high - low)) * (height - 4));
  let d = "";
  let drawing = false;
  points.forEach((p, i) => {
    const v = p[1];
    if (!present(v)) { drawing = false; return; }
    d += `${drawing ? "L" : "M"}${x(i).toFixed(2)} ${y(v).toFixed(2)}`;
    drawing = true;
  });
  return d;
}

/** What the line says to a screen reader (and as the e-mail image's alt text). */
export function sparklineLabel(widget, points) {
  const values = points.map((p) => p[1]).filter(present);
  const first = values.length ? formatNumber(values[0], widget.format) : "—";
  const last = values.length ? formatNumber(values[values.length - 1], widget.format) : "—";
  return `Trend over the period, ${points.length} points: from ${first} to ${last}`;
}

function present(v) {
  return v !== null && v !== undefined && !Number.isNaN(v);
}

export function sparkline(widget, points) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "sl-sparkline");
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", sparklineLabel(widget, points));
  const d = sparklinePath(points);
  if (!d) return svg;
  const area = document.createElementNS(SVG, "path");
  area.setAttribute("class", "sl-sparkline-line");
  area.setAttribute("d", d);
  area.setAttribute("vector-effect", "non-scaling-stroke");
  svg.appendChild(area);
  svg.dataset.points = String(points.length);
  return svg;
}
