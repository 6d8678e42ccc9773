/*! Sightline embed helper. <script src="https://sightline.example.com/sdk/embed.js"></script>
 *
 *   const embed = Sightline.create({ container: "#analytics", embedUrl: session.embed_url });
 *   embed.on("ready", () => {}).on("drill", ({ widget, dimension, value }) => {});
 *   embed.setFilters({ model: "gpt-4" }); embed.setTheme({ mode: "dark" }); embed.reload(); embed.destroy();
 *
 * Events: ready, resize {height}, drill {widget, dimension, value}, filter {filters}, error {code, message}.
 * Messages are only accepted from the embed URL's origin and from this iframe; the page checks
 * ours the same way. Locked filters and allowed periods are enforced by the server, whatever
 * the page is asked to do.
 */
(function (global) {
  "use strict";

  const EVENTS = ["ready", "resize", "drill", "filter", "error"];

  function create(options) {
    const container = typeof options.container === "string" ? document.querySelector(options.container) : options.container;
    if (!container) throw new Error("Sightline.create: container not found");
    if (!options.embedUrl) throw new Error("Sightline.create: embedUrl is required");
    const url = new URL(options.embedUrl, global.location.href);
    const embedOrigin = url.origin;
    url.hash = "sl_origin=" + encodeURIComponent(global.location.origin);

    const iframe = document.createElement("iframe");
    iframe.src = url.toString();
    iframe.title = options.title || "Analytics dashboard";
    iframe.style.cssText = "width:100%;border:0;display:block;height:" + (options.minHeight || 320) + "px";
    iframe.setAttribute("referrerpolicy", "origin");
    iframe.setAttribute("allow", "clipboard-write");
    container.appendChild(iframe);

    const handlers = {};
    EVENTS.forEach(function (name) { handlers[name] = []; });

    function onMessage(event) {
      if (event.origin !== embedOrigin || event.source !== iframe.contentWindow) return;
      const message = event.data || {};
      if (message.source !== "sightline" || !handlers[message.type]) return;
      if (message.type === "resize" && message.payload && message.payload.height > 0) {
        iframe.style.height = Math.ceil(message.payload.height) + "px";
      }
      handlers[message.type].slice().forEach(function (fn) {
        try { fn(message.payload || {}); } catch (error) { setTimeout(function () { throw error; }); }
      });
    }
    global.addEventListener("message", onMessage);

    function send(type, payload) {
      if (iframe.contentWindow) iframe.contentWindow.postMessage({ source: "sightline-host", type: type, payload: payload || {} }, embedOrigin);
    }

    const api = {
      iframe: iframe,
      on: function (name, fn) {
        if (!handlers[name]) throw new Error("Sightline: unknown event " + name);
        handlers[name].push(fn);
        return api;
      },
      off: function (name, fn) {
        if (handlers[name]) handlers[name] = handlers[name].filter(function (h) { return h !== fn; });
        return api;
      },
      setFilters: function (filters) { send("setFilters", Object.assign({}, filters)); return api; },
      setTheme: function (theme) { send("setTheme", Object.assign({}, theme)); return api; },
      reload: function () { send("reload"); return api; },
      destroy: function () {
        global.removeEventListener("message", onMessage);
        iframe.remove();
        EVENTS.forEach(function (name) { handlers[name] = []; });
      },
    };
    return api;
  }

  global.Sightline = { create: create, version: "1" };
})(window);
