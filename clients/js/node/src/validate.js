// Argument checks done before anything is sent: each refusal names the field. The limits are
// the server's (ingest/rules.py, embeds/api_serializers.py), so a call that passes here is not
// refused for its shape there.
import { SightlineArgumentError } from "./errors.js";

export const MAX_BATCH = 1000;
const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,127}$/;
const PROP_KEY = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const PERIODS = new Set(["24h", "7d", "30d", "90d", "custom"]);
const COLOR = /^#[0-9a-fA-F]{6}$/;

export function fail(field, message) {
  throw new SightlineArgumentError(field, message);
}

export function requireString(value, field, { max = 200, optional = false } = {}) {
  if (value === undefined || value === null) {
    if (optional) return undefined;
    fail(field, "is required");
  }
  if (typeof value !== "string" || value.length === 0) fail(field, "must be a non-empty string");
  if (value.length > max) fail(field, `must be at most ${max} characters`);
  return value;
}

export function requireObject(value, field, { optional = true } = {}) {
  if (value === undefined || value === null) {
    if (optional) return undefined;
    fail(field, "is required");
  }
  if (typeof value !== "object" || Array.isArray(value)) fail(field, "must be an object");
  return value;
}

function pick(object, camel, snake) {
  return object[camel] !== undefined ? object[camel] : object[snake];
}

/** The wire form of one event, its insert_id and timestamp fixed here (before any retry). */
export function eventToWire(event, index, newId, now) {
  const at = `events[${index}]`;
  requireObject(event, at, { optional: false });
  const tenant = requireString(pick(event, "tenantId", "tenant_id"), `${at}.tenantId`, { max: 128 });
  const name = pick(event, "eventName", "event_name");
  if (typeof name !== "string" || !EVENT_NAME.test(name)) {
    fail(`${at}.eventName`, "must be a letter, then letters, digits, _ . : or - (at most 128 characters)");
  }
  const wire = { tenant_id: tenant, event_name: name };
  const user = pick(event, "userId", "user_id");
  if (user !== undefined && user !== null) wire.user_id = requireString(user, `${at}.userId`, { max: 256 });
  const insertId = pick(event, "insertId", "insert_id");
  wire.insert_id = insertId === undefined || insertId === null ? newId() : requireString(insertId, `${at}.insertId`, { max: 128 });
  wire.timestamp = timestampOf(event.timestamp, `${at}.timestamp`, now);
  const strings = props(pick(event, "stringProps", "string_props"), `${at}.stringProps`, (v) => typeof v === "string" && v.length <= 1024, "must be a string of at most 1024 characters");
  if (strings) wire.string_props = strings;
  const numbers = props(pick(event, "numericProps", "numeric_props"), `${at}.numericProps`, (v) => typeof v === "number" && Number.isFinite(v), "must be a finite number");
  if (numbers) wire.numeric_props = numbers;
  return wire;
}

function timestampOf(value, field, now) {
  if (value === undefined || value === null) return now;
  const date = value instanceof Date ? value : typeof value === "number" || typeof value === "string" ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) fail(field, "must be a Date, an ISO 8601 string or epoch milliseconds");
  return date.toISOString();
}

function props(value, field, valid, rule) {
  if (requireObject(value, field) === undefined) return undefined;
  const keys = Object.keys(value);
  if (keys.length > 50) fail(field, "may have at most 50 keys");
  for (const key of keys) {
    if (!PROP_KEY.test(key)) fail(`${field}.${key}`, "is not a valid key: a letter or _, then letters, digits, _ . or - (at most 64)");
    if (!valid(value[key])) fail(`${field}.${key}`, rule);
  }
  return { ...value };
}

/** createEmbedSession's options -> the POST /v1/embed-sessions body. */
export function sessionToWire(options) {
  requireObject(options, "options", { optional: false });
  const body = { tenant_id: requireString(options.tenantId, "tenantId") };
  const ids = options.dashboardIds;
  if ((options.dashboardId !== undefined && options.dashboardId !== null) || ids === undefined || ids === null) {
    body.dashboard_id = requireString(options.dashboardId, "dashboardId", { max: 32 });
  }
  if (ids !== undefined && ids !== null) {
    body.dashboard_ids = stringList(ids, "dashboardIds");
    if (body.dashboard_ids.length < 1 || body.dashboard_ids.length > 20 || new Set(body.dashboard_ids).size !== body.dashboard_ids.length) {
      fail("dashboardIds", "must name 1 to 20 different dashboards");
    }
    if (body.dashboard_id !== undefined && !body.dashboard_ids.includes(body.dashboard_id)) fail("dashboardId", "must be one of dashboardIds");
  }
  if (options.expiresIn !== undefined) {
    if (!Number.isInteger(options.expiresIn) || options.expiresIn < 1) fail("expiresIn", "must be a whole number of seconds, at least 1");
    body.expires_in = options.expiresIn;
  }
  if (options.inactivityTimeout !== undefined && options.inactivityTimeout !== null) {
    if (!Number.isInteger(options.inactivityTimeout) || options.inactivityTimeout < 120) fail("inactivityTimeout", "must be a whole number of seconds, at least 120");
    body.inactivity_timeout = options.inactivityTimeout;
  }
  if (options.permissions !== undefined) body.permissions = permissionsToWire(options.permissions);
  if (options.timezone !== undefined && options.timezone !== null) {
    body.timezone = requireString(options.timezone, "timezone", { max: 64 });
    if (!isTimeZone(body.timezone)) fail("timezone", "must be an IANA time zone name, e.g. Europe/Paris");
  }
  if (options.theme !== undefined) body.theme = themeToWire(options.theme);
  if (options.user !== undefined) body.user = requireString(options.user, "user");
  if (options.allowExport !== undefined) body.allow_export = requireBoolean(options.allowExport, "allowExport");
  if (options.locale !== undefined && options.locale !== null) body.locale = requireString(options.locale, "locale", { max: 35 });
  if (options.widgetId !== undefined && options.widgetId !== null) body.widget_id = requireId(options.widgetId, "widgetId");
  if (options.singleUseUrl !== undefined) body.single_use_url = requireBoolean(options.singleUseUrl, "singleUseUrl");
  return body;
}

