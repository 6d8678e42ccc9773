// Types of @sightline/charts.
export interface Theme {
  primaryColor?: string;
  fontFamily?: string;
  mode?: "light" | "dark";
}
export interface Widget {
  id: string;
  title: string;
  kind: "kpi" | "timeseries" | "breakdown" | "table" | "funnel";
  /** funnel: the ordered event names (steps[0] is event_name). */
  steps?: string[];
  window_minutes?: number | null;
  /** kpi: stat | progress | sparkline; timeseries: area | line | bar | stacked_area | stacked_bar; breakdown: bar | list | pie | donut. */
  chart: string;
  /** timeseries (line, area or bar, without group_by): "previous_period" draws the same-length
   * window just before as a dashed line under the points. */
  compare?: "previous_period" | null;
  group_by: string[];
  target?: number | null;
  limit?: number | null;
  /** count, count_unique, sum, avg, p95, p99 or ratio (see `ratio`). */
  metric?: string;
  /** metric "ratio": numerator / denominator, each with its own filters; null when the denominator is 0. */
  ratio?: { numerator: RatioPart; denominator: RatioPart } | null;
  layout?: { x: number; y: number; w: number; h: number };
}
/** A KPI's data; `target` with chart "progress", `bucket` and `points` with chart "sparkline". */
export interface KpiData {
  value: number | null;
  previous: number | null;
  target?: number | null;
  bucket?: "hour" | "day" | "week" | "month";
  points?: Array<[string, number | null]>;
}
/** A time series' data; `previous` with compare "previous_period": its window and, per bucket
 * of this period, the value over the same span one period earlier (null when that window
 * reaches before what the read may see: the retention, an embed session's periods). */
export interface TimeseriesData {
  bucket: "hour" | "day" | "week" | "month";
  series: Array<{ name: string; points: Array<[string, number | null]> }>;
  previous?: { from: string; to: string; points: Array<[string, number | null]> } | null;
}
export interface RatioPart {
  metric: "count" | "count_unique" | "sum" | "avg" | "p95" | "p99";
  property?: string | null;
  filters?: Record<string, string>;
}
export interface Clicked {
  dimension?: string;
  value?: string;
  point_from?: string;
  point_to?: string;
}
export type WidgetState = "loading" | "ready" | "empty" | "error";
export interface WidgetView {
  render(data: unknown): Promise<void>;
  showState(kind: WidgetState, message?: string): void;
  setTheme(theme: Theme): Promise<void>;
  resize(): void;
  readonly chart: unknown;
  dispose(): void;
}
export function createWidgetView(body: HTMLElement, widget: Widget, options?: { theme?: Theme; onDrill?: ((clicked: Clicked) => void) | null; stateHost?: HTMLElement }): WidgetView;
export function loadCharts(): Promise<unknown>;
export function formatNumber(value: number | null | undefined): string;
/** A table column's header for people: "sum(tokens)" -> "Sum of tokens" (data and CSV keep the raw name). */
export function columnLabel(column: string): string;
export function formatChange(value: number, previous: number | null | undefined): { direction: "up" | "down" | "flat"; text: string };
export function formatTime(text: string, timeZone?: string): string;
/** A bucket's start for people: "Apr 14, 10:00" (hour), "Apr 14, 2026" (day, week), "April 2026" (month). */
export function formatBucket(at: string | number, bucket: string, timeZone?: string): string;
/** The legend name of a compared time series' previous period. */
export const PREVIOUS_PERIOD: string;
/** A KPI's sparkline (an SVG line of its points). */
export function sparkline(widget: Widget, points: Array<[string, number | null]>): SVGSVGElement;
/** Whether two colours are too alike for neighbouring series. */
export function similar(a: { h: number; s: number; l: number }, b: { h: number; s: number; l: number }): boolean;
export const TIME_LABELS: Record<string, string>;
export const DEFAULT_PRIMARY: string;
export function palette(primaryColor?: string): string[];
export function themeColors(node: Element, mode?: string): { text: string; muted: string; border: string };
export function isEmpty(widget: Widget, data: unknown): boolean;
export function needsCharts(widget: Widget): boolean;
export function stateBox(kind: WidgetState, message?: string): HTMLElement;
export const STATE_TEXT: Record<string, string>;
export function timeseriesOption(widget: Widget, data: unknown, look: { theme: Theme; colors: { text: string; muted: string; border: string } }): object;
export function timeseriesClick(widget: Widget, data: unknown, params: unknown): Clicked;
export function bucketWindow(at: string | number, bucket: string): { point_from: string; point_to: string };
export function breakdownOption(widget: Widget, data: unknown, look: { theme: Theme; colors: { text: string; muted: string; border: string } }): object;
export function breakdownClick(widget: Widget, data: unknown, params: unknown): Clicked;
export function kpiCard(widget: Widget, data: KpiData): HTMLElement;
export function listCard(widget: Widget, data: unknown, onDrill?: ((clicked: Clicked) => void) | null): HTMLElement;
export function tableCard(widget: Widget, data: unknown, options: { sort: { column: number | null; direction: number }; onSort: (next: { column: number; direction: number }) => void; onDrill?: ((clicked: Clicked) => void) | null }): HTMLElement;
export function el(tag: string, className?: string | null, text?: string | null): HTMLElement;
