import { createRequire } from "node:module";
import { Hono } from "hono";
import { html } from "hono/html";
import { type Asset, asset, assetRoutes } from "../http/assets.ts";

export const DOCS_PATH = "/docs";

interface DocsAssets {
  css: Asset;
  bundle: Asset;
  init: Asset;
}

/** Swagger UI from the swagger-ui-dist package, served by Hookbox: /docs works offline. */
function loadDocsAssets(): DocsAssets {
  const require = createRequire(import.meta.url);
  return {
    css: asset("swagger-ui.css", require.resolve("swagger-ui-dist/swagger-ui.css"), "text/css"),
    bundle: asset(
      "swagger-ui-bundle.js",
      require.resolve("swagger-ui-dist/swagger-ui-bundle.js"),
      "text/javascript",
    ),
    init: asset("docs.js", new URL("./docs.js", import.meta.url).pathname, "text/javascript"),
  };
}

// Swagger UI renders with React (style properties, not inline markup) and draws its icons
// from data: URIs; everything else comes from this origin.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/** `GET /docs`: the interactive page for `/openapi.json`, and its assets under `/docs/assets/`. */
export function docsRoutes() {
  const assets = loadDocsAssets();
  const at = (a: Asset) => `${DOCS_PATH}${a.path}`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hookbox API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${at(assets.css)}" integrity="${assets.css.integrity}">
<script src="${at(assets.bundle)}" integrity="${assets.bundle.integrity}" defer></script>
<script src="${at(assets.init)}" integrity="${assets.init.integrity}" defer></script>
</head>
<body><div id="swagger-ui"></div></body>
</html>`;
  const app = new Hono();
  app.route("/", assetRoutes(Object.values(assets)));
  app.get("/", (c) => {
    c.header("content-security-policy", CSP);
    c.header("x-content-type-options", "nosniff");
    return c.html(page);
  });
  return app;
}
