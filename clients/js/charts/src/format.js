// Number and time formatting: the one place a widget's figures are turned into text.

/** 1234.5 -> "1,234.5", 12345 -> "12.3K", null -> "—" (in the viewer's locale). */
export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  const abs = Math.abs(value);
  if (abs >= 10000) return new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 }).format(value);
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: abs < 10 ? 2 : 1 }).format(value);
}

/** The KPI's change against the previous period: {direction: up|down|flat, text}. */
export function formatChange(value, previous) {
  if (previous === null || previous === undefined) return { direction: "flat", text: "No previous period" };
  if (previous === 0) return { direction: "flat", text: value === 0 ? "No change" : "New this period" };
  const change = (value - previous) / Math.abs(previous);
  const direction = change > 0 ? "up" : change < 0 ? "down" : "flat";
  const arrow = { up: "▲", down: "▼", flat: "■" }[direction];
  return { direction, text: `${arrow} ${Math.abs(change * 100).toFixed(1)}% vs previous period` };
}

/** Warehouse times are UTC text ("2026-04-14 10:00:00.123"), shown in the session's time zone. */
export function formatTime(text, timeZone) {
  const date = new Date(String(text).replace(" ", "T") + "Z");
  if (Number.isNaN(date.getTime())) return String(text);
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium", timeZone }).format(date);
}

/** ECharts' time axis labels, per level. */
export const TIME_LABELS = { year: "{yyyy}", month: "{MMM}", day: "{MMM} {d}", hour: "{HH}:{mm}", minute: "{HH}:{mm}" };

const METRIC_HEADERS = { count: "Events", count_unique: "Unique users" };
const METRIC_WORDS = { count_unique: "Unique", sum: "Sum of", avg: "Average", p95: "p95 of", p99: "p99 of" };

/** A table column's header: "sum(tokens)" -> "Sum of tokens", "model" -> "Model". The data
 * (and CSV exports) keep the raw column names; only what the viewer reads changes. */
export function columnLabel(column) {
  const text = String(column);
  if (METRIC_HEADERS[text]) return METRIC_HEADERS[text];
  const match = /^([a-z0-9_]+)\((.+)\)$/.exec(text);
  if (match && METRIC_WORDS[match[1]]) return `${METRIC_WORDS[match[1]]} ${match[2]}`;
  const words = text.replace(/[_.]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
