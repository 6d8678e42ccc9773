// Number and time formatting: the one place a widget's figures are turned into text.

let locale; // undefined: the browser's; setLocale() (the embed session's `locale`) changes it

/** The BCP 47 tag numbers and dates are formatted in (separators, month names). */
export function setLocale(tag) {
  try {
    locale = tag ? Intl.getCanonicalLocales(tag)[0] : undefined;
  } catch (error) {
    locale = undefined; // not a language tag: keep the browser's
  }
  return locale;
}

export function getLocale() {
  return locale;
}

const BYTE_UNITS = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte", "petabyte"];
const DURATIONS = [[3600000, "hour"], [60000, "minute"], [1000, "second"], [1, "millisecond"]];

// Building an Intl formatter costs far more than formatting with it (a table or an axis
// formats dozens of numbers alike): one per locale and options, reused.
const formatters = new Map();

function cached(Kind, options) {
  const key = `${Kind.name} ${locale} ${JSON.stringify(options)}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Kind(locale, options);
    formatters.set(key, format);
  }
  return format;
}

function numberFormat(options) {
  const format = cached(Intl.NumberFormat, options);
  return (value) => format.format(value);
}

function digits(format, fallback) {
  const decimals = format && Number.isInteger(format.decimals) ? format.decimals : null;
  return decimals === null ? { maximumFractionDigits: fallback } : { minimumFractionDigits: decimals, maximumFractionDigits: decimals };
}

/**
 * A widget value as text, following the widget's `format` (DESIGN.md + docs/widgets.md):
 * unit number | percent (0.25 -> 25%) | currency (+ code) | duration (ms -> "1.2 s") | bytes;
 * decimals; compact ("12.3K"); prefix / suffix. Without a format: 1234.5 -> "1,234.5",
 * 12345 -> "12.3K". null -> "—". In the viewer's locale (setLocale).
 */
export function formatNumber(value, format) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  const f = format || {};
  const abs = Math.abs(value);
  const compact = f.compact === true || (f.compact !== false && !f.unit && abs >= 10000);
  const notation = compact ? { notation: "compact" } : {};
  let text;
  if (f.unit === "percent") text = numberFormat({ style: "percent", ...digits(f, 1), ...notation })(value);
  else if (f.unit === "currency" && f.currency) {
    text = numberFormat({ style: "currency", currency: f.currency, ...digits(f, abs < 100 ? 2 : 0), ...notation })(value);
  } else if (f.unit === "duration") {
    const [size, unit] = DURATIONS.find(([ms]) => abs >= ms) || DURATIONS[DURATIONS.length - 1];
    text = numberFormat({ style: "unit", unit, unitDisplay: "short", ...digits(f, 1) })(value / size);
  } else if (f.unit === "bytes") {
    const power = Math.min(BYTE_UNITS.length - 1, abs < 1 ? 0 : Math.floor(Math.log(abs) / Math.log(1024)));
    text = numberFormat({ style: "unit", unit: BYTE_UNITS[power], unitDisplay: "short", ...digits(f, power ? 1 : 0) })(value / 1024 ** power);
  } else {
    text = numberFormat({ ...digits(f, compact ? 1 : abs < 10 ? 2 : 1), ...notation })(value);
  }
  return `${f.prefix || ""}${text}${f.suffix || ""}`;
}

/** The same, compact: for value axes, where long labels would overlap. */
export function formatAxis(value, format) {
  return formatNumber(value, { ...(format || {}), compact: true, decimals: undefined });
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
  return cached(Intl.DateTimeFormat, { dateStyle: "medium", timeStyle: "medium", timeZone }).format(date);
}

/** A bucket's start as the viewer reads it: "Apr 14, 10:00" (hour), "Apr 14, 2026" (day, week),
 * "April 2026" (month). */
export function formatBucket(at, bucket, timeZone) {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return String(at);
  const options = bucket === "hour" ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }
    : bucket === "month" ? { month: "long", year: "numeric" } : { dateStyle: "medium" };
  return cached(Intl.DateTimeFormat, { ...options, timeZone }).format(date);
}

/** ECharts' time axis labels, per level. */
export const TIME_LABELS = { year: "{yyyy}", month: "{MMM}", day: "{MMM} {d}", hour: "{HH}:{mm}", minute: "{HH}:{mm}" };

const METRIC_HEADERS = { count: "Events", count_unique: "Unique users" };
const METRIC_WORDS = { count_unique: "Unique", sum: "Sum of", avg: "Average", p95: "p95 of", p99: "p99 of" };

/** A table column's header: "sum(tokens)" -> "Sum of tokens", "model" -> "Model". The data
 * (and CSV exports) keep the raw column names; only what the viewer reads changes. */
export function columnLabel(column) {
  const text = String(column);
  const parts = text.split("/");
  if (parts.length === 2 && parts[0] && parts[1]) return `${columnLabel(parts[0])} ÷ ${columnLabel(parts[1])}`;
  const conditional = /^(.+)\[(.+)\]$/.exec(text); // a ratio part with its own filters
  if (conditional) return `${columnLabel(conditional[1])} (${conditional[2]})`;
  if (METRIC_HEADERS[text]) return METRIC_HEADERS[text];
  const match = /^([a-z0-9_]+)\((.+)\)$/.exec(text);
  if (match && METRIC_WORDS[match[1]]) return `${METRIC_WORDS[match[1]]} ${match[2]}`;
  const words = text.replace(/[_.]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
