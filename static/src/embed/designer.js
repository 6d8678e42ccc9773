// The embed page's edit mode, for designer sessions (permissions.role "designer"): add widgets
// from the dashboard's events and the tenant's own dimensions, change or hide them, move any
// widget up or down, then save the whole view (PUT /embed/{id}/variant) or cancel. The server
// decides everything that matters (the events, locked filters, hidden widgets, periods and the
// tenant, from the token); this module only edits a copy of the view and shows its answers.
// Also the notice of a variant whose widgets the dashboard's owner removed (every session).
import { el } from "@sightline/charts";

/** page: {config, root, header, grid, send(method, url, body), rebuild(config), notifyHeight} */
export function startDesigner(page) {
  if (page.config.notice) showNotice(page, page.config.notice);
  if (!page.config.designer || page.config.single_widget) return;
  const button = el("button", "sl-edit", "Edit");
  button.type = "button";
  button.title = "Design your own view of this dashboard";
  const controls = page.header.querySelector(".sl-controls") || page.header;
  controls.appendChild(button);
  button.addEventListener("click", function () {
    button.disabled = true;
    open(page).finally(function () { button.disabled = false; });
  });
  page.editButton = button;
}

function showNotice(page, text) {
  const notice = el("div", "sl-notice");
  notice.setAttribute("role", "status");
  notice.appendChild(el("span", null, text));
  const dismiss = el("button", "sl-notice-close", "×");
  dismiss.type = "button";
  dismiss.setAttribute("aria-label", "Dismiss");
  dismiss.addEventListener("click", function () { notice.remove(); page.notifyHeight(); });
  notice.appendChild(dismiss);
  page.root.insertBefore(notice, page.header.nextSibling);
}

async function answer(response) {
  const body = await response.json().catch(function () { return {}; });
  if (!response.ok) {
    const error = (body && body.error) || { code: "http_" + response.status, message: "Something went wrong." };
    error.status = response.status;
    throw error;
  }
  return body;
}

async function open(page) {
  const url = page.config.urls.variant;
  let state;
  try {
    state = await answer(await page.send("GET", url));
  } catch (error) {
    alertBox(page, error.message || "Edit mode could not be opened.");
    return;
  }
  new Editor(page, state).show();
}

function alertBox(page, message) {
  const box = el("div", "sl-notice sl-notice-error", message);
  box.setAttribute("role", "alert");
  page.root.insertBefore(box, page.header.nextSibling);
  setTimeout(function () { box.remove(); page.notifyHeight(); }, 6000);
}

const TITLES = { kpi: "KPI", timeseries: "Time series", breakdown: "Breakdown", table: "Table", funnel: "Funnel" };
const SIZES = { kpi: [3, 2], timeseries: [12, 4], breakdown: [6, 4], table: [12, 5], funnel: [12, 4] };
const PARTS = [["numerator", "Numerator"], ["denominator", "Denominator"]];

class Editor {
  constructor(page, state) {
    this.page = page;
    this.state = state;
    this.choices = state.choices;
    this.schema = state.schema;
    this.own = new Map(state.widgets.map(function (w) { return [w.id, w]; }));
    this.hidden = new Set(state.hidden);
    const titles = new Map(page.config.widgets.map(function (w) { return [w.id, w]; }));
    this.published = titles;
    // The order shown: the current layout, then hidden own widgets (kept, not shown).
    this.order = state.layout.map(function (entry) { return { id: entry.id, w: entry.w, h: entry.h }; });
    state.widgets.forEach((w) => {
      if (!this.order.some(function (entry) { return entry.id === w.id; })) this.order.push({ id: w.id, w: w.layout.w, h: w.layout.h });
    });
    this.errors = [];
    this.panel = el("section", "sl-designer");
    this.panel.setAttribute("aria-label", "Edit your view");
  }

