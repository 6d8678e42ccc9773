// Breakdown as horizontal bars (the biggest on top): the ECharts option and its clicks.
import { formatAxis, formatNumber } from "../format.js";
import { DEFAULT_PRIMARY, palette } from "../palette.js";

export function breakdownOption(widget, data, look) {
  if (widget.chart === "pie" || widget.chart === "donut") return pieOption(widget, data, look);
  const rows = data.rows.slice().reverse(); // ECharts draws categories bottom-up
  const { text, muted, border } = look.colors;
  const width = look.width || 600;
  return {
    color: [look.theme.primaryColor || DEFAULT_PRIMARY],
    textStyle: { fontFamily: look.theme.fontFamily },
    // containLabel measures truncated labels short by a few pixels: keep a margin for them.
    grid: { left: 16, right: 24, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: "item", valueFormatter: (v) => formatNumber(v, widget.format) },
    // A narrow tile gets fewer value ticks (compact, overlapping ones hidden) and shorter,
    // truncated category labels, so the axis never smears.
    xAxis: { type: "value", splitNumber: width < 320 ? 2 : width < 560 ? 3 : 5, axisLabel: { color: muted, hideOverlap: true, formatter: (v) => formatAxis(v, widget.format) }, splitLine: { lineStyle: { color: border } } },
    yAxis: { type: "category", data: rows.map((r) => r.key), axisLabel: { color: text, width: Math.round(Math.max(56, Math.min(140, width * 0.3))), overflow: "truncate", hideOverlap: true }, axisLine: { lineStyle: { color: border } } },
    series: [{ type: "bar", name: widget.title, data: rows.map((r) => r.value), barMaxWidth: 28, itemStyle: { borderRadius: [0, 4, 4, 0] } }],
  };
}

/** Pie and donut: one slice per key ("other" last), the legend wrapping under the chart. */
function pieOption(widget, data, look) {
  const { text, muted } = look.colors;
  const inner = widget.chart === "donut" ? "52%" : 0;
  return {
    color: palette(look.theme.primaryColor),
    textStyle: { fontFamily: look.theme.fontFamily },
    tooltip: { trigger: "item", valueFormatter: (v) => formatNumber(v, widget.format) },
    legend: { type: "plain", bottom: 0, left: 0, right: 0, itemGap: 10, textStyle: { color: muted } },
    series: [{
      type: "pie",
      name: widget.title,
      radius: [inner, "68%"],
      center: ["50%", "44%"],
      avoidLabelOverlap: true,
      label: { color: text, formatter: "{d}%", fontSize: 11 },
      labelLine: { length: 6, length2: 6 },
      data: data.rows.map((r) => ({ name: r.key, value: r.value })),
    }],
  };
}

/** A click on a bar -> {dimension, value}; the "other" bar (the rest) drills into everything. */
export function breakdownClick(widget, data, params) {
  const isOther = params.name === "other" && params.dataIndex === 0 && data.rows.length > (widget.limit || Infinity);
  return isOther ? {} : { dimension: widget.group_by[0], value: String(params.name) };
}