function permissionsToWire(permissions) {
  requireObject(permissions, "permissions", { optional: false });
  const wire = {};
  const locked = pick(permissions, "lockedFilters", "locked_filters");
  if (locked !== undefined) {
    requireObject(locked, "permissions.lockedFilters", { optional: false });
    wire.locked_filters = {};
    for (const [key, value] of Object.entries(locked)) wire.locked_filters[key] = lockedValue(value, `permissions.lockedFilters.${key}`);
  }
  const hidden = pick(permissions, "hiddenWidgets", "hidden_widgets");
  if (hidden !== undefined) wire.hidden_widgets = stringList(hidden, "permissions.hiddenWidgets");
  const periods = pick(permissions, "allowedPeriods", "allowed_periods");
  if (periods !== undefined) {
    wire.allowed_periods = stringList(periods, "permissions.allowedPeriods");
    if (!wire.allowed_periods.length) fail("permissions.allowedPeriods", "must name at least one period");
    wire.allowed_periods.forEach((p, i) => PERIODS.has(p) || fail(`permissions.allowedPeriods[${i}]`, "must be one of 24h, 7d, 30d, 90d, custom"));
  }
  const drill = pick(permissions, "allowDrillDown", "allow_drill_down");
  if (drill !== undefined) wire.allow_drill_down = requireBoolean(drill, "permissions.allowDrillDown");
  const days = pick(permissions, "maxDateRangeDays", "max_date_range_days");
  if (days !== undefined && days !== null) {
    if (!Number.isInteger(days) || days < 1 || days > 3660) fail("permissions.maxDateRangeDays", "must be a whole number from 1 to 3660");
    wire.max_date_range_days = days;
  }
  const choices = { role: ["viewer", "designer"], variantScope: ["user", "tenant"] };
  for (const [camel, allowed] of Object.entries(choices)) {
    const snake = camel === "role" ? "role" : "variant_scope";
    const value = pick(permissions, camel, snake);
    if (value === undefined) continue;
    if (!allowed.includes(value)) fail(`permissions.${camel}`, `must be one of ${allowed.join(", ")}`);
    wire[snake] = value;
  }
  const events = pick(permissions, "allowedEvents", "allowed_events");
  if (events !== undefined) {
    wire.allowed_events = stringList(events, "permissions.allowedEvents");
    if (!wire.allowed_events.length) fail("permissions.allowedEvents", "must name at least one event");
    wire.allowed_events.forEach((e, i) => EVENT_NAME.test(e) || fail(`permissions.allowedEvents[${i}]`, "is not an event name"));
  }
  const subscriptions = pick(permissions, "allowSubscriptions", "allow_subscriptions");
  if (subscriptions !== undefined) wire.allow_subscriptions = requireBoolean(subscriptions, "permissions.allowSubscriptions");
  return wire;
}

const RANGE_BOUNDS = new Set(["gt", "gte", "lt", "lte"]);

/** A locked value: a string, a non-empty list of strings (any of them) or a numeric range. */
function lockedValue(value, field) {
  if (Array.isArray(value)) {
    if (!value.length) fail(field, "must name at least one value (an empty list would lock nothing)");
    return value.map((one) => requireString(one, field, { max: 1000 }));
  }
  if (value !== null && typeof value === "object") {
    const bounds = Object.entries(value);
    if (!bounds.length || bounds.some(([bound]) => !RANGE_BOUNDS.has(bound))) fail(field, "a range takes one or more of gt, gte, lt, lte");
    if (bounds.some(([, n]) => typeof n !== "number" || !Number.isFinite(n))) fail(field, "range bounds must be finite numbers");
    return { ...value };
  }
  if (typeof value !== "string" || !value) fail(field, "must be a non-empty string, a list of strings or a range");
  return value;
}

function themeToWire(theme) {
  requireObject(theme, "theme", { optional: false });
  const wire = {};
  if (theme.primaryColor !== undefined) {
    if (typeof theme.primaryColor !== "string" || !COLOR.test(theme.primaryColor)) fail("theme.primaryColor", "must be #rrggbb");
    wire.primaryColor = theme.primaryColor;
  }
  if (theme.fontFamily !== undefined) wire.fontFamily = requireString(theme.fontFamily, "theme.fontFamily");
  if (theme.mode !== undefined) {
    if (theme.mode !== "light" && theme.mode !== "dark") fail("theme.mode", 'must be "light" or "dark"');
    wire.mode = theme.mode;
  }
  return wire;
}

export function requireBoolean(value, field) {
  if (typeof value !== "boolean") fail(field, "must be true or false");
  return value;
}

function stringList(value, field) {
  if (!Array.isArray(value)) fail(field, "must be an array of strings");
  value.forEach((item, i) => (typeof item === "string" && item) || fail(`${field}[${i}]`, "must be a non-empty string"));
  return [...value];
}

export function isTimeZone(name) {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** An id that goes into a URL path: plain characters only, so nothing is smuggled into it. */
export function requireId(value, field) {
  requireString(value, field, { max: 128 });
  if (!/^[A-Za-z0-9_.:-]+$/.test(value)) fail(field, "must be an id (letters, digits, _ . : -)");
  return value;
}
