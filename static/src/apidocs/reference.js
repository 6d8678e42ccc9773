// The API reference page: Swagger UI (from static/vendor, built from npm) over the server's own
// OpenAPI document. A file, not an inline script, so the page's CSP can stay script-src 'self'.
(function () {
  const root = document.getElementById("api-reference");
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
    validatorUrl: null,
  });
})();
