// useSightlineData: the documented widget data (DESIGN.md's shapes) for custom rendering.
import { useCallback, useEffect, useState } from "react";
import { useSightline } from "./provider.js";

/**
 * @param {{widgetId?: string, period?: string, from?: string, to?: string, timezone?: string,
 *   filters?: Record<string, string>}} query
 * @returns {{loading: boolean, error: Error|null, config: object|null, widget: object|null,
 *   data: any, period: object|null, response: object|null, refetch: () => void}}
 *   With widgetId, `data` is that widget's data ({value, previous}, {bucket, series}, {rows},
 *   {columns, rows}); without it, `data` is every widget's ({period, widgets}).
 */
export function useSightlineData(query = {}) {
  const { client, config, error: configError } = useSightline();
  const [state, setState] = useState({ response: null, error: null, loading: true });
  const [round, setRound] = useState(0);
  // What the props leave out the server fills in with the session's defaults (the config's
  // period and time zone), so the data request leaves at once, beside the config request.
  const period = query.period;
  const tz = query.timezone;
  const key = JSON.stringify([period, query.from, query.to, tz, query.filters || {}]);

  useEffect(() => {
    let live = true;
    setState((previous) => ({ response: previous.response, error: null, loading: true }));
    client.data({ period, from: query.from, to: query.to, tz, filters: query.filters }).then(
      (response) => live && setState({ response, error: null, loading: false }),
      (error) => live && setState({ response: null, error, loading: false }),
    );
    return () => { live = false; };
  }, [client, key, round]); // eslint-disable-line react-hooks/exhaustive-deps

  const refetch = useCallback(() => setRound((n) => n + 1), []);
  const response = state.response;
  let widget = null;
  let data = response;
  let error = configError || state.error;
  if (query.widgetId) {
    widget = config ? config.widgets.find((w) => w.id === query.widgetId) || null : null;
    const item = response ? (response.widgets || []).find((w) => w.id === query.widgetId) : null;
    data = item ? item.data : null;
    if (!error && config && !widget) error = Object.assign(new Error(`The dashboard has no widget ${query.widgetId} for this session.`), { code: "not_found", status: 404 });
    if (!error && item && item.error) error = Object.assign(new Error("This widget could not be loaded; try again shortly."), item.error);
  }
  return {
    loading: !error && (!config || state.loading),
    error: error || null,
    config,
    widget,
    data,
    period: response ? response.period : null,
    response,
    refetch,
  };
}
