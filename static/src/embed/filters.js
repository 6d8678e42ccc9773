// The embed page's filter controls apart from the page itself: the period buttons with the
// custom period's date range, and the locked filters as fixed chips.
//
// The date range is a pair of native <input type="date">: keyboard and screen-reader support,
// the browser's own calendar and the viewer's date format come with them, min/max carry the
// session's bounds, and they need no dependency (nor any inline style the embed page's strict
// CSP would refuse). Days are the session's time zone's: the page sends plain dates, which the
// server reads as local midnights in `tz` (the `to` day included).
import { el, formatNumber } from "@sightline/charts";

const DAY_MS = 86400000;

/** Today's date (YYYY-MM-DD) in `timeZone`. */
export function today(timeZone) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date());
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** A YYYY-MM-DD date moved by `days` (calendar arithmetic, no time zone involved). */
export function addDays(day, days) {
  return new Date(Date.parse(day + "T00:00:00Z") + days * DAY_MS).toISOString().slice(0, 10);
}

function daysBetween(first, last) {
  return Math.round((Date.parse(last + "T00:00:00Z") - Date.parse(first + "T00:00:00Z")) / DAY_MS) + 1;
}

/**
 * The period buttons (the session's allowed periods) and, for "custom", a From/To date range.
 * `state` holds period/from/to; `onChange()` reloads. `options.timeZone()` is the session's
 * current zone, `options.maxDays` the session's max_date_range_days (null: the server's limit).
 */
export function periodPicker(state, config, onChange, options) {
  const group = el("div", "sl-periods");
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Period");
  const range = config.periods.includes("custom") ? dateRange(state, onChange, options) : null;
  if (range) range.box.hidden = state.period !== "custom";
  config.periods.forEach(function (period) {
    const button = el("button", "sl-period", (config.period_labels || {})[period] || period);
    button.type = "button";
    button.dataset.period = period;
    button.setAttribute("aria-pressed", String(period === state.period));
    if (period === "custom") button.setAttribute("aria-expanded", String(state.period === "custom"));
    button.addEventListener("click", function () {
      state.period = period;
      group.querySelectorAll(".sl-period").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.dataset.period === period));
      });
      if (range) range.box.hidden = period !== "custom";
      if (period === "custom") {
        button.setAttribute("aria-expanded", "true");
        range.open();
      } else {
        const custom = group.querySelector('[data-period="custom"]');
        if (custom) custom.setAttribute("aria-expanded", "false");
        onChange();
      }
    });
    group.appendChild(button);
  });
  if (range) group.appendChild(range.box);
  return group;
}

function dateRange(state, onChange, options) {
  const box = el("span", "sl-custom");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Custom period");
  const from = dateInput("From", "sl-from");
  const to = dateInput("To", "sl-to");
  const note = el("span", "sl-range-note");
  note.setAttribute("aria-live", "polite");
  const maxDays = options.maxDays || null;
  box.append(from.label, el("span", "sl-range-dash", "–"), to.label, note);

  /** min/max of both inputs from the other's value, today and the session's longest range. */
  function bound() {
    const last = today(options.timeZone());
    to.input.max = last;
    from.input.max = to.input.value && to.input.value < last ? to.input.value : last;
    to.input.min = from.input.value || "";
    from.input.min = maxDays && to.input.value ? addDays(to.input.value, 1 - maxDays) : "";
    if (maxDays && from.input.value) {
      const furthest = addDays(from.input.value, maxDays - 1);
      if (furthest < last) to.input.max = furthest;
    }
    note.textContent = maxDays ? `Up to ${maxDays} days` : "";
  }

  function problem() {
    const first = from.input.value;
    const last = to.input.value;
    if (!first || !last) return "Pick both dates.";
    if (last < first) return "The end is before the start.";
    if (last > today(options.timeZone())) return "The end is in the future.";
    if (maxDays && daysBetween(first, last) > maxDays) return `At most ${maxDays} days.`;
    return "";
  }

  function apply() {
    bound();
    const message = problem();
    [from.input, to.input].forEach((input) => input.setAttribute("aria-invalid", String(Boolean(message) && Boolean(input.value))));
    if (message) {
      if (from.input.value && to.input.value) note.textContent = message;
      return;
    }
    state.from = from.input.value;
    state.to = to.input.value;
    box.dataset.applied = `${state.from}/${state.to}`;
    onChange();
  }

  from.input.addEventListener("change", apply);
  to.input.addEventListener("change", apply);
  return {
    box,
    /** Shown: the last range, or the last 7 days (or fewer) ending today, ready to change. */
    open() {
      if (!to.input.value) to.input.value = state.to || today(options.timeZone());
      if (!from.input.value) from.input.value = state.from || addDays(to.input.value, 1 - Math.min(7, maxDays || 7));
      apply();
      from.input.focus();
    },
  };
}

function dateInput(text, className) {
  const label = el("label", "sl-date-label " + className);
  label.appendChild(el("span", "sl-date-text", text));
  const input = document.createElement("input");
  input.type = "date";
  input.className = "sl-date";
  input.required = true;
  label.appendChild(input);
  return { label, input };
}

/** A locked value as text: "eu", "eu, us" (a list), "100–500", "≥ 100", "< 500" (a range). */
export function lockedText(value) {
  if (Array.isArray(value)) return value.join(", ");
  if (value && typeof value === "object") {
    const number = (n) => formatNumber(n, { decimals: null, compact: false });
    const low = value.gte ?? value.gt;
    const high = value.lte ?? value.lt;
    if (value.gte !== undefined && value.lte !== undefined) return `${number(low)}–${number(high)}`;
    const parts = [];
    if (value.gt !== undefined) parts.push(`> ${number(value.gt)}`);
    if (value.gte !== undefined) parts.push(`≥ ${number(value.gte)}`);
    if (value.lt !== undefined) parts.push(`< ${number(value.lt)}`);
    if (value.lte !== undefined) parts.push(`≤ ${number(value.lte)}`);
    return parts.join(" and ");
  }
  return String(value);
}

/**
 * Every locked filter of the session as a fixed chip ("Region: eu, us"), labelled by the
 * dashboard filter of that dimension where there is one. Not removable: the server applies
 * them whatever the page asks.
 */
export function lockedChips(config) {
  const locked = config.locked_filters || {};
  const labels = {};
  (config.filters || []).forEach(function (f) { labels[f.dimension] = f.label || f.dimension; });
  const keys = Object.keys(locked);
  if (!keys.length) return null;
  const list = el("ul", "sl-chips");
  list.setAttribute("aria-label", "Filters set by the application");
  keys.forEach(function (key) {
    const chip = el("li", "sl-chip sl-locked");
    chip.dataset.dimension = key;
    chip.title = "Set by the application";
    const lock = el("span", "sl-filter-label"); // styles.css draws a lock there
    lock.setAttribute("aria-hidden", "true");
    chip.append(lock, el("span", "sl-chip-label", `${labels[key] || key}:`), " ", el("span", "sl-chip-value", lockedText(locked[key])));
    list.appendChild(chip);
  });
  return list;
}
