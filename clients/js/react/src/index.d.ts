// Types of @sightline/react.
import type { CSSProperties, ReactElement, ReactNode } from "react";

export type Period = "24h" | "7d" | "30d" | "90d" | "custom";
export interface Theme { primaryColor?: string; fontFamily?: string; mode?: "light" | "dark" }
export interface SightlineError extends Error { code: string; status: number; details?: unknown[] }
export interface Drill { widget: string; dimension?: string; value?: string; point_from?: string; point_to?: string }

export interface WidgetConfig {
  id: string; title: string; kind: "kpi" | "timeseries" | "breakdown" | "table" | "funnel"; chart: string;
  metric: string; group_by: string[]; target: number | null; limit: number | null;
  /** timeseries: "previous_period" draws the same-length window before under the points. */
  compare?: "previous_period" | null;
  layout: { x: number; y: number; w: number; h: number };
}
export interface DashboardConfig {
  dashboard: { id: string; name: string };
  widgets: WidgetConfig[];
  filters: Array<{ dimension: string; label: string; locked: string | null }>;
  locked_filters: Record<string, string>;
  periods: Period[];
  period: Period;
  max_date_range_days: number | null;
  timezone: string;
  theme: Theme;
  drill_down: boolean;
  export: boolean;
  expires_at: number;
}

/** `target` with chart "progress"; `bucket` and `points` (the value per bucket) with chart "sparkline". */
export type KpiData = { value: number | null; previous: number | null; target?: number | null; bucket?: string; points?: Array<[string, number | null]> };
/** `previous` with compare "previous_period": its window, and per bucket of this period the
 * value over the same span one period earlier. */
export type TimeseriesData = {
  bucket: string;
  series: Array<{ name: string; points: Array<[string, number | null]> }>;
  previous?: { from: string; to: string; points: Array<[string, number | null]> } | null;
};
export type BreakdownData = { rows: Array<{ key: string; value: number | null }> };
export type TableData = { columns: string[]; rows: Array<Array<string | number | null>> };
export type WidgetData = KpiData | TimeseriesData | BreakdownData | TableData;
export interface DashboardData {
  period: { name: string; from: string; to: string; [key: string]: unknown };
  widgets: Array<{ id: string; kind: string; data: WidgetData; error?: { code: string; message: string } }>;
}

export interface SightlineProviderProps {
  /** The Sightline server, e.g. "https://analytics.example.com". */
  host: string;
  /** An embed session token (createEmbedSession's token)… */
  token?: string;
  /** …or a function that fetches a fresh one from your backend; called again before it expires. */
  fetchToken?: () => Promise<string>;
  dashboardId: string;
  children?: ReactNode;
}
export function SightlineProvider(props: SightlineProviderProps): ReactElement;
export function useSightline(): { config: DashboardConfig | null; error: SightlineError | null; client: unknown };

export interface DataQuery { period?: Period; from?: string; to?: string; timezone?: string; filters?: Record<string, string> }
export interface DataResult<T> {
  loading: boolean;
  error: SightlineError | null;
  config: DashboardConfig | null;
  widget: WidgetConfig | null;
  data: T | null;
  period: DashboardData["period"] | null;
  response: DashboardData | null;
  refetch(): void;
}
export function useSightlineData(query: DataQuery & { widgetId: string }): DataResult<WidgetData>;
export function useSightlineData(query?: DataQuery): DataResult<DashboardData>;

interface CommonProps extends DataQuery {
  theme?: Theme;
  onDrill?: (drill: Drill) => void;
  onError?: (error: SightlineError) => void;
  className?: string;
  style?: CSSProperties;
}
export interface SightlineDashboardProps extends CommonProps {
  onReady?: (payload: { dashboard: string }) => void;
  onFilterChange?: (filters: Record<string, string>) => void;
  onPeriodChange?: (period: Period) => void;
}
export function SightlineDashboard(props: SightlineDashboardProps): ReactElement;
export interface SightlineWidgetProps extends CommonProps {
  widgetId: string;
  onReady?: (payload: { widget: string }) => void;
}
export function SightlineWidget(props: SightlineWidgetProps): ReactElement;
export function formatNumber(value: number | null | undefined): string;