  show() {
    this.page.editButton.hidden = true;
    this.page.root.insertBefore(this.panel, this.page.header.nextSibling);
    this.render();
  }

  close() {
    this.panel.remove();
    this.page.editButton.hidden = false;
    this.page.notifyHeight();
  }

  title(id) {
    const own = this.own.get(id);
    if (own) return own.title || id;
    const published = this.published.get(id);
    return published ? published.title || id : id;
  }

  render() {
    const bar = el("div", "sl-designer-bar");
    bar.appendChild(el("strong", "sl-designer-title", "Edit your view"));
    bar.appendChild(this.button("Add widget", "sl-add", () => this.openForm(null)));
    bar.appendChild(this.button("Save", "sl-save sl-primary", () => this.save()));
    bar.appendChild(this.button("Cancel", "sl-cancel", () => this.close()));
    if (this.page.config.variant) {
      bar.appendChild(this.button("Reset to the dashboard", "sl-reset", () => this.reset()));
    }
    const nodes = [bar];
    if (this.errors.length) {
      const box = el("ul", "sl-designer-errors");
      box.setAttribute("role", "alert");
      this.errors.forEach(function (message) { box.appendChild(el("li", null, message)); });
      nodes.push(box);
    }
    const list = el("ol", "sl-designer-list");
    this.order.forEach((entry, index) => list.appendChild(this.row(entry, index)));
    nodes.push(list);
    if (this.form) nodes.push(this.form);
    this.panel.replaceChildren.apply(this.panel, nodes);
    this.page.notifyHeight();
  }

  button(label, className, onClick) {
    const button = el("button", className, label);
    button.type = "button";
    button.addEventListener("click", onClick);
    return button;
  }

  row(entry, index) {
    const own = this.own.get(entry.id);
    const item = el("li", "sl-designer-row" + (this.hidden.has(entry.id) ? " sl-is-hidden" : ""));
    item.dataset.widget = entry.id;
    item.appendChild(el("span", "sl-designer-name", this.title(entry.id)));
    item.appendChild(el("span", "sl-designer-tag", own ? (this.hidden.has(entry.id) ? "yours · hidden" : "yours") : "dashboard"));
    const up = this.button("↑", "sl-up", () => this.move(index, -1));
    up.setAttribute("aria-label", "Move up");
    up.disabled = index === 0;
    const down = this.button("↓", "sl-down", () => this.move(index, 1));
    down.setAttribute("aria-label", "Move down");
    down.disabled = index === this.order.length - 1;
    item.append(up, down);
    if (own) {
      item.appendChild(this.button("Change", "sl-change", () => this.openForm(own)));
      item.appendChild(this.button(this.hidden.has(entry.id) ? "Show" : "Hide", "sl-hide", () => {
        if (this.hidden.has(entry.id)) this.hidden.delete(entry.id);
        else this.hidden.add(entry.id);
        this.render();
      }));
      item.appendChild(this.button("Remove", "sl-remove", () => {
        this.own.delete(entry.id);
        this.hidden.delete(entry.id);
        this.order.splice(index, 1);
        this.render();
      }));
    }
    return item;
  }

  move(index, step) {
    const target = index + step;
    if (target < 0 || target >= this.order.length) return;
    const moved = this.order.splice(index, 1)[0];
    this.order.splice(target, 0, moved);
    this.render();
  }

  body() {
    const widgets = [];
    const layout = [];
    this.order.forEach((entry) => {
      const own = this.own.get(entry.id);
      if (own) widgets.push(Object.assign({}, own, { layout: { x: 0, y: 0, w: entry.w, h: entry.h } }));
      if (!this.hidden.has(entry.id)) layout.push({ id: entry.id, x: 0, y: 0, w: entry.w, h: entry.h });
    });
    return { widgets: widgets, layout: layout, hidden: Array.from(this.hidden), revision: this.state.revision };
  }

  async save() {
    await this.submit("PUT", this.body());
  }

