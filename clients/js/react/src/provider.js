// <SightlineProvider host token|fetchToken dashboardId>: the session every component below it
// reads with, and the dashboard's configuration (widgets, filters, periods, theme).
import { createContext, createElement, useContext, useEffect, useMemo, useRef, useState } from "react";
import { loadCharts } from "@sightline/charts";
import { createClient } from "./client.js";
import { TokenSource } from "./tokens.js";

const SightlineContext = createContext(null);

export function SightlineProvider({ host, token, fetchToken, dashboardId, children }) {
  const fetchRef = useRef(fetchToken);
  fetchRef.current = fetchToken;
  const hasFetch = typeof fetchToken === "function";
  const tokens = useMemo(
    () => new TokenSource({ token, fetchToken: hasFetch ? () => fetchRef.current() : null }),
    [token, hasFetch],
  );
  useEffect(() => {
    tokens.start();
    return () => tokens.dispose();
  }, [tokens]);
  const client = useMemo(() => createClient({ host, dashboardId, tokens }), [host, dashboardId, tokens]);
  const [state, setState] = useState({ config: null, error: null });
  // ECharts (a lazy chunk) downloads while the config and data requests are in flight.
  useEffect(() => { loadCharts().catch(() => {}); }, []);
  useEffect(() => {
    let live = true;
    setState({ config: null, error: null });
    client.config().then(
      (config) => live && setState({ config, error: null }),
      (error) => live && setState({ config: null, error }),
    );
    return () => { live = false; };
  }, [client]);
  const value = useMemo(() => ({ client, config: state.config, error: state.error }), [client, state]);
  return createElement(SightlineContext.Provider, { value }, children);
}

/** {client, config, error}: the provider's session and dashboard configuration. */
export function useSightline() {
  const value = useContext(SightlineContext);
  if (!value) throw new Error("Sightline components must be inside <SightlineProvider>.");
  return value;
}
