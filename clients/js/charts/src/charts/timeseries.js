// Time series (line, area, bar; one series per group when split; the previous period as a
// dashed line under it): the ECharts option and what a click on a point means for drill-down.
import { TIME_LABELS, formatAxis, formatBucket, formatChange, formatNumber } from "../format.js";
import { palette } from "../palette.js";

const BUCKET_SECONDS = { hour: 3600, day: 86400, week: 7 * 86400 };
export const PREVIOUS_PERIOD = "Previous period";

export function timeseriesOption(widget, data, look) {
  const kind = widget.chart === "bar" || widget.chart === "stacked_bar" ? "bar" : "line";
  const stacked = widget.chart === "stacked_bar" || widget.chart === "stacked_area" || (kind === "bar" && data.series.length > 1);
  const filled = widget.chart === "area" || widget.chart === "stacked_area";
  const series = (data.series || []).map((s) => ({
    name: data.previous && s.name === "all" ? "This period" : s.name,
    type: kind,
    stack: stacked ? "total" : undefined,
    showSymbol: false,
    smooth: false,
    areaStyle: filled ? { opacity: stacked ? 0.5 : 0.18 } : undefined,
    data: s.points.map((p) => [p[0], p[1]]),
  }));
  const { muted, border } = look.colors;
  if (data.previous) series.push(previousSeries(data.previous, muted, kind === "bar"));
  const legend = legendLayout(series, look.width, look.height, muted);
  const width = look.width || 600;
  return {
    color: palette(look.theme.primaryColor),
    textStyle: { fontFamily: look.theme.fontFamily },
    // Legends wrap (plain, full width): the grid starts below as many rows as they need.
    grid: { left: 8, right: 16, top: series.length > 1 ? 14 + 20 * legend.rows : 12, bottom: 8, containLabel: true },
    legend: series.length > 1 ? legend.option : undefined,
    tooltip: data.previous
      ? { trigger: "axis", formatter: (params) => comparedTooltip(widget, data, params) }
      : { trigger: "axis", valueFormatter: (v) => formatNumber(v, widget.format) },
    // Fewer ticks where there is less room; labels that would still touch are hidden.
    xAxis: { type: "time", splitNumber: Math.max(2, Math.floor(width / 110)), axisLabel: { color: muted, hideOverlap: true, formatter: TIME_LABELS }, axisLine: { lineStyle: { color: border } } },
    yAxis: { type: "value", splitNumber: (look.height || 240) < 160 ? 2 : 4, axisLabel: { color: muted, hideOverlap: true, formatter: (v) => formatAxis(v, widget.format) }, splitLine: { lineStyle: { color: border } } },
    series,
  };
}

/** The previous period: a dashed, muted line (never stacked or filled). */
function previousSeries(previous, muted, overBars) {
  return {
    name: PREVIOUS_PERIOD,
    type: "line",
    showSymbol: false,
    z: overBars ? 3 : 1, // over bars (else hidden behind them), under a current line
    color: muted,
    lineStyle: { type: "dashed", width: 1.5, color: muted, opacity: 0.9 },
    emphasis: { disabled: true },
    silent: true, // not clickable: drill-down reads this period only (the tooltip still shows it)
    data: previous.points.map((p) => [p[0], p[1]]),
  };
}

function periodShift(previous) {
  return new Date(previous.to).getTime() - new Date(previous.from).getTime();
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Both values of the hovered bucket, the previous one's own date, and the change. */
function comparedTooltip(widget, data, params) {
  const list = Array.isArray(params) ? params : [params];
  if (!list.length) return "";
  const at = list[0].value[0];
  const current = list.find((p) => p.seriesName !== PREVIOUS_PERIOD);
  const before = list.find((p) => p.seriesName === PREVIOUS_PERIOD);
  const earlier = new Date(new Date(at).getTime() - periodShift(data.previous)).toISOString();
  const line = (p, label) => `<div>${p.marker}${escape(label)}: <b>${escape(formatNumber(p.value[1], widget.format))}</b></div>`;
  let html = `<div>${escape(formatBucket(at, data.bucket))}</div>`;
  if (current) html += line(current, widget.title || "This period");
  if (before) html += line(before, `${PREVIOUS_PERIOD} (${formatBucket(earlier, data.bucket)})`);
  if (current && before && current.value[1] !== null && before.value[1] !== null) {
    const change = formatChange(current.value[1], before.value[1]);
    html += `<div class="sl-change sl-${change.direction}">${escape(change.text)}</div>`;
  }
  return html;
}

/** A legend that wraps over up to three rows, or scrolls (one row, paged) when it would take
 * more, or more than a quarter of a short chart. */
function legendLayout(series, width, height, muted) {
  const rows = legendRows(series, width);
  const scroll = rows > 3 || (rows > 1 && rows * 20 > (height || 300) * 0.25);
  return {
    rows: scroll ? 1 : rows,
    option: { type: scroll ? "scroll" : "plain", top: 0, left: 0, right: 0, itemGap: 12, textStyle: { color: muted }, pageTextStyle: { color: muted } },
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
