// The part of ECharts the embed page draws with (line/area and bar charts on a grid, tooltips,
// legends, canvas), bundled by scripts/build-static.mjs into static/vendor/echarts.embed.min.js:
// about a third of the full build, which is most of an embed's bytes and parse time.
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);
window.echarts = echarts;
