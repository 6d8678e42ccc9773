// <SightlineDashboard>: the published dashboard as the embed page shows it (title, periods,
// filters, the 12-column grid of cards), drawn in the host page with no iframe.
import { createElement as h, useEffect, useRef, useState } from "react";
import { WidgetCard } from "./card.js";
import { useSightlineData } from "./hooks.js";
import { themeProps } from "./widget-body.js";

/**
 * Props: period, from, to (with period "custom"), filters, theme, onDrill({widget, dimension,
 * value, point_from, point_to}), onFilterChange(filters), onPeriodChange(period), onReady(),
 * onError(error), className, style. Locked filters are the session's: the server applies them
 * whatever is asked, and their inputs are disabled.
 */
export function SightlineDashboard(props) {
  const [period, setPeriod] = useState(props.period);
  const [filters, setFilters] = useState(props.filters || {});
  useEffect(() => { if (props.period) setPeriod(props.period); }, [props.period]);
  const propFilters = JSON.stringify(props.filters || {});
  useEffect(() => { setFilters(props.filters || {}); }, [propFilters]); // eslint-disable-line react-hooks/exhaustive-deps

  const result = useSightlineData({ period, from: props.from, to: props.to, filters });
  const { config, response, error } = result;
  useReport(props, result);

  if (!config) {
    const message = error ? error.message : "Loading…";
    return h("div", { className: classes(props), style: props.style, role: error ? "alert" : undefined },
      h("div", { className: error ? "sl-fatal" : "sl-state sl-state-loading" }, message));
  }
  const theme = Object.assign({}, config.theme, props.theme);
  const themed = themeProps(theme);
  const current = period || config.period;
  const choose = (next) => { setPeriod(next); if (props.onPeriodChange) props.onPeriodChange(next); };
  const filterTo = (dimension, value) => {
    const next = Object.assign({}, filters);
    if (value) next[dimension] = value; else delete next[dimension];
    setFilters(next);
    if (props.onFilterChange) props.onFilterChange(Object.assign({}, next, config.locked_filters));
  };
  const widgets = config.widgets.slice().sort((a, b) => a.layout.y - b.layout.y || a.layout.x - b.layout.x);
  const items = new Map(((response && response.widgets) || []).map((item) => [item.id, item]));

  return h("div", { className: classes(props), "data-mode": themed["data-mode"], style: Object.assign({}, themed.style, props.style) },
    h("header", { className: "sl-header" },
      h("h1", { className: "sl-title" }, config.dashboard.name),
      h("div", { className: "sl-controls" },
        h("div", { className: "sl-periods", role: "group", "aria-label": "Period" },
          config.periods.filter((p) => p !== "custom" || props.from).map((p) =>
            h("button", { key: p, type: "button", className: "sl-period", "data-period": p, "aria-pressed": String(p === current), onClick: () => choose(p) }, (config.period_labels || {})[p] || p))),
        (config.filters || []).map((filter) => h(FilterInput, { key: filter.dimension, filter, value: filters[filter.dimension] || "", onChange: filterTo })))),
    widgets.length ? null : h("p", { className: "sl-empty" }, "This dashboard has no widgets."),
    h("div", { className: "sl-grid" },
      widgets.map((widget) => {
        const item = items.get(widget.id);
        const failed = error || (item && item.error ? { message: "This widget could not be loaded; try again shortly." } : null);
        return h(WidgetCard, {
          key: widget.id, widget, theme, data: item ? item.data : undefined, loading: result.loading, error: failed,
          onDrill: config.drill_down && props.onDrill ? props.onDrill : null, onDrawn: result.onDrawn,
        });
      })));
}

function FilterInput({ filter, value, onChange }) {
  const locked = filter.locked !== null && filter.locked !== undefined;
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return h("label", { className: "sl-filter" + (locked ? " sl-locked" : "") },
    h("span", { className: "sl-filter-label" }, filter.label || filter.dimension),
    h("input", {
      type: "text", placeholder: "All", "data-dimension": filter.dimension, disabled: locked,
      title: locked ? "Set by the application" : undefined,
      value: locked ? filter.locked : text,
      onChange: (e) => setText(e.target.value),
      onBlur: () => !locked && text.trim() !== value && onChange(filter.dimension, text.trim()),
      onKeyDown: (e) => { if (e.key === "Enter" && !locked) onChange(filter.dimension, text.trim()); },
    }));
}

function classes(props) {
  return ["sl-theme", "sl-root", "sl-dashboard", props.className].filter(Boolean).join(" ");
}

/** onReady once every widget of the first answer is drawn; onError for each new error. */
function useReport(props, result) {
  const latest = useRef(props);
  latest.current = props;
  const drawn = useRef(new Set());
  const ready = useRef(false);
  const reported = useRef(null);
  result.onDrawn = (id) => {
    drawn.current.add(id);
    const expected = result.config ? result.config.widgets.length : Infinity;
    if (!ready.current && drawn.current.size >= expected) {
      ready.current = true;
      if (latest.current.onReady) latest.current.onReady({ dashboard: result.config.dashboard.id });
    }
  };
  useEffect(() => {
    if (result.error && result.error !== reported.current) {
      reported.current = result.error;
      if (latest.current.onError) latest.current.onError(result.error);
    }
  }, [result.error]);
}