  async reset() {
    if (!window.confirm("Go back to the dashboard as published? Your widgets are deleted.")) return;
    await this.submit("DELETE");
  }

  async submit(method, body) {
    this.panel.classList.add("sl-busy");
    try {
      const result = await answer(await this.page.send(method, this.page.config.urls.variant, body));
      this.close();
      await this.page.rebuild(result.config);
    } catch (error) {
      this.errors = describe(error, this);
      this.render();
    } finally {
      this.panel.classList.remove("sl-busy");
    }
  }

  // --- The widget form: the console builder's choices (interface/builder.py) ---------------

  openForm(widget) {
    this.form = new WidgetForm(this, widget).node;
    this.render();
    const first = this.form.querySelector("input, select");
    if (first) first.focus();
  }

  closeForm() {
    this.form = null;
    this.render();
  }

  apply(widget, isNew) {
    this.own.set(widget.id, widget);
    if (isNew) {
      const size = SIZES[widget.kind] || [6, 4];
      this.order.push({ id: widget.id, w: size[0], h: size[1] });
    }
    this.errors = [];
    this.closeForm();
  }
}

/** "status = error, region = eu" -> {status: "error", region: "eu"} (parts without "=" are left out). */
function pairs(text) {
  const out = {};
  text.split(",").forEach(function (part) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim()) out[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  });
  return out;
}

/** An error answer as lines: a widget's field errors name the widget and the field. */
function describe(error, editor) {
  const details = error.details || [];
  if (!details.length) return [error.message || "The view could not be saved."];
  const own = editor.body().widgets;
  return details.map(function (detail) {
    const match = /^widgets\[(\d+)\]\.?(.*)$/.exec(detail.field || "");
    if (!match) return (detail.field ? detail.field + ": " : "") + detail.message;
    const widget = own[Number(match[1])];
    return (widget ? widget.title || widget.id : "A widget") + (match[2] ? " · " + match[2] : "") + ": " + detail.message;
  });
}

class WidgetForm {
  constructor(editor, widget) {
    this.editor = editor;
    this.isNew = !widget;
    const choices = editor.choices;
    this.widget = widget || {
      id: "w_my_" + Math.random().toString(36).slice(2, 10),
      title: "",
      kind: "breakdown",
      chart: "bar",
      event_name: choices.events[0] || "",
      metric: "count",
      property: null,
      group_by: choices.dimensions.slice(0, 1),
      filters: {},
      limit: null,
      layout: { x: 0, y: 0, w: 6, h: 4 },
    };
    this.node = el("form", "sl-widget-form");
    this.node.setAttribute("aria-label", this.isNew ? "Add a widget" : "Change a widget");
    this.node.noValidate = true;
    this.node.addEventListener("submit", (event) => { event.preventDefault(); this.done(); });
    this.draw();
  }

  kind() { return this.editor.choices.kinds.find((k) => k.value === this.widget.kind) || this.editor.choices.kinds[0]; }
  metric() { return this.editor.choices.metrics.find((m) => m.value === this.widget.metric) || this.editor.choices.metrics[0]; }
  applies() { return this.kind().applies[this.metric().value] || {}; }

