// The embed's "Subscribe" control (sessions with allow_subscriptions): a daily or weekly
// digest of the dashboard, or "Alert me when …" on one widget, sent to an address the viewer
// gives. Nothing is sent before the address confirms through the link e-mailed to it; the
// panel says so, lists the viewer's own subscriptions and removes them.
import { el } from "@sightline/charts";
import { openPanel } from "./drill.js";

const OPERATORS = [["gt", "is above"], ["gte", "is at least"], ["lt", "is below"], ["lte", "is at most"], ["eq", "equals"]];
const WINDOWS = [["1h", "in the last hour"], ["15m", "in the last 15 minutes"], ["6h", "in the last 6 hours"], ["24h", "in the last 24 hours"], ["7d", "in the last 7 days"]];

/** The page that frames this embed, when it is an allowed origin: e-mails link back to it. */
function backLink(parentOrigins) {
  try {
    const url = new URL(document.referrer);
    return (parentOrigins || []).indexOf(url.origin) >= 0 ? url.href : "";
  } catch (error) {
    return "";
  }
}

/** options: {url, authorization() -> Promise<"Bearer …">, onChange(), parentOrigins, widgets} */
export function subscriptions(options) {
  const linkUrl = backLink(options.parentOrigins);
  function send(method, url, body) {
    return options.authorization().then(function (authorization) {
      return fetch(url, {
        method: method,
        headers: Object.assign({ Authorization: authorization, Accept: "application/json" }, body ? { "Content-Type": "application/json" } : {}),
        body: body ? JSON.stringify(body) : undefined,
        credentials: "omit",
        cache: "no-store",
      });
    }).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return {}; }).then(function (payload) {
        if (response.ok) return payload;
        throw (payload && payload.error) || { message: "Something went wrong." };
      });
    });
  }

  function errorText(error) {
    const details = (error.details || []).map(function (d) { return d.message; }).filter(Boolean);
    return [error.message || "Something went wrong."].concat(details).join(" ");
  }

  function field(label, input) {
    const wrap = el("label", "sl-sub-field");
    wrap.append(el("span", null, label), input);
    return wrap;
  }

  function select(name, choices) {
    const node = el("select");
    node.name = name;
    choices.forEach(function (choice) {
      const option = el("option", null, choice[1]);
      option.value = choice[0];
      node.appendChild(option);
    });
    return node;
  }

  function emailInput() {
    const input = el("input");
    input.type = "email";
    input.name = "email";
    input.required = true;
    input.autocomplete = "email";
    input.placeholder = "you@example.com";
    return input;
  }

  /** A form that POSTs `body()` and shows what happened in its status line. */
  function form(submitLabel, fields, body) {
    const node = el("form", "sl-sub-form");
    node.noValidate = false;
    fields.forEach(function (f) { node.appendChild(f); });
    const submit = el("button", "sl-sub-submit", submitLabel);
    submit.type = "submit";
    const status = el("p", "sl-sub-status");
    status.setAttribute("role", "status");
    node.append(submit, status);
    node.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!node.reportValidity()) return;
      submit.disabled = true;
      status.className = "sl-sub-status";
      status.textContent = "Sending…";
      send("POST", options.url, Object.assign(body(), linkUrl ? { link_url: linkUrl } : {}))
        .then(function (created) {
          status.className = "sl-sub-status sl-sub-ok";
          status.textContent = "Check " + created.email + ": we sent a link to confirm. Nothing is sent until you confirm.";
          node.reset();
          options.onChange();
          refresh();
        })
        .catch(function (error) {
          status.className = "sl-sub-status sl-sub-error";
          status.textContent = errorText(error);
        })
        .finally(function () { submit.disabled = false; options.onChange(); });
    });
    return node;
  }

  const mine = el("ul", "sl-sub-list");

  function describe(item) {
    if (item.kind === "digest") return (item.frequency === "weekly" ? "Weekly" : "Daily") + " digest to " + item.email;
    const op = OPERATORS.find(function (o) { return o[0] === item.operator; });
    const widget = (options.widgets || []).find(function (w) { return w.id === item.widget_id; });
    return "Alert when " + (widget ? widget.title : item.widget_id) + " " + (op ? op[1] : item.operator) + " " + item.threshold + " to " + item.email;
  }

  function refresh() {
    return send("GET", options.url).then(function (body) {
      mine.replaceChildren.apply(mine, body.results.map(function (item) {
        const row = el("li", "sl-sub-item");
        row.dataset.subscription = item.id;
        const state = item.status === "pending" ? "waiting for confirmation" : item.status;
        row.append(el("span", null, describe(item)), el("span", "sl-sub-state sl-sub-" + item.status, state));
        const remove = el("button", "sl-sub-remove", "Remove");
        remove.type = "button";
        remove.addEventListener("click", function () {
          remove.disabled = true;
          send("DELETE", options.url + "/" + encodeURIComponent(item.id)).then(refresh, function () { remove.disabled = false; });
        });
        row.appendChild(remove);
        return row;
      }));
      if (!body.results.length) mine.appendChild(el("li", "sl-sub-none", "No subscriptions yet."));
      options.onChange();
    }).catch(function () { mine.replaceChildren(el("li", "sl-sub-none", "Your subscriptions could not be loaded.")); });
  }

  function panel(title, content) {
    const opened = openPanel(title, options.onChange);
    const body = el("div", "sl-sub");
    body.append(content, el("h3", "sl-sub-heading", "Your subscriptions"), mine);
    opened.show(body);
    refresh();
  }

  function digestPanel() {
    const email = emailInput();
    const frequency = select("frequency", [["daily", "Every day"], ["weekly", "Every week"]]);
    panel("Subscribe to this dashboard", form("Subscribe", [field("E-mail", email), field("How often", frequency)], function () {
      return { kind: "digest", email: email.value.trim(), frequency: frequency.value };
    }));
  }

  function alertPanel(widget) {
    const operator = select("operator", OPERATORS);
    const threshold = el("input");
    threshold.type = "number";
    threshold.name = "threshold";
    threshold.step = "any";
    threshold.required = true;
    const span = select("window", WINDOWS);
    const email = emailInput();
    const fields = [field("When " + widget.title, operator), field("Value", threshold), field("Over", span), field("E-mail", email)];
    panel("Alert me when " + widget.title + " …", form("Create alert", fields, function () {
      return { kind: "alert", widget_id: widget.id, operator: operator.value, threshold: Number(threshold.value), window: span.value, email: email.value.trim() };
    }));
  }

  return {
    /** The header's "Subscribe" button. */
    headerButton: function () {
      const button = el("button", "sl-subscribe", "Subscribe");
      button.type = "button";
      button.addEventListener("click", digestPanel);
      return button;
    },
    /** A card's bell: "Alert me when …" on that widget. */
    widgetButton: function (widget) {
      const button = el("button", "sl-export sl-alert-me", "Alert me");
      button.type = "button";
      button.title = "Alert me when " + widget.title + " …";
      button.addEventListener("click", function () { alertPanel(widget); });
      return button;
    },
  };
}
