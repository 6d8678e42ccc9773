export type EmbedEvent = "ready" | "resize" | "drill" | "filter" | "session" | "error" | "inactive";
export interface EmbedTheme { primaryColor?: string; fontFamily?: string; mode?: "light" | "dark" }
export interface EmbedError { code: string; message: string; status: number }
export interface DrillPayload { widget: string; dimension: string | null; value: string | null }
export interface CreateOptions {
  container: string | Element;
  embedUrl?: string;
  /** Returns a fresh embed URL (your backend's createEmbedSession); called before the session ends. */
  fetchEmbedUrl?: () => Promise<string>;
  title?: string;
  minHeight?: number;
  /** Milliseconds the frame has to answer its handshake (default 10000). */
  handshakeTimeout?: number;
  /** Seconds before the session's end to fetch a fresh one (default 60). */
  refreshBefore?: number;
  filters?: Record<string, string>;
  theme?: EmbedTheme;
}
export interface Embed {
  iframe: HTMLIFrameElement | null;
  on(name: "error", fn: (payload: EmbedError) => void): Embed;
  on(name: "drill", fn: (payload: DrillPayload) => void): Embed;
  on(name: "filter", fn: (payload: { filters: Record<string, string> }) => void): Embed;
  on(name: "resize", fn: (payload: { height: number }) => void): Embed;
  on(name: "session", fn: (payload: { expires_at: number }) => void): Embed;
  /** The session's inactivity_timeout passed; refreshSession() (fetchEmbedUrl) brings it back. */
  on(name: "inactive", fn: (payload: EmbedError) => void): Embed;
  on(name: EmbedEvent, fn: (payload: any) => void): Embed;
  off(name: EmbedEvent, fn: (payload: any) => void): Embed;
  setFilters(filters: Record<string, string | null>): Embed;
  setTheme(theme: EmbedTheme): Embed;
  /** A BCP 47 tag, e.g. "de-DE": number and date separators (the session's `locale` at first). */
  setLocale(locale: string): Embed;
  /** An IANA zone, e.g. "Europe/Berlin": buckets and times (the session's `timezone` at first). */
  setTimezone(timezone: string): Embed;
  reload(): Embed;
  /** Open another of the session's dashboards (its `dashboard_ids`); "ready" fires when drawn. */
  setDashboard(dashboardId: string): Embed;
  refreshSession(): Embed;
  destroy(): void;
}
export function create(options: CreateOptions): Embed;
export const version: string;
declare const Sightline: { create: typeof create; version: string };
export default Sightline;