  draw() {
    const w = this.widget;
    const kind = this.kind();
    const applies = this.applies();
    const fields = [el("h3", "sl-form-title", this.isNew ? "Add a widget" : "Change " + (w.title || "widget"))];
    fields.push(this.text("Title", "title", w.title));
    fields.push(this.select("Kind", "kind", this.editor.choices.kinds.map((k) => [k.value, k.label]), w.kind, () => {
      this.widget.chart = this.kind().charts[0][0];
      const range = this.kind().group_by;
      this.widget.group_by = this.widget.group_by.slice(0, range[1]);
      if (this.widget.group_by.length < range[0]) this.widget.group_by = this.editor.choices.dimensions.slice(0, range[0]);
      this.widget.limit = null;
      if (this.widget.kind === "funnel") this.startFunnel();
      this.draw();
    }));
    fields.push(this.select("Chart", "chart", kind.charts, w.chart, () => this.draw()));
    const funnel = kind.value === "funnel";
    if (funnel) {
      fields.push(this.steps());
      fields.push(this.number("Conversion window (minutes)", "window_minutes", w.window_minutes, null));
    } else {
      fields.push(this.select("Event", "event_name", this.editor.choices.events.map((e) => [e, e]), w.event_name));
      fields.push(this.select("Metric", "metric", this.editor.choices.metrics.map((m) => [m.value, m.label]), w.metric, () => {
        this.widget.property = null;
        this.draw();
      }));
    }
    if (applies.ratio) fields.push(this.ratio());
    if (applies.property && !funnel) {
      const options = this.metric().properties;
      if (!w.property && options.length) w.property = options[0][0];
      fields.push(this.select("Property", "property", options, w.property));
    }
    if (applies.group_by) fields.push(this.groupBy(kind));
    if (applies.limit && (kind.value !== "timeseries" || w.group_by.length)) {
      fields.push(this.number("Limit", "limit", w.limit === null ? "" : w.limit, kind.limit));
    }
    if (applies.bucket) fields.push(this.select("Bucket", "bucket", this.editor.choices.buckets.map((b) => [b, b.charAt(0).toUpperCase() + b.slice(1)]), w.bucket || "auto"));
    if (kind.value === "kpi" && w.chart === "progress") fields.push(this.number("Target", "target", w.target === undefined || w.target === null ? "" : w.target, null));
    fields.push(this.filters());
    const actions = el("div", "sl-form-actions");
    const done = el("button", "sl-primary sl-done", this.isNew ? "Add to the view" : "Apply");
    done.type = "submit";
    const cancel = el("button", "sl-form-cancel", "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", () => this.editor.closeForm());
    actions.append(done, cancel);
    fields.push(actions);
    this.node.replaceChildren.apply(this.node, fields);
    if (this.editor.form === this.node) this.editor.page.notifyHeight();
  }

  label(text, control) {
    const label = el("label", "sl-field");
    label.appendChild(el("span", "sl-field-label", text));
    label.appendChild(control);
    return label;
  }

  text(label, name, value) {
    const input = document.createElement("input");
    input.type = "text";
    input.name = name;
    input.maxLength = 200;
    input.value = value || "";
    input.addEventListener("input", () => { this.widget[name] = input.value; });
    return this.label(label, input);
  }

  number(label, name, value, range) {
    const input = document.createElement("input");
    input.type = "number";
    input.name = name;
    if (range) { input.min = range[0]; input.max = range[2]; input.placeholder = String(range[1]); }
    input.value = value;
    input.addEventListener("input", () => { this.widget[name] = input.value === "" ? null : Number(input.value); });
    return this.label(label, input);
  }

  select(label, name, options, value, onChange) {
    return this.label(label, this.choice(name, options, value, (chosen) => {
      this.widget[name] = chosen;
      if (onChange) onChange();
    }));
  }

  /** A <select> of [value, text] options; `onChange(value or null)`. */
  choice(name, options, value, onChange) {
    const select = document.createElement("select");
    select.name = name;
    options.forEach(function (option) {
      const node = document.createElement("option");
      node.value = option[0];
      node.textContent = option[1];
      select.appendChild(node);
    });
    select.value = value === null || value === undefined ? "" : value;
    select.addEventListener("change", () => onChange(select.value || null));
    return select;
  }

  // --- A funnel: its steps, in order (the console builder's "one event a line") -------------

  startFunnel() {
    const w = this.widget;
    const events = this.editor.choices.events;
    w.metric = "count_unique";
    w.property = null;
    w.steps = events.length >= 2 ? events.slice(0, 2) : [w.event_name, w.event_name];
    w.window_minutes = this.editor.choices.funnel.window_minutes;
  }

