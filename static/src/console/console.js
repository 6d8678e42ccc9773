// Console behaviour: copy buttons, confirmations for plain forms, auto-submitting selects,
// and HTMX set-up (which error responses swap). Charts live in charts.js.
(function () {
  "use strict";

  function copyText(button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) return;
    var text = target.value !== undefined && target.tagName !== "CODE" ? target.value : target.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
      done();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) copyText(button);
  });

  // Plain (non-HTMX) forms with data-confirm ask first; HTMX forms use hx-confirm instead.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    // A form marked data-no-submit only groups controls that drive HTMX requests.
    if (form.hasAttribute("data-no-submit")) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-confirm") && !form.hasAttribute("hx-post") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
    // The builder preview reloads on a change of its own controls. A named event rather than
    // an htmx event filter, which htmx runs through eval (refused by the console's CSP).
    if (event.target.closest("#preview-controls, #preview-filters")) {
      document.body.dispatchEvent(new CustomEvent("preview-changed"));
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.htmx) return;
    // Validation errors (400) and conflicts (409) render the form again with errors next to
    // the fields; 403/404 come back retargeted into the toast area by the server.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "40[0349]", swap: true, error: false },
      { code: "...", swap: false, error: true },
    ];
  });

  // Toasts disappear on their own.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "toasts") {
      setTimeout(function () { event.detail.target.innerHTML = ""; }, 6000);
    }
  });
})();

// Tabs (snippets): buttons with data-tab show their panel and hide the siblings'.
document.addEventListener("click", function (event) {
  var tab = event.target.closest("[data-tab]");
  if (!tab) return;
  tab.parentElement.querySelectorAll("[data-tab]").forEach(function (other) {
    var selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    var panel = document.getElementById(other.getAttribute("data-tab"));
    if (panel) panel.hidden = !selected;
  });
});

// Opening a widget's editor (from the list or a preview tile) brings it into view and puts
// the keyboard focus on its first field.
document.addEventListener("htmx:afterSettle", function (event) {
  var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (!trigger || !trigger.closest || !trigger.closest(".widget-list .title, .tile-title, .widget-add")) return;
  var editor = document.getElementById("widget-editor");
  if (!editor) return;
  editor.scrollIntoView({ block: "start", behavior: "smooth" });
  var first = editor.querySelector("input, select, textarea");
  if (first) first.focus({ preventScroll: true });
});

// The Embed tab's preview frame grows with the dashboard, as the helper script does on a
// customer's page: the embed page posts its height to a parent it trusts (this origin).
window.addEventListener("message", function (event) {
  var frame = document.getElementById("embed-frame");
  if (!frame || event.source !== frame.contentWindow || event.origin !== window.location.origin) return;
  var message = event.data || {};
  if (message.source === "sightline" && message.type === "resize" && message.payload && message.payload.height > 0) {
    frame.style.height = Math.ceil(message.payload.height) + "px";
  }
});
