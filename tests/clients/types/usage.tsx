// Compiled by `tsc --noEmit --strict` in tests/clients/test_types.py (npm: typescript, @types/react): the .d.ts files of every
// package describe the documented usage (README "Embedding from JavaScript") without an error.
import { Sightline, SightlineArgumentError, SightlineError, SightlineRateLimitError } from "@sightline/node";
import { create } from "@sightline/embed";
import { SightlineEmbedFrame } from "@sightline/embed/react";
import { SightlineDashboard, SightlineProvider, SightlineWidget, useSightlineData } from "@sightline/react";
import type { KpiData } from "@sightline/react";
import { createWidgetView, formatNumber, palette } from "@sightline/charts";
import type { KpiData as ChartKpiData, TimeseriesData } from "@sightline/charts";

export async function backend(): Promise<string> {
  const sightline = new Sightline({ host: "http://127.0.0.1:8000", apiKey: "sl_admin_x" });
  const session = await sightline.createEmbedSession({
    tenantId: "acme", dashboardId: "dash_1", expiresIn: 600,
    permissions: { lockedFilters: { plan: "pro" }, allowedPeriods: ["7d", "30d"], allowDrillDown: true },
    timezone: "Europe/Paris", theme: { mode: "dark" }, user: "jane@acme.example",
  });
  await sightline.revokeEmbedSession(session.sessionId);
  const several = await sightline.createEmbedSession({
    tenantId: "acme", dashboardIds: ["dash_1", "dash_2"], inactivityTimeout: 900, user: "jane@acme.example",
    permissions: {
      lockedFilters: { plan: ["pro", "team"], tokens: { gte: 100, lt: 500 } },
      role: "designer", variantScope: "tenant", allowedEvents: ["api.call"], allowSubscriptions: true,
    },
  });
  const opens: string[] = several.dashboardIds;
  const views = await sightline.listVariants({ dashboardId: "dash_1", tenantId: "acme", user: "", limit: 10 });
  const scope: "user" | "tenant" = views.results[0].scope;
  await sightline.deleteVariant(views.results[0].id);
  const sent = await sightline.sendEvents([{ tenantId: "acme", eventName: "api.call", numericProps: { tokens: 3 } }]);
  const settings = await sightline.organization.update({ allowedEmbedOrigins: ["https://app.acme.example"] });
  const data = await sightline.dashboards.data("dash_1", { tenantId: "acme", period: "30d", filters: { plan: "pro" } });
  try {
    await sightline.dashboards.get("dash_x");
  } catch (error) {
    if (error instanceof SightlineRateLimitError) return String(error.retryAfter);
    if (error instanceof SightlineArgumentError) return error.field;
    if (error instanceof SightlineError) return `${error.status} ${error.code}`;
  }
  return `${session.embedUrl} ${session.expiresAt} ${sent.accepted} ${settings.retentionDays} ${data.widgets.length} ${scope} ${opens.length}`;
}

export function helper(): void {
  const embed = create({ container: "#analytics", fetchEmbedUrl: async () => "https://x/embed/d?token=a.b.c", handshakeTimeout: 5000 });
  embed.on("error", ({ code, message }) => console.warn(code, message)).on("drill", ({ widget, value }) => console.log(widget, value));
  embed.setFilters({ model: "gpt-4o" }).setTheme({ mode: "dark" }).reload();
  embed.destroy();
}

function Badge() {
  const { data, loading, error } = useSightlineData({ widgetId: "w_calls" });
  const kpi = data as KpiData | null;
  return <span>{error ? error.code : loading || !kpi ? "…" : formatNumber(kpi.value)}</span>;
}

export function App() {
  return (
    <>
      <SightlineEmbedFrame embedUrl="https://x/embed/d?token=a.b.c" filters={{ model: "gpt-4o" }} theme={{ mode: "dark" }}
        onReady={() => {}} onDrill={({ widget, dimension, value }) => console.log(widget, dimension, value)}
        onFilter={({ filters }) => console.log(filters)} onError={(e) => console.warn(e.code)}
        containerStyle={{ minHeight: 400 }} className="analytics" />
      <SightlineProvider host="http://127.0.0.1:8000" fetchToken={async () => "a.b.c"} dashboardId="dash_1">
        <SightlineDashboard period="30d" filters={{ plan: "pro" }} theme={{ mode: "light" }}
          onDrill={({ widget, dimension, value }) => console.log(widget, dimension, value)} onError={(e) => console.warn(e.code)} />
        <SightlineWidget widgetId="w_calls" style={{ height: 200 }} />
        <Badge />
      </SightlineProvider>
    </>
  );
}

export function draw(node: HTMLElement): void {
  const view = createWidgetView(node, { id: "w", title: "Calls", kind: "kpi", chart: "stat", group_by: [] });
  view.render({ value: 1, previous: null }).then(() => view.dispose());
}

export function drawCompared(node: HTMLElement): string {
  const trend: ChartKpiData = { value: 3, previous: 2, bucket: "day", points: [["2026-04-14T00:00:00Z", 1], ["2026-04-15T00:00:00Z", null]] };
  const compared: TimeseriesData = {
    bucket: "day",
    series: [{ name: "all", points: [["2026-04-14T00:00:00Z", 5]] }],
    previous: { from: "2026-04-07T00:00:00Z", to: "2026-04-14T00:00:00Z", points: [["2026-04-14T00:00:00Z", 4]] },
  };
  createWidgetView(node, { id: "w_s", title: "Users", kind: "kpi", chart: "sparkline", group_by: [] }).render(trend);
  createWidgetView(node, { id: "w_c", title: "Calls", kind: "timeseries", chart: "line", compare: "previous_period", group_by: [] }).render(compared);
  return palette("#0f9d58")[1];
}
