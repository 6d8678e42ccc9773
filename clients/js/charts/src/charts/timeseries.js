// Time series (line, area, bar; one series per group when split): the ECharts option and what
// a click on a point means for drill-down.
import { TIME_LABELS, formatAxis, formatNumber } from "../format.js";
import { palette } from "../palette.js";

const BUCKET_SECONDS = { hour: 3600, day: 86400, week: 7 * 86400 };

export function timeseriesOption(widget, data, look) {
  const kind = widget.chart === "bar" || widget.chart === "stacked_bar" ? "bar" : "line";
  const stacked = widget.chart === "stacked_bar" || widget.chart === "stacked_area" || (kind === "bar" && data.series.length > 1);
  const filled = widget.chart === "area" || widget.chart === "stacked_area";
  const series = (data.series || []).map((s) => ({
    name: s.name,
    type: kind,
    stack: stacked ? "total" : undefined,
    showSymbol: false,
    smooth: false,
    areaStyle: filled ? { opacity: stacked ? 0.5 : 0.18 } : undefined,
    data: s.points.map((p) => [p[0], p[1]]),
  }));
  const { muted, border } = look.colors;
  return {
    color: palette(look.theme.primaryColor),
    textStyle: { fontFamily: look.theme.fontFamily },
    // Legends wrap (plain, full width): the grid starts below as many rows as they need.
    grid: { left: 8, right: 16, top: series.length > 1 ? 14 + 20 * legendRows(series, look.width) : 12, bottom: 8, containLabel: true },
    legend: series.length > 1 ? { type: "plain", top: 0, left: 0, right: 0, itemGap: 12, textStyle: { color: muted } } : undefined,
    tooltip: { trigger: "axis", valueFormatter: (v) => formatNumber(v, widget.format) },
    xAxis: { type: "time", axisLabel: { color: muted, hideOverlap: true, formatter: TIME_LABELS }, axisLine: { lineStyle: { color: border } } },
    yAxis: { type: "value", axisLabel: { color: muted, formatter: (v) => formatAxis(v, widget.format) }, splitLine: { lineStyle: { color: border } } },
    series,
  };
}

/** Rows a wrapping legend needs at `width` px (about 7 px a character plus the swatch). */
function legendRows(series, width) {
  const available = Math.max(120, (width || 600) - 24);
  let rows = 1;
  let used = 0;
  series.forEach((s) => {
    const item = 36 + 7 * String(s.name).length;
    if (used && used + item > available) { rows += 1; used = 0; }
    used += item;
  });
  return rows;
}

/** A click on a point -> {dimension?, value?, point_from, point_to}: the bucket, and the series
 * when it is a group (not the "all" or "other" series). */
export function timeseriesClick(widget, data, params) {
  const point = bucketWindow(params.value[0], data.bucket);
  const dimension = widget.group_by && widget.group_by[0];
  const grouped = dimension && params.seriesName !== "all" && params.seriesName !== "other";
  return Object.assign(grouped ? { dimension, value: params.seriesName } : {}, point);
}

export function bucketWindow(at, bucket) {
  const start = new Date(at);
  let end;
  if (bucket === "month") end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  else end = new Date(start.getTime() + (BUCKET_SECONDS[bucket] || 3600) * 1000);
  return { point_from: start.toISOString(), point_to: end.toISOString() };
}