  steps() {
    const w = this.widget;
    if (!Array.isArray(w.steps)) this.startFunnel();
    const box = el("fieldset", "sl-steps");
    box.appendChild(el("legend", null, "Steps, in order"));
    const events = this.editor.choices.events.map((e) => [e, e]);
    w.steps.forEach((step, index) => {
      const row = el("div", "sl-step-row");
      const select = this.choice("step", events, step, (chosen) => { w.steps[index] = chosen || step; });
      select.setAttribute("aria-label", "Step " + (index + 1));
      row.appendChild(select);
      if (w.steps.length > 2) {
        const remove = el("button", "sl-step-remove", "×");
        remove.type = "button";
        remove.setAttribute("aria-label", "Remove step " + (index + 1));
        remove.addEventListener("click", () => { w.steps.splice(index, 1); this.draw(); });
        row.appendChild(remove);
      }
      box.appendChild(row);
    });
    if (w.steps.length < this.editor.choices.funnel.max_steps) {
      const add = el("button", "sl-step-add", "Add step");
      add.type = "button";
      add.addEventListener("click", () => {
        const unused = this.editor.choices.events.find((e) => w.steps.indexOf(e) < 0);
        w.steps.push(unused || this.editor.choices.events[0]);
        this.draw();
      });
      box.appendChild(add);
    }
    return box;
  }

  // --- A ratio: a numerator and a denominator, each a metric with its property and filters ---

  ratio() {
    const w = this.widget;
    if (!w.ratio) w.ratio = { numerator: { metric: "count", property: null, filters: {} }, denominator: { metric: "count", property: null, filters: {} } };
    const box = el("fieldset", "sl-ratio");
    box.appendChild(el("legend", null, "Ratio"));
    const metrics = this.editor.choices.metrics.filter((m) => this.editor.choices.part_metrics.indexOf(m.value) >= 0);
    PARTS.forEach(([part, label]) => {
      const side = w.ratio[part];
      box.appendChild(this.label(label, this.choice(part + "_metric", metrics.map((m) => [m.value, m.label]), side.metric, (chosen) => {
        side.metric = chosen || "count";
        side.property = null;
        this.draw();
      })));
      const options = (metrics.find((m) => m.value === side.metric) || { properties: [] }).properties;
      if (options.length && options[0][0] !== "") {
        if (!side.property) side.property = options[0][0];
        box.appendChild(this.label(label + " property", this.choice(part + "_property", options, side.property, (chosen) => { side.property = chosen; })));
      }
      const input = document.createElement("input");
      input.type = "text";
      input.name = part + "_filters";
      input.placeholder = "status = error";
      input.value = Object.entries(side.filters || {}).map(([k, v]) => k + " = " + v).join(", ");
      input.addEventListener("input", () => { side.filters = pairs(input.value); });
      box.appendChild(this.label(label + " filters", input));
    });
    return box;
  }

  groupBy(kind) {
    const range = kind.group_by;
    const select = document.createElement("select");
    select.name = "group_by";
    select.multiple = range[1] > 1;
    if (select.multiple) select.size = 4;
    const options = range[0] === 0 ? [["", "—"]] : [];
    this.editor.choices.dimensions.forEach(function (d) { options.push([d, d]); });
    options.forEach((option) => {
      const node = document.createElement("option");
      node.value = option[0];
      node.textContent = option[1];
      node.selected = this.widget.group_by.indexOf(option[0]) >= 0;
      select.appendChild(node);
    });
    select.addEventListener("change", () => {
      this.widget.group_by = Array.from(select.selectedOptions).map(function (o) { return o.value; }).filter(Boolean);
      this.draw();
    });
    return this.label(range[1] > 1 ? "Group by (up to " + range[1] + ")" : "Group by", select);
  }

