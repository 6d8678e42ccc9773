// @sightline/charts without a browser (the digest e-mails): each widget becomes what its card
// shows — the chart as SVG from the same ECharts option the browser draws (ECharts' server-side
// SVG renderer), and the KPI, list, table and funnel texts from the same formatting as the cards.
// No DOM: the caller (scripts/chart-worker.mjs) rasterizes the SVG and lays the texts out.
import { BarChart, LineChart, PieChart } from "echarts/charts";
import { GridComponent, LegendComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";
import { funnelNote } from "./cards/funnel.js";
import { progressText } from "./cards/kpi.js";
import { sparklineLabel, sparklinePath } from "./cards/sparkline.js";
import { breakdownOption } from "./charts/breakdown.js";
import { timeseriesOption } from "./charts/timeseries.js";
import { columnLabel, formatChange, formatNumber, formatTime, setLocale } from "./format.js";
import { MODE_COLORS, palette } from "./palette.js";
import { STATE_TEXT, isEmpty, needsCharts } from "./states.js";

echarts.use([LineChart, BarChart, PieChart, GridComponent, LegendComponent, SVGRenderer]);

const OPTIONS = { timeseries: timeseriesOption, breakdown: breakdownOption };
export const CHART_WIDTH = 560;
export const SPARKLINE_SIZE = { width: 160, height: 32 }; // CSS pixels under a digest's KPI
const TABLE_ROWS = 20;

/** The chart's height in CSS pixels at `width`: bars grow with their rows, the others keep
 * one shape. */
export function chartHeight(widget, data, width = CHART_WIDTH) {
  if (widget.kind === "breakdown" && widget.chart !== "pie" && widget.chart !== "donut") {
    return Math.max(120, Math.min(480, 24 + 30 * (data.rows || []).length));
  }
  return Math.round(width * 0.46);
}

/** One widget's chart as an SVG document (the option of createWidgetView, without animation). */
export function chartSvg(widget, data, { theme = {}, width = CHART_WIDTH, height } = {}) {
  const colors = MODE_COLORS[theme.mode === "dark" ? "dark" : "light"];
  const size = { width, height: height || chartHeight(widget, data, width) };
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, ...size });
  try {
    const option = OPTIONS[widget.kind](widget, data, { theme, colors, width });
    delete option.tooltip; // nothing to hover in an image
    chart.setOption({ ...option, animation: false, backgroundColor: colors.card });
    return { svg: chart.renderToSVGString(), ...size };
  } finally {
    chart.dispose();
  }
}

/**
 * What one widget's card shows, as data: `{kind, empty, text?, svg?, width?, height?, kpi?,
 * rows?, table?, steps?}`. Numbers are formatted in `locale` (a BCP 47 tag; none: en-US-like
 * defaults) with the widget's `format`, exactly as the cards format them.
 */
export function widgetCard(widget, data, { theme = {}, locale, width } = {}) {
  setLocale(locale);
  const out = { kind: widget.kind, empty: isEmpty(widget, data) };
  if (out.empty) return { ...out, text: STATE_TEXT.empty };
  if (widget.kind === "breakdown") out.rows = breakdownRows(widget, data); // also the e-mail's plain text
  if (needsCharts(widget)) return { ...out, ...chartSvg(widget, data, { theme, width }) };
  if (widget.kind === "kpi") {
    const kpi = { value: formatNumber(data.value, widget.format), change: formatChange(data.value, data.previous) };
    if (widget.chart === "progress" && widget.target) {
      kpi.progress = { ratio: Math.max(0, Math.min(1, data.value / widget.target)), text: progressText(widget, data.value) };
    }
    if (widget.chart === "sparkline" && Array.isArray(data.points)) kpi.sparkline = sparklineSvg(widget, data.points, theme);
    return { ...out, kpi };
  }
  if (widget.kind === "breakdown") return out;
  if (widget.kind === "funnel") {
    return {
      ...out,
      steps: data.steps.map((step, index) => ({
        name: `${index + 1}. ${step.event}`,
        users: formatNumber(step.users, widget.format),
        share: step.conversion || 0,
        note: funnelNote(step, index),
      })),
    };
  }
  if (widget.kind === "table") {
    const numeric = data.columns.map((_, i) => typeof data.rows[0][i] === "number");
    return {
      ...out,
      table: {
        columns: data.columns.map((c, i) => ({ label: columnLabel(c), numeric: numeric[i] })),
        rows: data.rows.slice(0, TABLE_ROWS).map((row) => row.map((cell) => (typeof cell === "number" ? formatNumber(cell, widget.format) : String(cell)))),
        more: Math.max(0, data.rows.length - TABLE_ROWS),
      },
    };
  }
  return { ...out, empty: true, text: `Unknown widget kind ${widget.kind}.` };
}

/** A KPI's sparkline as an SVG document: the card's own line (sparklinePath), in the theme's
 * primary colour, on the mode's card colour; `label` is the image's alt text. */
export function sparklineSvg(widget, points, theme = {}) {
  const { width, height } = SPARKLINE_SIZE;
  const colors = MODE_COLORS[theme.mode === "dark" ? "dark" : "light"];
  const d = sparklinePath(points, width, height);
  const line = d ? `<path d="${d}" fill="none" stroke="${palette(theme.primaryColor)[0]}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/>` : "";
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="${colors.card}"/>${line}</svg>`;
  return { svg, width, height, label: sparklineLabel(widget, points) };
}

function breakdownRows(widget, data) {
  const max = Math.max(...data.rows.map((r) => Math.abs(r.value)), 1);
  return data.rows.map((r) => ({ key: r.key, value: formatNumber(r.value, widget.format), share: Math.abs(r.value) / max }));
}

export { MODE_COLORS, STATE_TEXT, formatTime, setLocale };
