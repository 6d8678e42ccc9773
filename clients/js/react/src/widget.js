// <SightlineWidget widgetId>: one widget of the session's dashboard anywhere in the host's own
// layout, in a card of the embed page's look. Its height follows the widget's layout unless the
// host's style or class sets one.
import { createElement as h, useEffect, useRef } from "react";
import { WidgetCard } from "./card.js";
import { useSightlineData } from "./hooks.js";
import { themeProps } from "./widget-body.js";

const ROW = 56;
const GAP = 12;

/** Props: widgetId, period, from, to, filters, theme, onDrill, onReady, onError, className, style. */
export function SightlineWidget(props) {
  const result = useSightlineData({ widgetId: props.widgetId, period: props.period, from: props.from, to: props.to, filters: props.filters });
  const { config, widget, data, error, loading } = result;
  const latest = useRef(props);
  latest.current = props;
  useEffect(() => {
    if (error && latest.current.onError) latest.current.onError(error);
  }, [error]);
  const theme = Object.assign({}, config && config.theme, props.theme);
  const themed = themeProps(theme);
  const className = ["sl-theme", "sl-widget", props.className].filter(Boolean).join(" ");
  const shown = widget || { id: props.widgetId, title: "", kind: "kpi", chart: "stat", group_by: [], layout: { x: 0, y: 0, w: 3, h: 2 } };
  const height = shown.layout.h * ROW + (shown.layout.h - 1) * GAP;
  const onDrawn = () => latest.current.onReady && latest.current.onReady({ widget: props.widgetId });
  return h("div", { className, "data-mode": themed["data-mode"], "data-widget-id": props.widgetId, style: Object.assign({ height }, themed.style, props.style) },
    h(WidgetCard, {
      widget: shown, data, loading, error, theme, placed: false, onDrawn,
      onDrill: config && config.drill_down && props.onDrill ? props.onDrill : null,
    }));
}
