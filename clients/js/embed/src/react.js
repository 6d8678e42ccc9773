// <SightlineEmbedFrame>: the iframe embed as a React component, on the same helper.
import { createElement, useEffect, useRef } from "react";
import { create } from "./index.js";

/**
 * Props: embedUrl and/or fetchEmbedUrl, onReady, onDrill, onFilter, onError, onResize, onInactive,
 * filters, theme, dashboardId (one of the session's dashboard_ids: a change opens it in the frame),
 * containerStyle, className, title, handshakeTimeout, refreshBefore.
 * The frame is created once per embedUrl/fetchEmbedUrl; filters and theme are sent to it
 * when they change (no reload).
 */
export function SightlineEmbedFrame(props) {
  const box = useRef(null);
  const embed = useRef(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const instance = create({
      container: box.current,
      embedUrl: props.embedUrl,
      fetchEmbedUrl: props.fetchEmbedUrl ? () => latest.current.fetchEmbedUrl() : undefined,
      title: props.title,
      handshakeTimeout: props.handshakeTimeout,
      refreshBefore: props.refreshBefore,
      filters: props.filters,
      theme: props.theme,
    });
    const relay = (name) => (payload) => { const fn = latest.current[name]; if (fn) fn(payload); };
    instance.on("ready", relay("onReady")).on("drill", relay("onDrill")).on("filter", relay("onFilter"))
      .on("error", relay("onError")).on("resize", relay("onResize")).on("session", relay("onSession"))
      .on("inactive", relay("onInactive"));
    embed.current = instance;
    return () => {
      instance.destroy();
      embed.current = null;
    };
  }, [props.embedUrl, Boolean(props.fetchEmbedUrl)]); // eslint-disable-line react-hooks/exhaustive-deps

  // dashboardId: one of the session's dashboards; a change opens it in the same frame.
  const shown = useRef(props.dashboardId);
  useEffect(() => {
    if (!embed.current || !props.dashboardId || props.dashboardId === shown.current) return;
    shown.current = props.dashboardId;
    embed.current.setDashboard(props.dashboardId);
  }, [props.dashboardId]);

  const filters = JSON.stringify(props.filters || null);
  const theme = JSON.stringify(props.theme || null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) { first.current = false; return; } // create() already sent them
    if (!embed.current) return;
    if (props.filters) embed.current.setFilters(props.filters);
    if (props.theme) embed.current.setTheme(props.theme);
  }, [filters, theme]); // eslint-disable-line react-hooks/exhaustive-deps

  return createElement("div", { ref: box, className: props.className, style: props.containerStyle });
}

export default SightlineEmbedFrame;
