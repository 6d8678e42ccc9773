// Draws the preview's timeseries and breakdown charts with ECharts from the JSON the server
// embedded (DESIGN.md's widget data shapes). Re-runs after every HTMX swap of the preview.
(function () {
  "use strict";
  var PALETTE_OFFSETS = ["", "#16a34a", "#f59e0b", "#db2777", "#0891b2", "#7c3aed", "#64748b"];

  function palette(primary) {
    return [primary].concat(PALETTE_OFFSETS.slice(1));
  }

  function timeseriesOption(data, chartType, colors) {
    return {
      color: colors,
      grid: { left: 8, right: 12, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      legend: data.series.length > 1 ? { top: 0, type: "scroll", textStyle: { fontSize: 11 } } : undefined,
      xAxis: { type: "time", axisLabel: { fontSize: 11, hideOverlap: true } },
      yAxis: { type: "value", axisLabel: { fontSize: 11 }, splitLine: { lineStyle: { color: "#f2f4f7" } } },
      series: data.series.map(function (series) {
        return {
          name: series.name,
          type: chartType === "bar" ? "bar" : "line",
          stack: chartType === "bar" && data.series.length > 1 ? "total" : undefined,
          showSymbol: false,
          smooth: chartType !== "bar" ? 0.25 : false,
          areaStyle: chartType === "area" ? { opacity: 0.18 } : undefined,
          data: series.points,
        };
      }),
    };
  }

  function breakdownOption(data, colors) {
    var rows = data.rows.slice().reverse();
    return {
      color: colors,
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", axisLabel: { fontSize: 11 }, splitLine: { lineStyle: { color: "#f2f4f7" } } },
      yAxis: { type: "category", data: rows.map(function (r) { return r.key; }), axisLabel: { fontSize: 11, width: 110, overflow: "truncate" } },
      series: [{ type: "bar", data: rows.map(function (r) { return r.value; }), barMaxWidth: 22, itemStyle: { borderRadius: [0, 4, 4, 0] } }],
    };
  }

  function draw(root) {
    if (!window.echarts) return;
    root.querySelectorAll(".chart[data-source]").forEach(function (node) {
      var source = document.getElementById(node.getAttribute("data-source"));
      if (!source) return;
      var data = JSON.parse(source.textContent);
      if (!data) return;
      var grid = node.closest(".preview-grid");
      var colors = palette((grid && grid.getAttribute("data-primary")) || "#4f46e5");
      var option = node.getAttribute("data-chart-kind") === "timeseries"
        ? timeseriesOption(data, node.getAttribute("data-chart-type"), colors)
        : breakdownOption(data, colors);
      var dark = grid && grid.getAttribute("data-mode") === "dark";
      option.textStyle = { color: dark ? "#cbd5e1" : "#475467" };
      if (dark) {
        [option.xAxis, option.yAxis].forEach(function (axis) {
          axis.axisLabel.color = "#94a3b8";
          axis.splitLine = { lineStyle: { color: "#1e293b" } };
        });
        if (option.legend) option.legend.textStyle.color = "#cbd5e1";
      }
      var chart = echarts.getInstanceByDom(node) || echarts.init(node, null, { renderer: "svg" });
      chart.setOption(option, true);
      node.setAttribute("data-rendered", "true");
    });
  }

  window.addEventListener("resize", function () {
    document.querySelectorAll(".chart[data-rendered]").forEach(function (node) {
      var chart = window.echarts && echarts.getInstanceByDom(node);
      if (chart) chart.resize();
    });
  });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.detail.elt || document); });
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
})();
