// Starts Swagger UI on Hookbox's own document. A file rather than an inline script, so the
// page's CSP allows no inline code; validatorUrl: null keeps Swagger UI from calling its
// public validator (the page makes no request outside Hookbox).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
});
