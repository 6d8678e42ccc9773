// One widget's body drawn by @sightline/charts: the same DOM, charts and number formatting as
// the embed page. React owns the card; the renderer owns what is inside the body.
import { createElement, useEffect, useRef } from "react";
import { createWidgetView } from "@sightline/charts";

/** Props: widget, data, loading, error, theme, onDrill (null: nothing is clickable), onDrawn,
 * stateHost (a ref of the element that carries data-state). */
export function WidgetBody({ widget, data, loading, error, theme, onDrill, onDrawn, stateHost }) {
  const body = useRef(null);
  const view = useRef(null);
  const drill = useRef(onDrill);
  drill.current = onDrill;
  const drawn = useRef(onDrawn);
  drawn.current = onDrawn;
  const clickable = Boolean(onDrill);
  const themeKey = JSON.stringify(theme || {});

  useEffect(() => {
    const instance = createWidgetView(body.current, widget, {
      theme,
      onDrill: clickable ? (clicked) => drill.current && drill.current(clicked) : null,
      stateHost: (stateHost && stateHost.current) || body.current,
    });
    view.current = instance;
    return () => {
      instance.dispose();
      view.current = null;
    };
  }, [widget.id, widget.kind, widget.chart, clickable]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const instance = view.current;
    if (!instance) return;
    if (error) instance.showState("error", error.message || "This widget could not be loaded; try again shortly.");
    else if (loading || data === undefined) instance.showState("loading");
    else instance.render(data).then(() => drawn.current && drawn.current(widget.id));
  }, [view.current, data, loading, error]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (view.current && !loading && !error && data !== undefined) view.current.setTheme(theme);
  }, [themeKey]); // eslint-disable-line react-hooks/exhaustive-deps

  return createElement("div", { ref: body, className: "sl-card-body" });
}

/** The theme as the CSS variables and data-mode styles.css reads. */
export function themeProps(theme) {
  const style = {};
  if (theme.primaryColor) style["--sl-primary"] = theme.primaryColor;
  if (theme.fontFamily) style["--sl-font"] = theme.fontFamily;
  return { style, "data-mode": theme.mode === "dark" ? "dark" : "light" };
}
