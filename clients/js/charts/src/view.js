// One widget drawn into one element: the only entry point the embed page, the builder preview
// and @sightline/react use. ECharts loads on first need (a separate chunk where the bundler
// splits), so KPIs, lists and tables show before it arrives.
import { funnelCard } from "./cards/funnel.js";
import { kpiCard } from "./cards/kpi.js";
import { listCard } from "./cards/list.js";
import { tableCard } from "./cards/table.js";
import { breakdownClick, breakdownOption } from "./charts/breakdown.js";
import { timeseriesClick, timeseriesOption } from "./charts/timeseries.js";
import { themeColors } from "./palette.js";
import { isEmpty, needsCharts, stateBox } from "./states.js";

let chartsLoading = null;

/** Start (or join) the ECharts download; resolves the echarts namespace. */
export function loadCharts() {
  if (!chartsLoading) chartsLoading = import("./echarts.js").then((module) => module.echarts);
  return chartsLoading;
}

const CHARTS = {
  timeseries: { option: timeseriesOption, click: timeseriesClick },
  breakdown: { option: breakdownOption, click: breakdownClick },
};

/**
 * @param {HTMLElement} body  where the widget is drawn (its content is replaced)
 * @param {object} widget  {id, title, kind, chart, group_by, target, limit}
 * @param {{theme?: object, onDrill?: Function|null, stateHost?: HTMLElement}} options
 *   onDrill(clicked) gets {dimension?, value?, point_from?, point_to?}; null: nothing is clickable.
 *   stateHost carries data-state (loading, ready, empty, error); default `body`.
 */
export function createWidgetView(body, widget, options = {}) {
  let theme = options.theme || {};
  const onDrill = options.onDrill || null;
  const stateHost = options.stateHost || body;
  let chart = null;
  let observer = null;
  let last = null;
  let ticket = 0;
  let sort = { column: null, direction: 1 };

  function setState(kind) {
    stateHost.dataset.state = kind;
  }

  function disposeChart() {
    if (observer) observer.disconnect();
    if (chart && !chart.isDisposed()) chart.dispose();
    chart = observer = null;
  }

  function show(node, kind) {
    disposeChart();
    body.replaceChildren(node);
    setState(kind);
    body.dataset.rendered = "true";
  }

  let drawnWidth = 0;
  let drawnHeight = 0;
  let drawn = false;

  function setOption(kind, data) {
    drawnWidth = body.clientWidth;
    drawnHeight = body.clientHeight;
    const look = { theme, colors: themeColors(body, theme.mode), width: drawnWidth, height: drawnHeight };
    const option = kind.option(widget, data, look);
    // The first draw is the final picture at once (no entrance animation: on a slow CPU it
    // would cost a redraw every frame for a second, and "ready" would come before the chart
    // is really shown); later draws (filters, periods, theme) animate from it.
    if (!drawn) option.animation = false;
    chart.setOption(option, true);
    drawn = true;
  }

  function drawChart(data) {
    const mine = ++ticket;
    return loadCharts().then((echarts) => {
      if (mine !== ticket) return; // a newer render (or dispose) came first
      const kind = CHARTS[widget.kind];
      if (!chart || chart.isDisposed()) {
        const box = document.createElement("div");
        box.className = "sl-chart";
        body.replaceChildren(box);
        chart = echarts.init(box, null, { renderer: "canvas" });
        if (typeof ResizeObserver === "function") {
          observer = new ResizeObserver(() => {
            if (!chart || chart.isDisposed()) return;
            // Its first call comes right after observe(), at the size just drawn: no redraw.
            if (body.clientWidth === drawnWidth && body.clientHeight === drawnHeight) return;
            chart.resize();
            // Ticks, label widths and legend rows follow the size: re-lay out when it changed.
            if (last && Math.abs(body.clientWidth - drawnWidth) > 24) setOption(kind, last);
          });
          observer.observe(box);
        }
      }
      setOption(kind, data);
      chart.off("click");
      if (onDrill) chart.on("click", (params) => onDrill(kind.click(widget, data, params)));
      setState("ready");
      body.dataset.rendered = "true";
    });
  }

  const view = {
    /** Draw the widget's data (DESIGN.md's shapes); resolves once it is on screen. */
    render(data) {
      last = data;
      if (isEmpty(widget, data)) {
        ticket++;
        show(stateBox("empty"), "empty");
        return Promise.resolve();
      }
      if (needsCharts(widget)) return drawChart(data);
      ticket++;
      if (widget.kind === "kpi") show(kpiCard(widget, data), "ready");
      else if (widget.kind === "breakdown") show(listCard(widget, data, onDrill), "ready");
      else if (widget.kind === "funnel") show(funnelCard(widget, data), "ready");
      else if (widget.kind === "table") {
        const redraw = (next) => {
          sort = next;
          show(tableCard(widget, data, { sort, onSort: redraw, onDrill }), "ready");
        };
        redraw(sort);
      } else show(stateBox("error", `Unknown widget kind ${widget.kind}.`), "error");
      return Promise.resolve();
    },
    /** Show loading, empty or error (with a message) instead of the widget. */
    showState(kind, message) {
      ticket++;
      last = null;
      show(stateBox(kind, message), kind);
    },
    /** New theme colours: redraws the last data. */
    setTheme(next) {
      theme = next || {};
      return last ? view.render(last) : Promise.resolve();
    },
    resize() {
      if (chart && !chart.isDisposed()) chart.resize();
    },
    /** The ECharts instance of a chart widget (null for the others, or before it is drawn). */
    get chart() {
      return chart;
    },
    dispose() {
      ticket++;
      disposeChart();
    },
  };
  return view;
}
