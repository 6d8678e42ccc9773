// @sightline/charts: the one renderer of Sightline widgets.
export { createWidgetView, loadCharts } from "./view.js";
export { columnLabel, formatAxis, formatBucket, formatChange, formatNumber, formatTime, getLocale, setLocale, TIME_LABELS } from "./format.js";
export { DEFAULT_PRIMARY, palette, similar, themeColors } from "./palette.js";
export { isEmpty, needsCharts, stateBox, STATE_TEXT } from "./states.js";
export { timeseriesOption, timeseriesClick, bucketWindow, PREVIOUS_PERIOD } from "./charts/timeseries.js";
export { breakdownOption, breakdownClick } from "./charts/breakdown.js";
export { funnelCard } from "./cards/funnel.js";
export { kpiCard } from "./cards/kpi.js";
export { sparkline } from "./cards/sparkline.js";
export { listCard } from "./cards/list.js";
export { tableCard } from "./cards/table.js";
export { el } from "./dom.js";