  filters() {
    const box = el("fieldset", "sl-filters");
    box.appendChild(el("legend", null, "Filters"));
    const pairs = Object.entries(this.widget.filters || {});
    const dimensions = this.editor.choices.dimensions;
    const topValues = this.editor.schema.top_values || {};
    pairs.forEach(([key, value]) => {
      const row = el("div", "sl-filter-row");
      const keySelect = document.createElement("select");
      keySelect.name = "filter_key";
      keySelect.setAttribute("aria-label", "Filter property");
      dimensions.concat(dimensions.indexOf(key) < 0 ? [key] : []).forEach(function (d) {
        const option = document.createElement("option");
        option.value = d;
        option.textContent = d;
        keySelect.appendChild(option);
      });
      keySelect.value = key;
      const input = document.createElement("input");
      input.type = "text";
      input.name = "filter_value";
      input.setAttribute("aria-label", "Filter value");
      input.value = value;
      const list = document.createElement("datalist");
      list.id = "sl-fv-" + Math.random().toString(36).slice(2, 8);
      (topValues[key] || []).forEach(function (v) {
        const option = document.createElement("option");
        option.value = v;
        list.appendChild(option);
      });
      input.setAttribute("list", list.id);
      const remove = el("button", "sl-filter-remove", "×");
      remove.type = "button";
      remove.setAttribute("aria-label", "Remove filter");
      const update = () => {
        const next = {};
        box.querySelectorAll(".sl-filter-row").forEach(function (r) {
          const k = r.querySelector("select").value;
          if (k) next[k] = r.querySelector("input").value;
        });
        this.widget.filters = next;
      };
      keySelect.addEventListener("change", () => { update(); this.draw(); });
      input.addEventListener("input", update);
      remove.addEventListener("click", () => {
        const next = Object.assign({}, this.widget.filters);
        delete next[key];
        this.widget.filters = next;
        this.draw();
      });
      row.append(keySelect, input, list, remove);
      box.appendChild(row);
    });
    const free = dimensions.filter((d) => !(d in (this.widget.filters || {})));
    if (free.length) {
      const add = el("button", "sl-filter-add", "Add filter");
      add.type = "button";
      add.addEventListener("click", () => {
        this.widget.filters = Object.assign({}, this.widget.filters, { [free[0]]: "" });
        this.draw();
      });
      box.appendChild(add);
    }
    return box;
  }

  done() {
    const w = Object.assign({}, this.widget);
    if (!w.title) w.title = (TITLES[w.kind] || "Widget") + " of " + w.event_name;
    const applies = this.applies();
    if (!applies.property) w.property = null;
    if (!applies.group_by) w.group_by = [];
    if (!applies.limit || (w.kind === "timeseries" && !w.group_by.length)) w.limit = null;
    if (applies.bucket) w.bucket = w.bucket || "auto";
    else delete w.bucket;
    if (!(w.kind === "kpi" && w.chart === "progress")) delete w.target;
    delete w.metrics; // a table of the form: one metric column, sorted by it (the defaults)
    delete w.sort;
    if (w.metric === "count_unique" && w.property === "user_id") w.property = null;
    if (w.kind === "funnel") {
      Object.assign(w, { metric: "count_unique", property: null, event_name: w.steps[0], group_by: [] });
      if (!w.window_minutes) w.window_minutes = this.editor.choices.funnel.window_minutes;
    } else {
      delete w.steps;
      delete w.window_minutes;
    }
    if (w.metric === "ratio" && w.ratio) {
      w.ratio = JSON.parse(JSON.stringify(w.ratio));
      PARTS.forEach(([part]) => {
        const side = w.ratio[part];
        if (side.metric === "count" || side.property === "user_id") side.property = null;
      });
    } else {
      delete w.ratio;
    }
    Object.keys(w.filters || {}).forEach(function (k) { if (w.filters[k] === "") delete w.filters[k]; });
    this.editor.apply(w, this.isNew);
  }
}
