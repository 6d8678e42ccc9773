// Time series (line, area, bar; one series per group when split): the ECharts option and what
// a click on a point means for drill-down.
import { TIME_LABELS, formatAxis, formatNumber } from "../format.js";
import { palette } from "../palette.js";

const BUCKET_SECONDS = { hour: 3600, day: 86400, week: 7 * 86400 };

export function timeseriesOption(widget, data, look) {
  const kind = widget.chart === "bar" ? "bar" : "line";
  const series = (data.series || []).map((s) => ({
    name: s.name,
    type: kind,
    stack: kind === "bar" && data.series.length > 1 ? "total" : undefined,
    showSymbol: false,
    smooth: false,
    areaStyle: widget.chart === "area" ? { opacity: 0.18 } : undefined,
    data: s.points.map((p) => [p[0], p[1]]),
  }));
  const { muted, border } = look.colors;
  return {
    color: palette(look.theme.primaryColor),
    textStyle: { fontFamily: look.theme.fontFamily },
    grid: { left: 8, right: 16, top: series.length > 1 ? 30 : 12, bottom: 8, containLabel: true },
    legend: series.length > 1 ? { type: "scroll", top: 0, textStyle: { color: muted }, pageTextStyle: { color: muted } } : undefined,
    tooltip: { trigger: "axis", valueFormatter: (v) => formatNumber(v, widget.format) },
    xAxis: { type: "time", axisLabel: { color: muted, hideOverlap: true, formatter: TIME_LABELS }, axisLine: { lineStyle: { color: border } } },
    yAxis: { type: "value", axisLabel: { color: muted, formatter: (v) => formatAxis(v, widget.format) }, splitLine: { lineStyle: { color: border } } },
    series,
  };
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
